"""Topic-code search: code prefixes, Turkish words in any case, ASCII typing, ranking."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import TopicCode
from himcrm.text import search_key
from himcrm.tickets.topic_search import search_topics
from tests import factories as f


def codes(session: Session, query: str, **kw: object) -> list[str]:
    return [hit.code for hit in search_topics(session, query, **kw)]  # type: ignore[arg-type]


def test_search_key_follows_turkish_case_rules() -> None:
    assert search_key("IŞIK") == "isik"  # I → ı → i, not a naive "işik"
    assert search_key("İZSU") == "izsu" == search_key("izsu")
    assert search_key("AĞAÇ") == search_key("ağaç") == "agac"
    assert search_key("ÇÖP") == "cop"


def test_code_prefix_comes_first_in_code_order(session: Session) -> None:
    hits = search_topics(session, "fen.yol")
    assert [h.code for h in hits] == [f"FEN.YOL.0{n}" for n in range(1, 6)]
    assert {h.match for h in hits} == {"code"}
    assert codes(session, "FEN.YOL.03") == ["FEN.YOL.03"]
    # Groups are never offered: tickets are filed under leaves only.
    assert "FEN.YOL" not in codes(session, "FEN")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("İZİNSİZ AĞAÇ", "PARK.AGAC.04"),  # capital dotted İ and Ğ/Ç
        ("izinsiz ağaç", "PARK.AGAC.04"),
        ("TRAFİK IŞIĞI", "ULS.TRAFIK.01"),  # capital dotless I → ı
        ("trafik ışığı", "ULS.TRAFIK.01"),
        ("trafik isigi", "ULS.TRAFIK.01"),  # typed without Turkish letters
        ("SOKAK LAMBASI", "FEN.AYD.01"),
    ],
)
def test_turkish_words_in_any_case_find_the_topic(
    session: Session, query: str, expected: str
) -> None:
    hits = search_topics(session, query)
    assert hits and hits[0].code == expected, [h.code for h in hits]
    assert hits[0].match == "name"


def test_name_matches_rank_above_keyword_matches(session: Session) -> None:
    hits = search_topics(session, "çukur")
    assert hits[0].code == "FEN.YOL.01" and hits[0].match == "name"  # "Yolda çukur, ..."
    keyword_hits = [h.code for h in hits if h.match == "keyword"]
    assert "SU.ARIZA.06" in keyword_hits  # rögar kapağı: "çukur" only among its keywords
    tiers = [("code", "name", "keyword", "context").index(h.match) for h in hits]
    assert tiers == sorted(tiers)


def test_ascii_folded_typing_and_inflected_words(session: Session) -> None:
    assert codes(session, "cop alinmadi")[0] == "ATIK.COP.01"  # "çöp alınmadı"
    assert "FEN.YOL.01" in codes(session, "çukurlar")  # longer form of a keyword
    assert "FEN.AYD.01" in codes(session, "lambaları")


def test_department_names_are_searchable_last(session: Session) -> None:
    hits = search_topics(session, "İZSU")
    assert hits and all(h.code.startswith("SU.") for h in hits)
    assert {h.match for h in hits} <= {"name", "keyword", "context"}
    assert [h.code for h in search_topics(session, "izsu")] == [h.code for h in hits]


def test_only_active_leaves_public_filter_and_limit(session: Session) -> None:
    dept = f.department(session)
    f.topic(session, "ZZTEST", None)
    f.topic(session, "ZZTEST.01", dept)
    retired = f.topic(session, "ZZTEST.02", dept)
    retired.is_active = False
    hidden = f.topic(session, "ZZTEST.03", dept)
    hidden.is_public = False
    session.flush()
    assert codes(session, "zztest") == ["ZZTEST.01", "ZZTEST.03"]
    assert codes(session, "zztest", public_only=True) == ["ZZTEST.01"]
    assert len(search_topics(session, "a")) == 15
    assert len(search_topics(session, "a", limit=3)) == 3


def test_nonsense_and_empty_queries_find_nothing(session: Session) -> None:
    assert search_topics(session, "") == []
    assert search_topics(session, "   ") == []
    assert search_topics(session, "qxzqxz") == []
    assert search_topics(session, "%_'\"") == []


def test_every_seeded_leaf_is_found_by_its_own_code(session: Session) -> None:
    rows = session.execute(sa.select(TopicCode.id, TopicCode.parent_id, TopicCode.code)).all()
    parents = {parent_id for _, parent_id, _ in rows}
    leaves = sorted(code for topic_id, _, code in rows if topic_id not in parents)
    assert len(leaves) >= 100
    for code in leaves:
        assert codes(session, code)[0] == code
