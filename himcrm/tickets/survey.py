"""The satisfaction survey: a citizen rates the answer to their ticket (issue 6, part 4).

Decisions:

- Only an answered or closed ticket can be rated, and only once per ticket
  (``Ticket.satisfaction`` is set): a second rating, a rating before the answer
  or after a reopening that has not been answered again is refused with
  ``ValidationError(field="score")``, so the web form can show it next to the
  score. "Once" is per ticket, not per answer: the survey SMS is queued once per
  ticket too (``ticket:<id>:survey``), and a second score for a reopened ticket
  would overwrite the one that caused the reopening.
- A score is required (1–5); ``score=None`` is the form's "nothing chosen" and
  is refused like an out-of-range score. The comment is optional, at most
  1000 characters after trimming (``field="comment"``).
- The score is stored on ``Ticket.satisfaction`` (read by the reports) and a
  ``TicketEvent`` of kind SURVEY records it with ``data={"score", "via"}`` and
  the comment as its ``reason``; ``via`` says where it came from (``web`` for
  the tracking page, ``sms`` for an inbound SMS).
- A score of 1 or 2, or a comment asking to reopen (see
  :func:`asks_to_reopen`: Turkish and English phrases, matched after
  Turkish-aware folding so "TEKRAR AÇIN", "tekrar acin" and "Tekrar açılsın"
  all count, while "tekrar açmayın" does not), reopens the ticket through
  :func:`himcrm.tickets.lifecycle.reopen`: back to ``new`` in the triage queue
  of the back office, with a fresh resolution SLA. The actor is labelled
  ``citizen``. The reopening needs a reason: the comment, or a fixed Turkish
  line naming the score when there is no comment (stored data, like every
  event reason, so not translated at display time).
- The score stays on the ticket after the reopening: the citizen's verdict on
  the first answer is a fact the reports should keep.
- Everything is validated before anything is written, and everything happens
  in the caller's transaction (this module flushes; the request commits). Two
  ratings racing each other lose to the ticket's optimistic lock
  (ConcurrentUpdate), never a double rating.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from himcrm.errors import ConcurrentUpdate, ValidationError
from himcrm.models import EventKind, Ticket, TicketEvent, TicketStatus
from himcrm.text import search_key
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor

MIN_SCORE = 1
MAX_SCORE = 5
#: Scores at or below this reopen the ticket.
REOPEN_AT_OR_BELOW = 2
MAX_COMMENT = 1000
RATEABLE = frozenset({TicketStatus.ANSWERED, TicketStatus.CLOSED})
VIA = ("web", "sms")
ACTOR_LABEL = "citizen"

# Matched against search_key(comment): lower-cased by Turkish rules and folded
# to ASCII ("açın" → "acin", "çözülmedi" → "cozulmedi"). "tekrar/yeniden aç..."
# counts unless the verb is negated ("açmayın", "açmamanız", "açmasanız").
_REOPEN_PATTERNS = (
    r"\b(?:tekrar|yeniden|bir daha)\s+ac(?!may|mam|mas|mad)",
    r"\b(?:tekrar|yeniden)\s+(?:inceley|bakil|degerlendir)",
    r"\bcozulmedi",
    r"\bcozulmemis",
    r"\bcozulemedi",
    r"\bhalledilmedi",
    r"\bhalledilmemis",
    r"\bgiderilmedi",
    r"\bduzelmedi",
    r"\bduzeltilmedi",
    r"\bsorun\w*\s+(?:hala\s+)?devam",
    r"\bhala\s+(?:ayni|devam|cozul)",
    r"\bre-?open",
    r"\bnot\s+(?:solved|resolved|fixed)",
    r"\bstill\s+(?:broken|not)",
)
_REOPEN = re.compile("|".join(_REOPEN_PATTERNS))


@dataclass(frozen=True, slots=True)
class SurveyResult:
    ticket: Ticket
    score: int
    event: TicketEvent  # the SURVEY event
    reopened: bool
    reopen_event: TicketEvent | None = None


def asks_to_reopen(comment: str) -> bool:
    """Whether a comment asks for the ticket to be looked at again."""
    return bool(comment) and _REOPEN.search(search_key(comment)) is not None


def can_be_rated(ticket: Ticket) -> bool:
    """Whether the survey form (or an SMS reply) may still rate this ticket."""
    return ticket.status in RATEABLE and ticket.satisfaction is None


def _check(ticket: Ticket, score: int | None, comment: str, via: str) -> tuple[int, str]:
    if ticket.satisfaction is not None:
        raise ValidationError(_l("Bu başvuru zaten puanlandı; teşekkür ederiz."), field="score")
    if ticket.status not in RATEABLE:
        raise ValidationError(_l("Yalnızca yanıtlanmış bir başvuru puanlanabilir."), field="score")
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValidationError(_l("1 ile 5 arasında bir puan seçin."), field="score")
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise ValidationError(_l("1 ile 5 arasında bir puan seçin."), field="score")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationError(
            _l("Yorum en fazla %(n)s karakter olabilir.", n=MAX_COMMENT), field="comment"
        )
    if via not in VIA:
        raise ValidationError(_l("Bilinmeyen anket kanalı."), field="via")
    return score, text


def record_survey(
    session: Session,
    ticket: Ticket,
    *,
    score: int | None,
    comment: str,
    via: str,
    now: datetime,
) -> SurveyResult:
    """Record the citizen's rating; reopen the ticket when they are unsatisfied."""
    score, text = _check(ticket, score, comment, via)
    number = ticket.number
    actor = Actor(label=ACTOR_LABEL)
    ticket.satisfaction = score
    event = lifecycle.record_event(
        ticket,
        EventKind.SURVEY,
        actor,
        now=now,
        reason=text,
        data={"score": score, "via": via},
    )
    try:
        session.flush()
    except StaleDataError:
        raise ConcurrentUpdate(
            _l("Başvuru bu arada başka biri tarafından değiştirildi; sayfayı yenileyin."),
            number=number,
        ) from None
    if score > REOPEN_AT_OR_BELOW and not asks_to_reopen(text):
        return SurveyResult(ticket, score, event, reopened=False)
    reason = text or f"Vatandaş memnun değil (memnuniyet puanı {score}/5)."
    reopen_event = lifecycle.reopen(ticket, actor, reason=reason, now=now)
    return SurveyResult(ticket, score, event, reopened=True, reopen_event=reopen_event)
