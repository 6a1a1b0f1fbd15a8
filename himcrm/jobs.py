"""RQ job functions. Thin: they open the boundary (commit) and call services.

Every job takes ids or nothing, reloads what it needs, and is safe to run twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from himcrm.config import Settings
from himcrm.extensions import db
from himcrm.models import utcnow
from himcrm.notify.gateways import email_gateway, sms_gateway
from himcrm.notify.rate_limit import RateLimiter
from himcrm.notify.sender import Senders, deliver, due_ids
from himcrm.notify.social import social_gateways
from himcrm.reports.overdue import previous_month, queue_monthly_overdue
from himcrm.reports.scheduled import generate_stored_report, period_for
from himcrm.sla.reminders import sweep_reminders

log = logging.getLogger(__name__)


def _settings() -> Settings:
    return current_app.config["HIMCRM_SETTINGS"]


def _senders() -> Senders:
    settings = _settings()
    cached = current_app.extensions.get("himcrm_senders")
    if cached is None:
        redis = None
        if settings.redis_url:
            from redis import Redis

            redis = Redis.from_url(settings.redis_url)
        cached = Senders(
            settings=settings,
            sms=sms_gateway(settings),
            email=email_gateway(settings),
            limiter=RateLimiter(settings.sms_rate_per_second, redis=redis),
            social=social_gateways(settings),
        )
        current_app.extensions["himcrm_senders"] = cached
    return cached


def send_notification(notification_id: int) -> str:
    """Send one outbox row now (enqueued after the commit that wrote it)."""
    try:
        return deliver(db.session(), notification_id, _senders(), now=utcnow())
    finally:
        db.session.remove()


def dispatch(limit: int = 1000) -> int:
    """Send every due outbox row, including ones a dead worker left claimed."""
    session = db.session()
    senders = _senders()
    sent = 0
    try:
        lease = senders.settings.send_lease_seconds
        for notification_id in due_ids(
            session, now=utcnow(), lease=timedelta(seconds=lease), limit=limit
        ):
            sent += deliver(session, notification_id, senders, now=utcnow()) == "sent"
    finally:
        db.session.remove()
    return sent


def sweep() -> dict[str, int]:
    """The minute job: write due reminders, then send what is waiting."""
    session = db.session()
    try:
        result = sweep_reminders(session, now=utcnow(), after_batch=session.commit)
        session.commit()
    finally:
        db.session.remove()
    sent = dispatch()
    log.info(
        "sweep: %s tickets, %s reminders, %s approval reminders, %s sent",
        result.tickets,
        result.written,
        result.approvals,
        sent,
    )
    return {
        "tickets": result.tickets,
        "written": result.written,
        "approvals": result.approvals,
        "sent": sent,
    }


def monthly_overdue_report() -> int:
    """1st of the month, 08:00 Istanbul: last month's late work to each department head."""
    now = utcnow()
    year, month = previous_month(now)
    session = db.session()
    try:
        written = queue_monthly_overdue(session, year=year, month=month, now=now)
        session.commit()
    finally:
        db.session.remove()
    dispatch()
    return written


def _stored_report(kind: str) -> int:
    now = utcnow()
    session = db.session()
    try:
        stored = generate_stored_report(
            session,
            kind,
            period_for(kind, now),
            now=now,
            recipients=list(_settings().report_recipients),
        )
        session.commit()
        report_id = stored.id
    finally:
        db.session.remove()
    dispatch()
    return report_id


def weekly_report() -> int:
    """Monday 08:00 Istanbul: last week's report, stored and e-mailed (same week again replaces)."""
    return _stored_report("weekly")


def monthly_report() -> int:
    """1st of the month, 08:00 Istanbul: last month's report, stored and e-mailed."""
    return _stored_report("monthly")


def retention() -> int:
    """Monthly, 03:00 Istanbul: anonymise the citizens the retention policy has reached.

    KVKK asks for periodic destruction at least every six months; monthly keeps
    each run small. Idempotent: a second run finds nobody left to anonymise.
    """
    settings = _settings()
    if settings.retention_years <= 0:
        return 0  # retention switched off (HIMCRM_RETENTION_YEARS=0)
    from himcrm.privacy.anonymise import run_retention

    try:
        record = run_retention(
            db.session(),
            now=utcnow(),
            years=settings.retention_years,
            instance_path=settings.instance_path,
        )
        return record.citizens
    finally:
        db.session.remove()
