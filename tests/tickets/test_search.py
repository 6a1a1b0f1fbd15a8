"""Staff search on both backends: numbers, phones, names, words, scoping, pages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.errors import ValidationError
from himcrm.models import Role, Ticket, User
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.search import PER_PAGE, SearchResult, search_tickets
from tests.conftest import user


def make(
    session: Session,
    now: datetime,
    description: str,
    *,
    name: str = "Ayşe Yılmaz",
    phone: str = "+905321112233",
    topic: str | None = "FEN.YOL.01",
    minutes: int = 0,
) -> Ticket:
    return create_ticket(
        session,
        TicketInput(
            channel="phone",
            description=description,
            topic_code=topic,
            district_code="KONAK",
            address="1203/4 Sokak",
            citizen=CitizenInput(full_name=name, phone=phone),
        ),
        now=now + timedelta(minutes=minutes),
    ).ticket


def find(session: Session, who: User, query: str, page: int = 1) -> SearchResult:
    return search_tickets(session, who, query, dialect=session.get_bind().dialect.name, page=page)


def numbers(result: SearchResult) -> list[str]:
    return [hit.number for hit in result.hits]


@pytest.fixture
def admin(session: Session) -> User:
    return user(session, Role.ADMIN)


def test_by_ticket_number_exact_padded_and_short(
    session: Session, now: datetime, admin: User
) -> None:
    ticket = make(session, now, "Yolda çukur var.")
    year, serial = ticket.number.split("-")
    for query in (
        ticket.number,
        f"{year}-{int(serial)}",
        f" {year} - {int(serial)} ",
        str(int(serial)),
    ):
        result = find(session, admin, query)
        assert result.kind == "number" and numbers(result) == [ticket.number], query
    assert numbers(find(session, admin, f"{year}-999999")) == []


def test_by_phone_in_any_spelling(session: Session, now: datetime, admin: User) -> None:
    mine = make(session, now, "Su kesildi.", phone="+905327770011", name="Kemal Öz")
    make(session, now, "Su kesildi.", phone="+905327770022", name="Nur Öz")
    for query in ("0532 777 00 11", "+90 (532) 777-0011", "5327770011", "00905327770011"):
        result = find(session, admin, query)
        assert result.kind == "phone" and numbers(result) == [mine.number], query
    with pytest.raises(ValidationError) as error:
        find(session, admin, "0000 000 00 00")
    assert error.value.field == "q"


def test_by_citizen_name_with_turkish_case(session: Session, now: datetime, admin: User) -> None:
    ticket = make(session, now, "Parkta çim biçilmedi.", name="Işıl İnce", topic="PARK.BAKIM.01")
    make(session, now, "Parkta çim biçilmedi.", name="Ilgın Kara", topic="PARK.BAKIM.01")
    for query in ("Işıl İnce", "IŞIL İNCE", "ışıl ince", "Işıl", "İnce"):
        assert numbers(find(session, admin, query)) == [ticket.number], query


def test_free_text_over_the_description(session: Session, now: datetime, admin: User) -> None:
    pothole = make(session, now, "Sokağımızda derin bir çukur oluştu.", name="Ali Veli")
    light = make(
        session, now, "Sokak lambası ışık vermiyor, karanlık.", name="Can Tan", topic="FEN.AYD.01"
    )
    make(session, now, "Otobüs durağa uğramadı.", name="Ece Su", topic="ULS.OTOBUS.03")
    assert numbers(find(session, admin, "çukur")) == [pothole.number]
    assert numbers(find(session, admin, "ÇUKUR")) == [pothole.number]  # Turkish upper case
    assert numbers(find(session, admin, "IŞIK")) == [light.number]  # I is the capital of ı
    assert numbers(find(session, admin, "lambası karanlık")) == [light.number]
    assert numbers(find(session, admin, "asansör")) == []


def test_capitalised_and_upper_case_text_is_found(
    session: Session, now: datetime, admin: User
) -> None:
    """PostgreSQL lower-cases "Işık" to "işık" (not Turkish); the search still finds it."""
    capitalised = make(session, now, "Işıklar yanmıyor, Irmak sokağı karanlık.", name="Oya Er")
    shouting = make(session, now, "SOKAKTA IŞIK YOK", name="Ufuk Er", minutes=1)
    assert set(numbers(find(session, admin, "ışıklar"))) == {capitalised.number}
    assert numbers(find(session, admin, "Irmak")) == [capitalised.number]
    assert numbers(find(session, admin, "ırmak")) == [capitalised.number]
    assert shouting.number in numbers(find(session, admin, "ışık"))


def test_turkish_stemming_on_postgresql_only(session: Session, now: datetime, admin: User) -> None:
    """PostgreSQL's turkish configuration stems "çukurlar" to "çukur"; SQLite has no stemmer.

    Checked on this server (PostgreSQL 15, snowball turkish):
    ``to_tsvector('turkish', 'çukur') @@ plainto_tsquery('turkish', 'çukurlar')`` is true.
    """
    pothole = make(session, now, "Evin önünde bir çukur var.")
    holes = make(session, now, "Mahallede çukurlar her yerde.", minutes=1)
    result = find(session, admin, "çukurlar")
    if session.get_bind().dialect.name == "postgresql":
        assert set(numbers(result)) == {pothole.number, holes.number}
    else:
        assert numbers(result) == [holes.number]  # a substring match, no stemming


def test_name_matches_rank_first_then_newest(session: Session, now: datetime, admin: User) -> None:
    by_text_old = make(session, now, "Kaya düştü, yol kapandı.", name="Mert Su", minutes=0)
    by_text_new = make(session, now, "Kaya parçaları yolda.", name="Ece Ak", minutes=5)
    by_name = make(session, now, "Su kesildi.", name="Selin Kaya", topic="SU.ARIZA.01", minutes=1)
    result = find(session, admin, "kaya")
    assert numbers(result)[0] == by_name.number
    assert set(numbers(result)[1:]) == {by_text_old.number, by_text_new.number}
    if session.get_bind().dialect.name == "sqlite":
        assert numbers(result)[1:] == [by_text_new.number, by_text_old.number]


def test_results_are_scoped_to_the_department(session: Session, now: datetime) -> None:
    road = make(session, now, "Kavşakta çukur var.", phone="+905321110001")
    park = make(session, now, "Parkta çukur var.", phone="+905321110001", topic="PARK.BAKIM.01")
    fen = user(session, Role.DEPT_STAFF, "FEN.YOL")
    parks = user(session, Role.DEPT_STAFF, "PARK.BAKIM")
    field = user(session, Role.FIELD_TEAM, "FEN.YOL")
    for who, visible in ((fen, road), (field, road), (parks, park)):
        for query in ("çukur", "0532 111 00 01", road.number, park.number):
            result = find(session, who, query)
            assert set(numbers(result)) <= {visible.number}, (who.username, query)
        assert numbers(find(session, who, "çukur")) == [visible.number]
    operator = user(session, Role.OPERATOR)
    assert set(numbers(find(session, operator, "çukur"))) == {road.number, park.number}


def test_pages_of_fifty(session: Session, now: datetime, admin: User) -> None:
    created = [
        make(session, now, f"Kaldırımda kırık parke taşı #{n}.", minutes=n, topic=None)
        for n in range(PER_PAGE + 3)
    ]
    first = find(session, admin, "parke")
    assert len(first.hits) == PER_PAGE and first.has_next and not first.has_prev
    second = find(session, admin, "parke", page=2)
    assert len(second.hits) == 3 and not second.has_next and second.has_prev
    assert set(numbers(first)) | set(numbers(second)) == {t.number for t in created}
    assert not set(numbers(first)) & set(numbers(second))
    if session.get_bind().dialect.name == "sqlite":
        assert numbers(first)[0] == created[-1].number  # equal rank: newest first


def test_result_rows_carry_what_the_list_shows(
    session: Session, now: datetime, admin: User
) -> None:
    ticket = make(session, now, "Yolda büyük çukur.")
    (hit,) = find(session, admin, ticket.number).hits
    assert hit.topic_code == "FEN.YOL.01" and hit.topic_name
    assert hit.department == "Yol Bakım ve Onarım Şube Müdürlüğü"
    assert hit.district == "Konak" and hit.citizen_name == "Ayşe Yılmaz"
    assert hit.citizen_phone == "+905321112233" and hit.is_open
    assert hit.resolution_due_at == ticket.resolution_due_at and not hit.sla_paused


def test_bad_and_empty_queries(session: Session, now: datetime, admin: User) -> None:
    assert find(session, admin, "   ").kind == "empty"
    with pytest.raises(ValidationError) as error:
        find(session, admin, "çukur " * 50)
    assert error.value.field == "q"
    make(session, now, "100% yüzde_yüz çukur")
    # LIKE wildcards and tsquery operators are text, not syntax.
    for query in ("%", "_", "a & b | !c", "'; drop table tickets; --", "çukur:*"):
        find(session, admin, query)
    assert len(find(session, admin, "100%").hits) == 1
    assert find(session, admin, "x", page=10_000).page == 200
    assert session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_full_text_ranks_the_newest_matches_the_user_may_see(
    session: Session, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL ranks at most TEXT_CANDIDATES matches — the newest *visible* ones, so a
    department's own older tickets are not crowded out by other departments' newer ones."""
    from himcrm.tickets import search

    monkeypatch.setattr(search, "TEXT_CANDIDATES", 2)
    own = [make(session, now, f"Asfalt yaması #{n}", minutes=n) for n in range(3)]
    for n in range(3):  # newer, in another department
        make(session, now, f"Asfalt yaması park #{n}", minutes=10 + n, topic="PARK.BAKIM.01")
    fen = user(session, Role.DEPT_STAFF, "FEN.YOL")
    found = numbers(find(session, fen, "asfalt"))
    if session.get_bind().dialect.name == "postgresql":
        assert set(found) == {own[2].number, own[1].number}  # the two newest of its own
    else:
        assert set(found) == {t.number for t in own}  # SQLite (LIKE) has no bound


def test_a_common_name_shows_the_newest_people_of_that_name(
    session: Session, now: datetime, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a name matching more people than NAME_CANDIDATES shows the tickets of
    the most recently registered of them (a city of millions has thousands of Ayşe
    Yılmaz); a name nobody has costs an index probe, not a walk over every citizen."""
    from himcrm.tickets import search

    monkeypatch.setattr(search, "NAME_CANDIDATES", 2)
    tickets = [
        make(session, now, f"Kaldırım #{n}", name="Ayşe Yılmaz", phone=f"+9053211100{n:02d}")
        for n in range(4)
    ]
    found = numbers(find(session, admin, "Ayşe Yıl"))
    if session.get_bind().dialect.name == "postgresql":
        assert set(found) == {tickets[3].number, tickets[2].number}
    else:
        assert set(found) == {t.number for t in tickets}  # SQLite (LIKE) has no bound
    assert numbers(find(session, admin, "Zzyzx Qwerty")) == []
