"""Admin screens (roles: admin): departments, topic codes and SLA, routing rules,
users, calendars. Each screen's routes live in its own ``admin_*`` module."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask.typing import ResponseReturnValue

from himcrm.extensions import db
from himcrm.models import (
    BusinessCalendar,
    Department,
    HolidayOverride,
    RoutingRule,
    TopicCode,
    User,
)

# Importing the screen modules registers their routes on ``bp``.
from himcrm.web import (
    admin_api_clients,  # noqa: F401  (registers its routes)
    admin_calendars,
    admin_departments,
    admin_routing,
    admin_topics,
    admin_users,
)
from himcrm.web.access import ADMINS, roles_required
from himcrm.web.admin_common import bp

SCREENS = (admin_calendars, admin_departments, admin_routing, admin_topics, admin_users)


@bp.get("/")
@roles_required(*ADMINS)
def index() -> ResponseReturnValue:
    session = db.session()

    def count(model: type) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    counts = {
        "departments": count(Department),
        "topics": count(TopicCode),
        "rules": count(RoutingRule),
        "users": count(User),
        "calendars": count(BusinessCalendar),
        "overrides": count(HolidayOverride),
    }
    return render_template("admin/index.html", counts=counts)


__all__ = ["SCREENS", "bp"]
