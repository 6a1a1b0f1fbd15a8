"""Admin services: departments, topic codes with SLA, routing rules and calendar
overrides; every refusal names its field and leaves the data as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm import organisation as org
from himcrm.errors import ValidationError
from himcrm.models import (
    BusinessCalendar,
    Department,
    HolidayOverride,
    RoutingRule,
    TopicCode,
)
from himcrm.sla.clock import calendar_for_department
from tests import factories as f
from tests.conftest import topic


def dept(session: Session, code: str) -> Department:
    found = session.scalar(sa.select(Department).where(Department.code == code))
    assert found is not None
    return found


def calendar(session: Session, code: str = "default") -> BusinessCalendar:
    found = session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.code == code))
    assert found is not None
    return found


def refused(field: str, call, *args, **kw) -> ValidationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as excinfo:
        call(*args, **kw)
    assert excinfo.value.field == field, excinfo.value.message
    return excinfo.value


# ------------------------------------------------------------------ departments


def dept_input(**kw: object) -> org.DepartmentInput:
    base: dict[str, object] = dict(code="FEN.KOPRU", name="Köprüler Şube Müdürlüğü", kind="branch")
    base.update(kw)
    return org.DepartmentInput(**base)  # type: ignore[arg-type]


def test_create_a_department_under_a_parent(session: Session) -> None:
    created = org.create_department(
        session, dept_input(code=" fen.kopru ", parent_code="FEN", calendar_code="24x7")
    )
    assert created.code == "FEN.KOPRU" and created.parent is dept(session, "FEN")
    assert created.calendar is calendar(session, "24x7")
    assert calendar_for_department(session, created.id).always_open


def test_a_department_cannot_move_under_itself_or_its_descendants(session: Session) -> None:
    fen = dept(session, "FEN")
    grandchild = org.create_department(
        session, dept_input(code="FEN.YOL.GECE", name="Gece ekibi", parent_code="FEN.YOL")
    )
    for parent in ("FEN", "FEN.YOL", grandchild.code):
        refused(
            "parent",
            org.update_department,
            session,
            fen,
            dept_input(code="FEN", name="Fen İşleri", kind="directorate", parent_code=parent),
        )
    assert fen.parent_id is None and fen.name == "Fen İşleri Dairesi Başkanlığı"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"code": "FEN"}, "code"),
        ({"code": "fen köprü"}, "code"),
        ({"name": "  "}, "name"),
        ({"kind": "bakanlik"}, "kind"),
        ({"parent_code": "YOK"}, "parent"),
        ({"calendar_code": "gece"}, "calendar"),
        ({"kind": "district_municipality"}, "district"),
        ({"district_code": "KONAK"}, "district"),
        ({"kind": "district_municipality", "district_code": "KONAK"}, "district"),
        ({"email": "yok@"}, "email"),
    ],
)
def test_department_input_is_checked(session: Session, kw: dict, field: str) -> None:
    count = session.scalar(sa.select(sa.func.count()).select_from(Department))
    refused(field, org.create_department, session, dept_input(**kw))
    assert session.scalar(sa.select(sa.func.count()).select_from(Department)) == count


def test_a_department_still_routed_to_cannot_be_deactivated(session: Session) -> None:
    yol = dept(session, "FEN.YOL")
    data = dept_input(
        code="FEN.YOL", name=yol.name, kind="branch", parent_code="FEN", is_active=False
    )
    refused("is_active", org.update_department, session, yol, data)
    assert yol.is_active
    spare = org.create_department(session, dept_input())
    org.update_department(session, spare, dept_input(is_active=False))
    assert not spare.is_active


def test_department_tree_lists_parents_before_children(session: Session) -> None:
    rows = org.department_tree(session)
    order = [d.code for d, _ in rows]
    assert order.index("FEN") < order.index("FEN.YOL")
    depth = dict((d.code, level) for d, level in rows)
    assert depth["FEN"] == 0 and depth["SAGLIK.VETERINER.ACIL"] == 2
    assert len(order) == session.scalar(sa.select(sa.func.count()).select_from(Department))
    # directorates come before district municipalities, in Turkish alphabetical order
    assert order.index("ZABITA") < order.index("ILCE.ALIAGA")
    assert order.index("ILCE.CESME") < order.index("ILCE.CIGLI") < order.index("ILCE.DIKILI")


# ------------------------------------------------------------------ topics


def topic_input(**kw: object) -> org.TopicInput:
    base: dict[str, object] = dict(
        code="FEN.YOL.77",
        name_tr="Kaldırım taşı eksik",
        parent_code="FEN.YOL",
        department_code="FEN.YOL",
        first_response_hours="9",
        resolution_hours="45",
    )
    base.update(kw)
    return org.TopicInput(**base)  # type: ignore[arg-type]


def test_create_a_leaf_with_its_sla(session: Session) -> None:
    leaf = org.create_topic(
        session, topic_input(first_response_hours="1,5", resolution_hours=198, keywords="KIRIK Taş")
    )
    assert leaf.parent is topic(session, "FEN.YOL") and leaf.is_leaf
    assert (leaf.first_response_minutes, leaf.resolution_minutes) == (90, 198 * 60)
    assert leaf.keywords == "kırık taş"


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"resolution_hours": "198,5"}, "resolution_hours", "198"),
        ({"sla_unit": "calendar", "resolution_hours": "721"}, "resolution_hours", "720"),
        ({"first_response_hours": "50"}, "first_response_hours", "uzun"),
        ({"first_response_hours": "0"}, "first_response_hours", "sıfır"),
        ({"first_response_hours": ""}, "first_response_hours", "gerekli"),
        ({"resolution_hours": None}, "resolution_hours", "gerekli"),
        ({"is_group": True}, "first_response_hours", "Grup"),
        ({"department_code": ""}, "department", "birim"),
        ({"code": "PARK.BAKIM.77"}, "code", "FEN.YOL"),
        ({"code": "FEN.YOL.01"}, "code", "zaten"),
        ({"parent_code": ""}, "parent", "üst konu"),
        ({"parent_code": "FEN.YOL.01", "code": "FEN.YOL.01.01"}, "parent", "yaprak"),
        ({"priority": "acil"}, "priority", "Öncelik"),
        ({"name_tr": ""}, "name_tr", "Türkçe"),
    ],
)
def test_topic_input_is_checked(session: Session, kw: dict, field: str, words: str) -> None:
    error = refused(field, org.create_topic, session, topic_input(**kw))
    assert words in str(error.message)
    assert session.scalar(sa.select(TopicCode).where(TopicCode.code == "FEN.YOL.77")) is None


def test_a_calendar_hour_sla_may_go_up_to_720_hours(session: Session) -> None:
    leaf = org.create_topic(session, topic_input(sla_unit="calendar", resolution_hours="720"))
    assert leaf.resolution_minutes == 720 * 60


def test_groups_carry_no_sla_and_take_children(session: Session) -> None:
    group = org.create_topic(
        session,
        topic_input(
            code="FEN.YENI",
            parent_code="FEN",
            is_group=True,
            department_code="",
            first_response_hours=None,
            resolution_hours=None,
        ),
    )
    assert org.is_group(group)
    child = org.create_topic(session, topic_input(code="FEN.YENI.01", parent_code="FEN.YENI"))
    assert child.parent is group and not group.is_leaf


def test_a_leaf_with_tickets_can_be_deactivated_but_not_regrouped_or_deleted(
    session: Session, now: datetime
) -> None:
    leaf = topic(session, "SU.ABONE.01")
    f.ticket(session, topic_code="SU.ABONE.01", now=now)
    as_group = topic_input(
        code="SU.ABONE.01",
        parent_code="SU.ABONE",
        department_code="IZSU.ABONE",
        name_tr=leaf.name_tr,
        is_group=True,
        first_response_hours=None,
        resolution_hours=None,
    )
    refused("is_group", org.update_topic, session, leaf, as_group)
    refused("delete", org.delete_topic, session, leaf)
    assert leaf.resolution_minutes is not None

    org.update_topic(
        session,
        leaf,
        topic_input(
            code="SU.ABONE.01",
            parent_code="SU.ABONE",
            department_code="IZSU.ABONE",
            name_tr=leaf.name_tr,
            first_response_hours="18",
            resolution_hours="135",
            is_active=False,
        ),
    )
    assert leaf.is_active is False and leaf.resolution_minutes == 135 * 60


def test_a_leaf_without_tickets_becomes_a_group_or_is_deleted_with_its_rules(
    session: Session,
) -> None:
    leaf = org.create_topic(session, topic_input())
    org.create_rule(session, org.RuleInput("FEN.YOL.77", "ILCE.KONAK", "KONAK"))
    org.update_topic(
        session,
        leaf,
        topic_input(is_group=True, first_response_hours="", resolution_hours=""),
    )
    assert leaf.resolution_minutes is None and org.is_group(leaf)
    leaf_id = leaf.id
    org.delete_topic(session, leaf)
    assert session.scalar(sa.select(TopicCode).where(TopicCode.code == "FEN.YOL.77")) is None
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(RoutingRule)
            .where(RoutingRule.topic_code_id == leaf_id)
        )
        == 0
    )


def test_a_group_with_children_keeps_its_code_and_is_not_deleted(session: Session) -> None:
    group = topic(session, "FEN.YOL")
    refused(
        "code",
        org.update_topic,
        session,
        group,
        topic_input(
            code="FEN.ASFALT",
            parent_code="FEN",
            is_group=True,
            first_response_hours=None,
            resolution_hours=None,
            name_tr=group.name_tr,
        ),
    )
    refused("delete", org.delete_topic, session, group)


def test_topic_tree_filter_keeps_ancestors_and_folds_turkish_letters(session: Session) -> None:
    codes = [row.topic.code for row in org.topic_tree(session, "atik.cop.01")]
    assert codes == ["ATIK", "ATIK.COP", "ATIK.COP.01"]
    by_name = {row.topic.code for row in org.topic_tree(session, "ÇÖP")}
    assert "ATIK.COP.01" in by_name
    rows = org.topic_tree(session)
    assert len(rows) == session.scalar(sa.select(sa.func.count()).select_from(TopicCode))
    assert next(r for r in rows if r.topic.code == "ATIK").is_group


# ------------------------------------------------------------------ routing rules


def test_a_new_rule_wins_in_the_trial_and_duplicates_are_refused(session: Session) -> None:
    before = org.try_route(session, "PARK.BAKIM.01", "KARSIYAKA")
    assert before.department.code == "PARK.BAKIM" and before.rules == []

    rule = org.create_rule(
        session, org.RuleInput("park.bakim", "ILCE.KARSIYAKA", "KARSIYAKA", note="Protokol")
    )
    after = org.try_route(session, "PARK.BAKIM.01", "KARSIYAKA")
    assert after.department.code == "ILCE.KARSIYAKA" and after.rules == [rule]
    assert org.try_route(session, "PARK.BAKIM.01", "BUCA").department.code == "PARK.BAKIM"

    refused("district", org.create_rule, session, org.RuleInput("PARK.BAKIM", "PARK", "KARSIYAKA"))
    org.set_rule_active(session, rule, False)
    assert org.try_route(session, "PARK.BAKIM.01", "KARSIYAKA").department.code == "PARK.BAKIM"
    org.delete_rule(session, rule)
    assert session.get(RoutingRule, rule.id) is None


def test_any_district_rules_are_unique_too(session: Session) -> None:
    org.create_rule(session, org.RuleInput("PARK.BAKIM.01", "PARK"))
    refused("district", org.create_rule, session, org.RuleInput("PARK.BAKIM.01", "FEN"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (org.RuleInput("", "PARK"), "topic_code"),
        (org.RuleInput("YOK", "PARK"), "topic_code"),
        (org.RuleInput("PARK.BAKIM", ""), "department"),
        (org.RuleInput("PARK.BAKIM", "YOK"), "department"),
        (org.RuleInput("PARK.BAKIM", "PARK", "MARS"), "district"),
    ],
)
def test_rule_input_is_checked(session: Session, data: org.RuleInput, field: str) -> None:
    count = session.scalar(sa.select(sa.func.count()).select_from(RoutingRule))
    refused(field, org.create_rule, session, data)
    assert session.scalar(sa.select(sa.func.count()).select_from(RoutingRule)) == count


def test_the_trial_uses_the_seed_rules(session: Session) -> None:
    trial = org.try_route(session, "ATIK.COP.01", "KONAK")
    assert trial.department.code == "ILCE.KONAK"
    assert [r.topic_code.code for r in trial.rules] == ["ATIK.COP"]


# ------------------------------------------------------------------ calendars


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30-12:00", [["08:30", "12:00"]]),
        ("13:00-17:30, 8:30 - 12:00", [["08:30", "12:00"], ["13:00", "17:30"]]),
        ("20:00-24:00", [["20:00", "24:00"]]),
        ("08.30–12.00", [["08:30", "12:00"]]),
    ],
)
def test_parse_hours(text: str, expected: list) -> None:
    assert org.parse_hours(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sabah",
        "08:30",
        "12:00-08:30",
        "08:00-08:00",
        "24:30-25:00",
        "08:60-09:00",
        "08:00-12:00, 11:00-13:00",
        "24:00-24:00",
    ],
)
def test_bad_hours_are_refused(text: str) -> None:
    refused("hours", org.parse_hours, text)


def test_an_override_changes_the_working_time_of_that_day(session: Session) -> None:
    default = calendar(session)
    day = date(2026, 12, 31)  # a Thursday
    org.add_override(
        session,
        default,
        day="2026-12-31",
        name="Yılbaşı arifesi",
        closed=False,
        hours="08:30-12:00",
    )
    session.expire_all()
    work = calendar_for_department(session, dept(session, "FEN.YOL").id)
    assert work.is_working(datetime(2026, 12, 31, 8, 0, tzinfo=UTC))  # 11:00 in İzmir
    assert not work.is_working(datetime(2026, 12, 31, 11, 0, tzinfo=UTC))  # 14:00

    refused("day", org.add_override, session, calendar(session), day=day, closed=True)
    closed = org.add_override(session, calendar(session), day="30.12.2026", closed=True)
    session.expire_all()
    work = calendar_for_department(session, dept(session, "FEN.YOL").id)
    assert not work.is_working(datetime(2026, 12, 30, 8, 0, tzinfo=UTC))
    org.remove_override(session, closed)
    assert session.get(HolidayOverride, closed.id) is None


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"day": "", "closed": True}, "day"),
        ({"day": "2026-02-30", "closed": True}, "day"),
        ({"day": "2026-12-31", "closed": True, "hours": "08:30-12:00"}, "hours"),
        ({"day": "2026-12-31", "closed": False, "hours": "12:00-08:30"}, "hours"),
        ({"day": "2026-12-31", "closed": False, "hours": ""}, "hours"),
        ({"day": "2026-12-31", "closed": True, "name": "x" * 129}, "name"),
    ],
)
def test_override_input_is_checked(session: Session, kw: dict, field: str) -> None:
    refused(field, org.add_override, session, calendar(session), **kw)
    assert session.scalar(sa.select(sa.func.count()).select_from(HolidayOverride)) == 0


def test_coming_holidays_cover_this_and_next_year_with_eves() -> None:
    found = org.coming_holidays(date(2026, 10, 1))
    days = {h.day: h for h in found}
    assert date(2026, 10, 29) in days and not days[date(2026, 10, 29)].half_day
    assert days[date(2026, 10, 28)].half_day
    assert "Cumhuriyet" in days[date(2026, 10, 29)].name
    assert date(2027, 1, 1) in days and date(2026, 5, 1) not in days
    assert (
        "Republic"
        in {h.day: h for h in org.coming_holidays(date(2026, 10, 1), language="en")}[
            date(2026, 10, 29)
        ].name
    )
