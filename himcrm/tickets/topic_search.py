"""Find a topic code (konu kodu) by its code or by the words a caller uses.

The operator types while the citizen talks: "FEN.YOL", "çukur", "IŞIK YANMIYOR",
"cop alinmadi". There are only ~150 leaves, so each call loads the active leaves
with just the columns it needs and ranks them in Python, where Turkish case rules
(İ/i, I/ı) are easy to get right and an ASCII-folded form lets "cop" find "çöp".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from himcrm.models import Department, TopicCode
from himcrm.text import search_key, tr_lower

DEFAULT_LIMIT = 15
#: A query word this long may match a longer one it starts with ("lambaları" → "lamba").
MIN_STEM = 4

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _WORD.findall(tr_lower(text))


@dataclass(frozen=True, slots=True)
class TopicHit:
    code: str
    name: str
    name_en: str
    department: str
    group: str
    match: str  # "code" | "name" | "keyword" | "context"


# Match tiers, best first.
_TIERS = ("code", "name", "keyword", "context")


@dataclass(frozen=True, slots=True)
class _Candidate:
    code: str
    name: str
    name_en: str
    department: str
    group: str
    name_words: tuple[str, ...]
    keyword_words: tuple[str, ...]
    context_words: tuple[str, ...]


def _word_matches(query_word: str, word: str) -> bool:
    """Prefix as you type, or a longer inflected form of the word ("çukurlar" → "çukur")."""
    return word.startswith(query_word) or (len(word) >= MIN_STEM and query_word.startswith(word))


def _count_matches(query: list[str], words: tuple[str, ...]) -> int | None:
    """How many query words match exactly as spelled; None if some word matches nowhere.

    Words are compared Turkish-lower-cased and then, failing that, ASCII-folded.
    """
    exact = 0
    for q in query:
        if any(_word_matches(q, w) for w in words):
            exact += 1
            continue
        folded = search_key(q)
        if not any(_word_matches(folded, search_key(w)) for w in words):
            return None
    return exact


def _rank(candidate: _Candidate, query: str, words: list[str]) -> tuple[int, int] | None:
    """(tier, -exact word count) or None when the topic does not match."""
    compact = search_key(query).strip()
    if compact and " " not in compact and candidate.code.lower().startswith(compact):
        return (0, 0)
    if not words:
        return None
    pools = (
        candidate.name_words,
        candidate.name_words + candidate.keyword_words,
        candidate.name_words + candidate.keyword_words + candidate.context_words,
    )
    for tier, pool in enumerate(pools, start=1):
        exact = _count_matches(words, pool)
        if exact is not None:
            return (tier, -exact)
    return None


def _load_leaves(session: Session, *, public_only: bool) -> list[_Candidate]:
    parent = aliased(TopicCode)
    child = aliased(TopicCode)
    has_children = sa.exists().where(child.parent_id == TopicCode.id)
    stmt = (
        sa.select(
            TopicCode.code,
            TopicCode.name_tr,
            TopicCode.name_en,
            TopicCode.keywords,
            Department.name,
            parent.name_tr,
        )
        .outerjoin(Department, Department.id == TopicCode.department_id)
        .outerjoin(parent, parent.id == TopicCode.parent_id)
        .where(TopicCode.is_active.is_(True), ~has_children)
    )
    if public_only:
        stmt = stmt.where(TopicCode.is_public.is_(True))
    return [
        _Candidate(
            code=code,
            name=name,
            name_en=name_en or "",
            department=department or "",
            group=group or "",
            name_words=tuple(_words(name)),
            keyword_words=tuple(_words(keywords or "")),
            context_words=tuple(_words(f"{department or ''} {group or ''}")),
        )
        for code, name, name_en, keywords, department, group in session.execute(stmt)
    ]


def search_topics(
    session: Session, query: str, *, limit: int = DEFAULT_LIMIT, public_only: bool = False
) -> list[TopicHit]:
    """Active leaf topics matching ``query``, best first, at most ``limit``.

    Ranking: a code prefix ("FEN.YOL", "su"), then topics whose name holds every
    query word, then those whose name and keywords do, then those found only
    through their department's or group's name ("İZSU"). Within a tier, words
    matched as spelled (not only after ASCII folding) and then the code decide.
    """
    query = (query or "").strip()[:100]
    if not query:
        return []
    words = _words(query)
    ranked: list[tuple[tuple[int, int], str, _Candidate]] = []
    for candidate in _load_leaves(session, public_only=public_only):
        rank = _rank(candidate, query, words)
        if rank is not None:
            ranked.append((rank, candidate.code, candidate))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [
        TopicHit(
            code=c.code,
            name=c.name,
            name_en=c.name_en,
            department=c.department,
            group=c.group,
            match=_TIERS[rank[0]],
        )
        for rank, _code, c in ranked[:limit]
    ]
