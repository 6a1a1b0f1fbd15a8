"""The anonymised open-data export: no personal data, no free text, small cells hidden."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.privacy.open_data import FIELDS, neighbourhood_key, write_csv, write_json
from himcrm.reports.period import Period
from himcrm.tickets.intake import TicketInput, create_ticket

SECRET_TEXT = "Kapı numarası 17, komşum Hüseyin Bey her gece"
NAME, PHONE, EMAIL, KIMLIK = (
    "Gülizar Ünlütürk",
    "+905359876543",
    "gulizar@example.org",
    "10000000146",
)
ADDRESS = "Kıbrıs Şehitleri Caddesi No: 141 Daire 7"


def make(session: Session, now: datetime, district: str, neighbourhood: str, **kw: object) -> None:
    create_ticket(
        session,
        TicketInput(
            channel=str(kw.get("channel", "phone")),
            description=SECRET_TEXT,
            topic_code=str(kw.get("topic", "FEN.YOL.01")),
            district_code=district,
            neighbourhood=neighbourhood,
            address=ADDRESS,
            latitude=38.43712,
            longitude=27.14321,
            citizen=CitizenInput(
                full_name=NAME, phone=PHONE, email=EMAIL, kimlik_no=KIMLIK, kvkk_consent=True
            ),
        ),
        now=now,
    )


@pytest.fixture
def month(session: Session, now: datetime) -> Period:
    # One ISO week (2026-W47), FEN.YOL.01:
    for spelling in ("Alsancak Mah.", "alsancak", "ALSANCAK MAHALLESİ", "Alsancak", "alsancak mh"):
        make(session, now, "KONAK", spelling)  # a cell of 5: published as it is
    for _ in range(2):
        make(session, now, "KONAK", "Kemeraltı")  # small cells, together 5 in KONAK: coarsened
    for _ in range(3):
        make(session, now, "KONAK", "Basmane")
    make(session, now, "BUCA", "Tınaztepe")  # alone in BUCA that week: suppressed
    # 00:30 on 1 November in Istanbul is still 31 October in UTC: a November ticket.
    make(session, datetime(2026, 10, 31, 21, 30, tzinfo=now.tzinfo), "KONAK", "Alsancak")
    session.flush()
    return Period.month(2026, 11)


def test_neighbourhoods_are_folded_before_counting() -> None:
    assert (
        neighbourhood_key("ALSANCAK MAHALLESİ") == neighbourhood_key("Alsancak Mah.") == "alsancak"
    )
    assert neighbourhood_key("  Tınaztepe   mh ") == "tinaztepe"


def test_small_cells_are_coarsened_or_suppressed(session: Session, month: Period) -> None:
    out = io.StringIO()
    stats = write_csv(session, month, out, k=5)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0].keys()) == FIELDS
    by_place: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["district"], row["neighbourhood"])
        by_place[key] = by_place.get(key, 0) + 1
    # The 1 November ticket is alone in week 44: small, but with the 5 KONAK coarsened
    # rows of week 47 it does not group (other week), so it is suppressed too.
    assert by_place == {("KONAK", "alsancak"): 5, ("KONAK", ""): 5}
    assert (stats.rows, stats.coarsened, stats.suppressed) == (10, 5, 2)
    assert {r["created_date"] for r in rows} == {"2026-11-17"}
    assert rows[0]["iso_week"] == "2026-W47" and rows[0]["channel"] == "phone"


def test_no_personal_data_or_free_text_in_either_format(session: Session, month: Period) -> None:
    for writer in (write_csv, write_json):
        out = io.StringIO()
        writer(session, month, out, k=1)
        text = out.getvalue()
        for secret in (
            NAME,
            PHONE,
            "5359876543",
            EMAIL,
            KIMLIK,
            SECRET_TEXT,
            "Kıbrıs",
            "38.43",
            "27.14",
        ):
            assert secret not in text, (writer.__name__, secret)


def test_json_carries_the_data_dictionary(session: Session, month: Period) -> None:
    out = io.StringIO()
    stats = write_json(session, month, out, k=5)
    document = json.loads(out.getvalue())
    assert len(document["rows"]) == stats.rows == 10
    meta = document["metadata"]
    assert meta["k_anonymity"]["suppressed"] == 2
    assert [c["name"] for c in meta["columns"]] == list(FIELDS)
    assert all(c["tr"] and c["en"] for c in meta["columns"])
