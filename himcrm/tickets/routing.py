"""The one routing function: topic code + district → department."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import Department, TicketEvent, TopicCode
from himcrm.organisation import reference_cache


def resolve_department(session: Session, topic: TopicCode, district_id: int | None) -> Department:
    """Pick the department responsible for ``topic`` in ``district_id``.

    Candidates are the active rules on the topic or any of its ancestor groups,
    for this district or for any district. The most specific wins:

    1. a rule naming the district beats one that does not (so "every park matter
       in Konak goes to Konak Belediyesi" overrides the leaf's default);
    2. then the deeper topic beats the shallower group.

    With no rule, the topic's own department (or its nearest ancestor's) is
    responsible: that is the implicit any-district rule at the leaf.
    """
    reference = reference_cache.current(session)
    chain = reference.topic_chain(topic.id)
    depth = {t.id: t.depth for t in chain}
    # Active rules on the chain for this district or any: (specificity, department).
    candidates: list[tuple[tuple[int, int], int]] = [
        ((int(rule_district is not None), depth[topic_id]), department_id)
        for topic_id in depth
        for rule_district, department_id in reference.rules.get(topic_id, ())
        if rule_district is None or rule_district == district_id
    ]
    # The topic's own department competes as an any-district rule at its depth.
    owner = next((t for t in chain if t.department_id is not None), None)
    if owner is not None and owner.department_id is not None:
        candidates.append(((0, owner.depth), owner.department_id))
    if not candidates:
        raise ValidationError(
            _l("Bu konu kodu için sorumlu birim tanımlı değil."),
            field="topic_code",
            topic=topic.code,
        )
    # Ties at the same specificity: a rule (listed first) beats the implicit default.
    _, department_id = max(candidates, key=lambda c: c[0])
    department = reference.departments.get(department_id)
    if department is None or not department.is_active:
        raise ValidationError(
            _l("Sorumlu birim etkin değil."), field="topic_code", topic=topic.code
        )
    return reference_cache.attach(session, department)


def department_holding_times(
    events: Iterable[TicketEvent], *, until: datetime
) -> dict[int, timedelta]:
    """How long each department held the ticket, from its event history.

    Every event records the department holding the ticket after it; a holding
    period runs from one event to the next event that names another department.
    """
    totals: dict[int, timedelta] = defaultdict(timedelta)
    holder: int | None = None
    since: datetime | None = None
    for event in sorted(events, key=lambda e: (e.created_at, e.id or 0)):
        if event.department_id == holder:
            continue
        if holder is not None and since is not None:
            totals[holder] += event.created_at - since
        holder, since = event.department_id, event.created_at
    if holder is not None and since is not None and until > since:
        totals[holder] += until - since
    return dict(totals)
