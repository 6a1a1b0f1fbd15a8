"""Admin screens: admins only, CSRF, every refused form keeps its input, shows the
message next to the field and writes nothing; the happy paths write what they say."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import (
    BusinessCalendar,
    Department,
    HolidayOverride,
    RoutingRule,
    TopicCode,
    User,
    utcnow,
)
from tests import factories as f
from tests.web.conftest import login, post


def one(db: Session, model: type, **by: object) -> object:
    db.expire_all()
    return db.scalar(sa.select(model).filter_by(**by))


def admin_urls(app: Flask, db: Session) -> tuple[list[str], list[str]]:
    """Every admin GET page and POST action, with real ids filled in."""
    ids = {
        "department_id": one(db, Department, code="FEN").id,  # type: ignore[attr-defined]
        "topic_id": one(db, TopicCode, code="FEN.YOL.01").id,  # type: ignore[attr-defined]
        "user_id": one(db, User, username="operator").id,  # type: ignore[attr-defined]
        "rule_id": db.scalar(sa.select(RoutingRule.id).limit(1)),
        "calendar_id": one(db, BusinessCalendar, code="default").id,  # type: ignore[attr-defined]
        "override_id": 1,
    }
    gets, posts = [], []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(ids[name]))
        if "GET" in (rule.methods or ()):
            gets.append(path)
        if "POST" in (rule.methods or ()):
            posts.append(path)
    return gets, posts


@pytest.mark.parametrize(
    "username", ["operator", "backoffice", "fen.personel", "fen.mudur", "saha", "yonetici"]
)
def test_every_admin_page_is_forbidden_to_everyone_but_admins(
    app: Flask, client: FlaskClient, web_db: Session, username: str
) -> None:
    gets, posts = admin_urls(app, web_db)
    assert len(gets) >= 10 and len(posts) >= 10
    login(client, username)
    for path in gets:
        assert client.get(path).status_code == 403, path
    for path in posts:
        assert post(client, path, {"name": "x", "code": "X", "active": "0"}).status_code == 403, (
            path
        )
    assert one(web_db, RoutingRule, id=web_db.scalar(sa.select(RoutingRule.id).limit(1))).is_active  # type: ignore[attr-defined]


def test_every_admin_page_opens_for_an_admin(
    app: Flask, client: FlaskClient, web_db: Session
) -> None:
    gets, _ = admin_urls(app, web_db)
    login(client, "admin")
    for path in gets:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    assert "Yönetim" in client.get("/admin/").get_data(as_text=True)


def test_posts_without_a_csrf_token_are_refused(client: FlaskClient, web_db: Session) -> None:
    login(client, "admin")
    response = client.post(
        "/admin/departments/new", data={"code": "CSRF", "name": "Yok", "kind": "directorate"}
    )
    assert response.status_code == 400
    assert one(web_db, Department, code="CSRF") is None


def error_of(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


def test_department_parent_cycles_are_refused(client: FlaskClient, web_db: Session) -> None:
    fen = one(web_db, Department, code="FEN")
    login(client, "admin")
    response = post(
        client,
        f"/admin/departments/{fen.id}",  # type: ignore[attr-defined]
        {
            "code": "FEN",
            "name": "Fen İşleri (yeni ad)",
            "kind": "directorate",
            "parent": "FEN.YOL",
            "is_active": "on",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "alt biriminin" in error_of(html, "parent")
    assert 'value="Fen İşleri (yeni ad)"' in html
    fresh = one(web_db, Department, code="FEN")
    assert fresh.parent_id is None and fresh.name == "Fen İşleri Dairesi Başkanlığı"  # type: ignore[attr-defined]


def test_create_and_edit_a_department(client: FlaskClient, web_db: Session) -> None:
    login(client, "admin")
    response = post(
        client,
        "/admin/departments/new",
        {
            "code": "fen.aydinlatma",
            "name": "Aydınlatma Şube Müdürlüğü",
            "kind": "branch",
            "parent": "FEN",
            "calendar": "24x7",
            "email": "aydinlatma@izmir.example.org",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert "saved=admin-department-new" in response.headers["Location"]
    created = one(web_db, Department, code="FEN.AYDINLATMA")
    assert created is not None and created.parent.code == "FEN"  # type: ignore[attr-defined]
    assert created.calendar.code == "24x7"  # type: ignore[attr-defined]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-clear-drafts="admin-department-new"' in page and "Aydınlatma" in page


def topic_form(**overrides: str) -> dict[str, str]:
    form = {
        "parent": "FEN.YOL",
        "code": "FEN.YOL.77",
        "name_tr": "Kaldırım taşı eksik",
        "name_en": "Missing kerb stone",
        "node": "leaf",
        "department": "FEN.YOL",
        "first_response_hours": "9",
        "resolution_hours": "45",
        "sla_unit": "business",
        "priority": "normal",
        "needs_approval": "on",
        "is_active": "on",
        "keywords": "kaldırım bordür",
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"resolution_hours": "250"}, "resolution_hours", "198"),
        ({"sla_unit": "calendar", "resolution_hours": "721"}, "resolution_hours", "720"),
        ({"first_response_hours": "50", "resolution_hours": "45"}, "first_response_hours", "uzun"),
        ({"node": "group"}, "first_response_hours", "Grup"),
        ({"code": "PARK.BAKIM.77"}, "code", "FEN.YOL"),
        ({"parent": "FEN.YOL.01", "code": "FEN.YOL.01.01"}, "parent", "yaprak"),
        ({"first_response_hours": "dokuz"}, "first_response_hours", "Saat"),
        ({"department": ""}, "department", "birim"),
    ],
)
def test_topic_validation_errors_show_next_to_the_field(
    client: FlaskClient, web_db: Session, overrides: dict[str, str], field: str, words: str
) -> None:
    login(client, "admin")
    form = topic_form(**overrides)
    response = post(client, "/admin/topics/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in error_of(html, field)
    assert 'value="Kaldırım taşı eksik"' in html
    assert one(web_db, TopicCode, code=form["code"]) is None


def test_create_a_leaf_then_it_routes(client: FlaskClient, web_db: Session) -> None:
    login(client, "admin")
    response = post(
        client, "/admin/topics/new", topic_form(resolution_hours="4,5", first_response_hours="1")
    )
    assert response.status_code == 302
    created = one(web_db, TopicCode, code="FEN.YOL.77")
    assert created.resolution_minutes == 270 and created.department.code == "FEN.YOL"  # type: ignore[attr-defined]
    assert created.keywords == "kaldırım bordür"  # type: ignore[attr-defined]
    page = client.get("/admin/routing?test_topic=FEN.YOL.77&test_district=KONAK")
    assert "Yol Bakım ve Onarım Şube Müdürlüğü" in page.get_data(as_text=True)


def test_a_leaf_with_tickets_can_only_be_deactivated(client: FlaskClient, web_db: Session) -> None:
    f.ticket(web_db, topic_code="SU.ABONE.01", now=utcnow())
    web_db.commit()
    leaf = one(web_db, TopicCode, code="SU.ABONE.01")
    topic_id = leaf.id  # type: ignore[attr-defined]
    login(client, "admin")
    form = {
        "parent": "SU.ABONE",
        "code": "SU.ABONE.01",
        "name_tr": leaf.name_tr,  # type: ignore[attr-defined]
        "node": "group",
        "department": "IZSU.ABONE",
        "sla_unit": "business",
        "priority": "normal",
        "is_active": "on",
    }
    response = post(client, f"/admin/topics/{topic_id}", form)
    assert response.status_code == 422
    assert "Pasifleştirin" in error_of(response.get_data(as_text=True), "is_group")

    response = post(client, f"/admin/topics/{topic_id}/delete")
    assert response.status_code == 422
    assert "Pasifleştirin" in error_of(response.get_data(as_text=True), "delete")
    assert one(web_db, TopicCode, code="SU.ABONE.01") is not None

    page = client.get(f"/admin/topics/{topic_id}").get_data(as_text=True)
    assert "başvuru var" in page
    form.update(node="leaf", first_response_hours="18", resolution_hours="135", is_active="")
    del form["is_active"]
    assert post(client, f"/admin/topics/{topic_id}", form).status_code == 302
    assert one(web_db, TopicCode, code="SU.ABONE.01").is_active is False  # type: ignore[attr-defined]


def test_routing_rules_create_win_in_the_test_box_and_refuse_duplicates(
    client: FlaskClient, web_db: Session
) -> None:
    login(client, "admin")
    page = client.get("/admin/routing?test_topic=PARK.BAKIM.01&test_district=KARSIYAKA")
    assert "Park Bakım Şube Müdürlüğü" in page.get_data(as_text=True)

    form = {"topic_code": "park.bakim", "district": "KARSIYAKA", "department": "ILCE.KARSIYAKA"}
    response = post(client, "/admin/routing", {**form, "note": "Protokol 2026/4"})
    assert response.status_code == 302
    page = client.get("/admin/routing?test_topic=PARK.BAKIM.01&test_district=KARSIYAKA")
    winner = re.search(r'class="winner">([^<]*)<', page.get_data(as_text=True))
    assert winner and winner.group(1) == "Karşıyaka Belediyesi"

    response = post(client, "/admin/routing", {**form, "note": "ikinci kez"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "zaten" in error_of(html, "district")
    assert 'value="ikinci kez"' in html
    assert (
        web_db.scalar(
            sa.select(sa.func.count())
            .select_from(RoutingRule)
            .where(RoutingRule.note == "ikinci kez")
        )
        == 0
    )

    rule = one(web_db, RoutingRule, note="Protokol 2026/4")
    assert post(client, f"/admin/routing/{rule.id}/active", {"active": "0"}).status_code == 302  # type: ignore[attr-defined]
    assert one(web_db, RoutingRule, note="Protokol 2026/4").is_active is False  # type: ignore[attr-defined]
    assert post(client, f"/admin/routing/{rule.id}/delete").status_code == 302  # type: ignore[attr-defined]
    assert one(web_db, RoutingRule, note="Protokol 2026/4") is None


def test_the_test_box_explains_bad_input(client: FlaskClient) -> None:
    login(client, "admin")
    response = client.get("/admin/routing?test_topic=YOK.01")
    assert response.status_code == 422
    assert "Bilinmeyen" in error_of(response.get_data(as_text=True), "test_topic")


def test_users_create_edit_and_reset_password(
    app: Flask, client: FlaskClient, web_db: Session
) -> None:
    login(client, "admin")
    base = {"username": "yeni.personel", "full_name": "Yeni Personel", "role": "dept_staff"}
    response = post(client, "/admin/users/new", {**base, "password": "Uzun-Parola-2026"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "birim" in error_of(html, "department")
    assert 'value="yeni.personel"' in html and "Uzun-Parola" not in html
    assert one(web_db, User, username="yeni.personel") is None

    response = post(
        client,
        "/admin/users/new",
        {**base, "department": "PARK.BAKIM", "password": "Uzun-Parola-2026"},
    )
    assert response.status_code == 302
    created = one(web_db, User, username="yeni.personel")
    user_id = created.id  # type: ignore[attr-defined]

    edit = {
        "full_name": "Yeni Personel",
        "role": "dept_manager",
        "department": "PARK",
        "active": "on",
        "phone": "0532 111 22 33",
    }
    assert post(client, f"/admin/users/{user_id}", edit).status_code == 302
    fresh = one(web_db, User, id=user_id)
    assert fresh.role.value == "dept_manager" and fresh.phone == "+905321112233"  # type: ignore[attr-defined]

    response = post(
        client, f"/admin/users/{user_id}/password", {"password": "kısa", "password_again": "kısa"}
    )
    assert response.status_code == 422 and "12" in error_of(
        response.get_data(as_text=True), "password"
    )
    response = post(
        client,
        f"/admin/users/{user_id}/password",
        {"password": "Baska-Parola-2026", "password_again": "Baska-Parola-2027"},
    )
    assert response.status_code == 422
    assert (
        post(
            client,
            f"/admin/users/{user_id}/password",
            {"password": "Baska-Parola-2026", "password_again": "Baska-Parola-2026"},
        ).status_code
        == 302
    )
    post(client, "/logout")
    login(client, "yeni.personel", "Baska-Parola-2026")


def test_an_admin_cannot_lock_themselves_out(client: FlaskClient, web_db: Session) -> None:
    admin = one(web_db, User, username="admin")
    login(client, "admin")
    response = post(
        client,
        f"/admin/users/{admin.id}",  # type: ignore[attr-defined]
        {"full_name": "Admin", "role": "operator", "active": "on"},
    )
    assert response.status_code == 422
    assert "yönetici" in error_of(response.get_data(as_text=True), "role")
    assert one(web_db, User, username="admin").role.value == "admin"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"mode": "hours", "hours": "08:30-12:00, 11:00-13:00"}, "hours", "çakışıyor"),
        ({"mode": "hours", "hours": "12:00-08:30"}, "hours", "önce"),
        ({"mode": "hours", "hours": "25:00-26:00"}, "hours", "geçersiz"),
        ({"mode": "hours", "hours": "sabah"}, "hours", "okunamadı"),
        ({"mode": "hours", "hours": ""}, "hours", "saat"),
        ({"mode": "closed", "hours": "08:30-12:00"}, "hours", "saat girilmez"),
        ({"mode": "closed", "day": "31.13.2026"}, "day", "GG.AA.YYYY"),
        ({"mode": "closed", "calendar": "yok"}, "calendar", "Takvim"),
    ],
)
def test_bad_holiday_overrides_are_refused_next_to_the_field(
    client: FlaskClient, web_db: Session, form: dict[str, str], field: str, words: str
) -> None:
    login(client, "admin")
    data = {"calendar": "default", "day": "2026-12-31", "name": "Yılbaşı arifesi", **form}
    response = post(client, "/admin/calendars/overrides", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and words in error_of(html, field)
    assert 'value="Yılbaşı arifesi"' in html
    assert web_db.scalar(sa.select(sa.func.count()).select_from(HolidayOverride)) == 0


def test_add_and_remove_a_holiday_override(client: FlaskClient, web_db: Session) -> None:
    cal_id = one(web_db, BusinessCalendar, code="default").id  # type: ignore[attr-defined]
    login(client, "admin")
    page = client.get("/admin/calendars").get_data(as_text=True)
    assert "Cumhuriyet" in page or "Republic" in page  # the coming public holidays

    form = {"calendar": "default", "day": "2026-12-31", "name": "Yılbaşı arifesi"}
    response = post(
        client, "/admin/calendars/overrides", {**form, "mode": "hours", "hours": "8.30-12"}
    )
    assert response.status_code == 422  # "8.30-12" is not HH:MM-HH:MM
    response = post(
        client,
        "/admin/calendars/overrides",
        {**form, "mode": "hours", "hours": "13:00-17:30; 8:30-12:00"},
    )
    assert response.status_code == 302
    row = one(web_db, HolidayOverride, calendar_id=cal_id)
    assert row.hours == [["08:30", "12:00"], ["13:00", "17:30"]]  # type: ignore[attr-defined]
    assert "31.12.2026" in client.get("/admin/calendars").get_data(as_text=True)

    response = post(client, "/admin/calendars/overrides", {**form, "mode": "closed"})
    assert response.status_code == 422  # one override per date

    assert post(client, f"/admin/calendars/overrides/{row.id}/delete").status_code == 302  # type: ignore[attr-defined]
    assert one(web_db, HolidayOverride, calendar_id=cal_id) is None
