"""Consistency checks for the reference seed data (pure Python, no database)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from himcrm.seed import data
from himcrm.seed.data import (
    DEFAULT_RESOLUTION_HOURS,
    DEMO_USERS,
    DEPARTMENTS,
    DISTRICTS,
    LEGAL_CEILING_BUSINESS_HOURS,
    LEGAL_CEILING_CALENDAR_HOURS,
    ROUTING_RULES,
    TOPICS,
    TopicSeed,
)

CODE_RE = re.compile(r"^[A-Z0-9]+(\.[A-Z0-9]+)*$")
PHONE_RE = re.compile(r"^\+905\d{9}$")
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._]*$")

ROLES = {
    "operator",
    "back_office",
    "dept_staff",
    "dept_manager",
    "field_team",
    "supervisor",
    "admin",
}
KINDS = {"directorate", "branch", "affiliate", "district_municipality", "external"}
CALENDARS = {"default", "24x7"}
UNITS = {"business", "calendar"}
PRIORITIES = {"low", "normal", "high", "urgent"}

EXPECTED_DISTRICT_NAMES = {
    "Aliağa",
    "Balçova",
    "Bayındır",
    "Bayraklı",
    "Bergama",
    "Beydağ",
    "Bornova",
    "Buca",
    "Çeşme",
    "Çiğli",
    "Dikili",
    "Foça",
    "Gaziemir",
    "Güzelbahçe",
    "Karabağlar",
    "Karaburun",
    "Karşıyaka",
    "Kemalpaşa",
    "Kınık",
    "Kiraz",
    "Konak",
    "Menderes",
    "Menemen",
    "Narlıdere",
    "Ödemiş",
    "Seferihisar",
    "Selçuk",
    "Tire",
    "Torbalı",
    "Urla",
}

# Turkish letters → ASCII, as used for codes.
_ASCII = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")

# Fragments that only appear when Turkish text was typed without Turkish letters.
ASCIIFIED_FRAGMENTS = (
    "Baskan",
    "Mudur",
    "Sube ",
    "Isleri",
    "Cigli",
    "Cesme",
    "Odemis",
    "Karsiyaka",
    "Kemalpasa",
    "Guzelbahce",
    "Torbali",
    "Bayindir",
    "Narlidere",
    "Ulasim",
    "Cevre",
    "Agac",
    "Sikayet",
    "sikayet",
    "Cop ",
    "Yardim",
    "Kultur",
    "Saglik",
    "Zabita",
    "Itfaiye",
)

DEPT = {d.code: d for d in DEPARTMENTS}
DIST = {d.code: d for d in DISTRICTS}
TOPIC = {t.code: t for t in TOPICS}
PARENT_CODES = {t.code.rsplit(".", 1)[0] for t in TOPICS if "." in t.code}
LEAVES = [t for t in TOPICS if t.code not in PARENT_CODES]
GROUPS = [t for t in TOPICS if t.code in PARENT_CODES]


def _ascii_upper(name: str) -> str:
    return name.translate(_ASCII).upper()


def _is_ascii(s: str) -> bool:
    return s.isascii()


def _ancestors(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


# --------------------------------------------------------------------------- uniqueness


@pytest.mark.parametrize(
    ("label", "codes"),
    [
        ("departments", [d.code for d in DEPARTMENTS]),
        ("districts", [d.code for d in DISTRICTS]),
        ("topics", [t.code for t in TOPICS]),
        ("usernames", [u.username for u in DEMO_USERS]),
        ("user e-mails", [u.email for u in DEMO_USERS]),
        ("routing rules", [(r.topic, r.district) for r in ROUTING_RULES]),
        ("district names", [d.name for d in DISTRICTS]),
        ("department names", [d.name for d in DEPARTMENTS]),
    ],
)
def test_unique(label: str, codes: list[object]) -> None:
    dupes = [c for c, n in Counter(codes).items() if n > 1]
    assert not dupes, f"duplicate {label}: {dupes}"


def test_codes_are_ascii_upper_dotted() -> None:
    codes = [d.code for d in DEPARTMENTS] + [d.code for d in DISTRICTS] + [t.code for t in TOPICS]
    bad = [c for c in codes if not CODE_RE.match(c)]
    assert not bad
    assert all("." not in d.code for d in DISTRICTS)


def test_exported_tuples_are_tuples_of_frozen_records() -> None:
    for seq in (DEPARTMENTS, DISTRICTS, TOPICS, ROUTING_RULES, DEMO_USERS):
        assert isinstance(seq, tuple)
        with pytest.raises((AttributeError, TypeError)):
            seq[0].code = "X"  # type: ignore[misc, union-attr]
    assert DEFAULT_RESOLUTION_HOURS == 135.0


def test_no_flask_or_database_imports() -> None:
    source = Path(data.__file__).read_text(encoding="utf-8")
    for forbidden in ("flask", "sqlalchemy", "himcrm.models", "himcrm.extensions"):
        assert f"import {forbidden}" not in source
        assert f"from {forbidden}" not in source


# --------------------------------------------------------------------------- districts


def test_thirty_districts_with_turkish_names() -> None:
    assert len(DISTRICTS) == 30
    assert {d.name for d in DISTRICTS} == EXPECTED_DISTRICT_NAMES
    names = {d.code: d.name for d in DISTRICTS}
    assert names["CIGLI"] == "Çiğli"
    assert names["ODEMIS"] == "Ödemiş"
    assert names["KARSIYAKA"] == "Karşıyaka"
    assert names["KINIK"] == "Kınık"


def test_district_codes_are_transliterated_names() -> None:
    for d in DISTRICTS:
        assert d.code == _ascii_upper(d.name), d


# --------------------------------------------------------------------------- departments


def test_department_kinds_and_calendars_allowed() -> None:
    for d in DEPARTMENTS:
        assert d.kind in KINDS, d
        assert d.calendar in CALENDARS, d


def test_department_parents_resolve_and_match_kind() -> None:
    for d in DEPARTMENTS:
        if d.kind == "branch":
            assert d.parent in DEPT, d
            assert d.code.startswith(d.parent + "."), d
            assert DEPT[d.parent].kind in {"directorate", "branch", "affiliate"}, d
        else:
            assert d.parent is None, d


def test_department_tree_has_no_cycles() -> None:
    for d in DEPARTMENTS:
        seen = {d.code}
        node = d
        while node.parent is not None:
            assert node.parent not in seen, d
            seen.add(node.parent)
            node = DEPT[node.parent]


def test_district_municipalities_one_per_district() -> None:
    munis = [d for d in DEPARTMENTS if d.kind == "district_municipality"]
    assert len(munis) == 30
    assert sorted(m.district for m in munis) == sorted(DIST)  # type: ignore[type-var]
    for m in munis:
        assert m.district in DIST
        assert m.code == f"ILCE.{m.district}"
        assert m.name == f"{DIST[m.district].name} Belediyesi"
    for d in DEPARTMENTS:
        if d.kind != "district_municipality":
            assert d.district is None, d


def test_required_departments_present() -> None:
    for code in ("FEN", "FEN.YOL", "IZSU", "IZSU.ARIZA", "ESHOT", "METRO", "IZBETON", "IZDENIZ"):
        assert code in DEPT, code
    assert DEPT["BASIN.HIM"].name == "Hemşehri İletişim Merkezi Şube Müdürlüğü"
    assert DEPT["BASIN.HIM"].parent == "BASIN"
    assert len([d for d in DEPARTMENTS if d.kind == "directorate"]) >= 24
    for code in ("IZSU", "ESHOT", "METRO", "IZBETON", "IZDENIZ"):
        assert DEPT[code].kind == "affiliate"


def test_round_the_clock_units() -> None:
    for code in ("ITFAIYE", "IZSU.ARIZA", "ESHOT.KONTROL", "ZABITA.NOBET"):
        assert DEPT[code].calendar == "24x7", code
    assert DEPT["FEN"].calendar == "default"


def test_department_names_are_turkish() -> None:
    for d in DEPARTMENTS:
        if d.kind == "directorate":
            assert d.name.endswith("Dairesi Başkanlığı"), d.name
        if d.kind == "branch" and "Şube" in d.name:
            assert d.name.endswith("Şube Müdürlüğü") or "Şube Müdürlüğü (" in d.name, d.name
    assert DEPT["FEN"].name == "Fen İşleri Dairesi Başkanlığı"
    assert DEPT["ILCE.CIGLI"].name == "Çiğli Belediyesi"


def test_department_emails_are_placeholders() -> None:
    for d in DEPARTMENTS:
        if d.email is not None:
            assert _is_example_org(d.email), d


# --------------------------------------------------------------------------- topics


def test_topic_parents_exist() -> None:
    for t in TOPICS:
        for ancestor in _ancestors(t.code):
            assert ancestor in TOPIC, t.code


def test_top_level_groups() -> None:
    top = {t.code for t in TOPICS if "." not in t.code}
    expected = {"FEN", "SU", "ULS", "PARK", "ATIK", "CEVRE", "ZAB", "ITF", "SOS", "MEZ"}
    expected |= {"HAYVAN", "IMAR", "KULTUR", "BILGI", "TESEKKUR"}
    assert expected <= top
    assert all(code in PARENT_CODES for code in top), "top-level codes must be groups"


def test_at_least_seventy_leaves() -> None:
    assert len(LEAVES) >= 70


def test_groups_have_no_sla() -> None:
    for g in GROUPS:
        assert g.first_response_hours is None, g.code
        assert g.resolution_hours is None, g.code


@pytest.mark.parametrize("leaf", LEAVES, ids=lambda t: t.code)
def test_leaf_is_complete(leaf: TopicSeed) -> None:
    assert leaf.department in DEPT
    assert leaf.unit in UNITS
    assert leaf.priority in PRIORITIES
    assert leaf.name_tr.strip()
    assert leaf.name_en.strip()
    fr, res = leaf.first_response_hours, leaf.resolution_hours
    assert fr is not None
    assert res is not None
    assert 0 < fr <= res
    if leaf.unit == "business":
        assert res <= LEGAL_CEILING_BUSINESS_HOURS
        assert fr <= 18
    else:
        assert res <= LEGAL_CEILING_CALENDAR_HOURS
        assert 1 <= fr <= 2
        assert 4 <= res <= 24


@pytest.mark.parametrize("leaf", LEAVES, ids=lambda t: t.code)
def test_leaf_keywords(leaf: TopicSeed) -> None:
    words = leaf.keywords.split()
    assert len(words) >= 3
    assert leaf.keywords == " ".join(words), "single spaces only"
    assert leaf.keywords == leaf.keywords.lower()
    assert not re.search(r"[,;]", leaf.keywords)
    dupes = [w for w, n in Counter(words).items() if n > 1]
    assert not dupes


def test_keywords_use_turkish_letters() -> None:
    with_turkish = [t for t in LEAVES if re.search("[çğıöşü]", t.keywords)]
    assert len(with_turkish) >= 0.8 * len(LEAVES)


def test_calendar_hours_only_for_urgent_work_of_round_the_clock_units() -> None:
    for leaf in LEAVES:
        dept = DEPT[leaf.department]  # type: ignore[index]
        if leaf.unit == "calendar":
            assert leaf.priority in {"urgent", "high"}, leaf.code
        # Business hours of a 24/7 unit would silently be wall-clock hours; keep them apart.
        assert (leaf.unit == "calendar") == (dept.calendar == "24x7"), leaf.code
        if leaf.priority == "urgent":
            assert leaf.unit == "calendar", leaf.code


def test_default_resolution_is_used() -> None:
    business = [t for t in LEAVES if t.unit == "business"]
    assert any(t.resolution_hours == DEFAULT_RESOLUTION_HOURS for t in business)


def test_information_requests_are_light() -> None:
    info = [t for t in LEAVES if t.code.startswith("BILGI.")]
    assert info
    for t in info:
        assert t.priority == "low"
        assert not t.needs_approval
        assert t.resolution_hours is not None
        assert t.resolution_hours <= 18


def test_representative_topics() -> None:
    fallen_tree = TOPIC["PARK.AGAC.01"]
    assert fallen_tree.unit == "calendar"
    assert fallen_tree.priority == "urgent"
    assert DEPT[fallen_tree.department].calendar == "24x7"  # type: ignore[index]
    assert TOPIC["SU.ARIZA.02"].department == "IZSU.ARIZA"
    assert TOPIC["FEN.YOL.01"].requires_location
    assert not TOPIC["SOS.YARDIM.01"].requires_location
    assert any(not t.is_public for t in LEAVES)
    assert any(not t.needs_approval for t in LEAVES)


def test_topic_names_are_turkish() -> None:
    for t in TOPICS:
        for fragment in ASCIIFIED_FRAGMENTS:
            assert fragment not in t.name_tr, (t.code, fragment)


# --------------------------------------------------------------------------- routing


def test_routing_rules_resolve() -> None:
    assert len(ROUTING_RULES) >= 8
    for r in ROUTING_RULES:
        assert r.topic in TOPIC, r
        assert r.district in DIST, r
        assert r.department in DEPT, r
        dept = DEPT[r.department]
        if dept.kind == "district_municipality":
            assert dept.district == r.district, r


def test_routing_rules_do_not_overlap_along_a_branch() -> None:
    by_district: dict[str, set[str]] = {}
    for r in ROUTING_RULES:
        by_district.setdefault(r.district, set()).add(r.topic)
    for district, topics in by_district.items():
        for topic in topics:
            overlap = set(_ancestors(topic)) & topics
            assert not overlap, (district, topic, overlap)


def test_routing_rules_change_something() -> None:
    for r in ROUTING_RULES:
        leaves = [t for t in LEAVES if t.code == r.topic or t.code.startswith(r.topic + ".")]
        assert leaves, r
        assert any(t.department != r.department for t in leaves), r


# --------------------------------------------------------------------------- users


def _is_example_org(email: str) -> bool:
    local, _, domain = email.partition("@")
    return bool(local) and (domain == "example.org" or domain.endswith(".example.org"))


def test_every_role_has_a_demo_user() -> None:
    roles = {u.role for u in DEMO_USERS}
    assert roles == ROLES


def test_demo_users_are_consistent() -> None:
    for u in DEMO_USERS:
        assert u.role in ROLES, u
        assert USERNAME_RE.match(u.username), u
        assert _is_example_org(u.email), u
        assert u.phone is None or PHONE_RE.match(u.phone), u
        assert u.department is None or u.department in DEPT, u
        if u.role in {"dept_staff", "dept_manager", "field_team"}:
            assert u.department is not None, u
        if u.is_department_head:
            assert u.role == "dept_manager", u


def test_demo_users_cover_the_brief() -> None:
    staff_departments = {u.department for u in DEMO_USERS if u.role == "dept_staff"}
    assert len(staff_departments) >= 2
    heads = [u for u in DEMO_USERS if u.is_department_head]
    assert [h.department for h in heads] == ["FEN"]
    usernames = {u.username for u in DEMO_USERS}
    expected = {"operator", "backoffice", "fen.personel", "fen.mudur", "park.personel"}
    assert expected | {"saha", "yonetici", "admin"} <= usernames


def test_demo_user_names_are_turkish() -> None:
    names = " ".join(u.full_name for u in DEMO_USERS)
    assert re.search("[çğıöşüÇĞİÖŞÜ]", names)


# --------------------------------------------------------------------------- Turkish text


def test_names_have_no_asciified_turkish() -> None:
    texts = [d.name for d in DEPARTMENTS] + [d.name for d in DISTRICTS]
    for text in texts:
        for fragment in ASCIIFIED_FRAGMENTS:
            assert fragment not in text, (text, fragment)


def test_codes_are_ascii_but_names_are_not() -> None:
    assert all(_is_ascii(d.code) for d in DEPARTMENTS)
    assert all(_is_ascii(t.code) for t in TOPICS)
    assert not all(_is_ascii(d.name) for d in DISTRICTS)
    assert DEPT["IZSU"].name.endswith("(İZSU)")
