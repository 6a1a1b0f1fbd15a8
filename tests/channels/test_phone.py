"""Phone channel services: call log, transitions, voice mail, IVR, hours, extensions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.channels.phone import calls, ivr
from himcrm.channels.phone.hours import CallCentreHours
from himcrm.channels.phone.voicemail import voicemail_ticket
from himcrm.config import ConfigError, Settings
from himcrm.errors import PermissionDenied, ValidationError
from himcrm.models import Call, CallStatus, Role, Ticket, TicketStatus
from tests import factories as f
from tests.channels.phone_helpers import CALLER, RECORDING, operator, ring

# --- call log -----------------------------------------------------------------


def test_a_call_is_logged_once_with_its_citizen(session: Session, now: datetime) -> None:
    ticket = f.ticket(session, topic_code=None, now=now)
    first = calls.open_call(
        session, provider="twilio", external_id="CA1", from_number="0532 111 22 33", at=now
    )
    again = calls.open_call(
        session, provider="twilio", external_id="CA1", from_number=CALLER, at=now
    )
    assert first.changed and not again.changed
    assert again.call.id == first.call.id
    assert first.call.from_number == CALLER  # normalised to E.164
    assert first.call.citizen_id == ticket.citizen_id
    assert first.call.status is CallStatus.RINGING
    count = session.scalar(sa.select(sa.func.count()).select_from(Call))
    assert count == 1


def test_the_same_call_id_of_another_provider_is_another_call(
    session: Session, now: datetime
) -> None:
    a = calls.open_call(session, provider="twilio", external_id="X1", from_number="", at=now)
    b = calls.open_call(session, provider="cti", external_id="X1", from_number="", at=now)
    assert a.call.id != b.call.id


def test_a_withheld_number_is_logged_without_a_citizen(session: Session, now: datetime) -> None:
    call = ring(session, now, number="anonymous")
    assert call.citizen_id is None
    assert calls.caller_phone(call.from_number) is None


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("call_id", {"external_id": "  "}),
        ("call_id", {"external_id": "x" * 129}),
        ("from", {"from_number": "1" * 33}),
    ],
)
def test_bad_call_fields_are_refused_before_writing(
    session: Session, now: datetime, field: str, kwargs: dict[str, str]
) -> None:
    args = {"provider": "twilio", "external_id": "CA1", "from_number": CALLER, **kwargs}
    with pytest.raises(ValidationError) as raised:
        calls.open_call(session, at=now, **args)
    assert raised.value.field == field
    assert session.scalar(sa.select(sa.func.count()).select_from(Call)) == 0


def test_answered_then_completed_and_replays_change_nothing(
    session: Session, now: datetime
) -> None:
    user = operator(session)
    call = ring(session, now)
    assert calls.answer(session, call, user, at=now + timedelta(seconds=5)).changed
    assert call.status is CallStatus.ANSWERED and call.operator_id == user.id
    assert call.answered_at == now + timedelta(seconds=5)
    assert not calls.answer(session, call, None, at=now + timedelta(seconds=9)).changed
    assert call.operator_id == user.id  # a replay does not take the call away
    assert calls.hang_up(session, call, at=now + timedelta(minutes=2)).changed
    assert call.status is CallStatus.COMPLETED
    assert not calls.hang_up(session, call, at=now + timedelta(minutes=3)).changed
    assert call.ended_at == now + timedelta(minutes=2)


def test_unanswered_call_is_abandoned_and_a_late_recording_makes_it_voice_mail(
    session: Session, now: datetime
) -> None:
    call = ring(session, now)
    assert calls.hang_up(session, call, at=now).changed
    assert call.status is CallStatus.ABANDONED
    assert calls.leave_voicemail(session, call, RECORDING, at=now).changed
    assert call.status is CallStatus.VOICEMAIL and call.recording_url == RECORDING
    # Once finished, nothing moves it back.
    assert not calls.answer(session, call, None, at=now).changed
    assert call.status is CallStatus.VOICEMAIL


def test_a_failed_call(session: Session, now: datetime) -> None:
    call = ring(session, now)
    calls.hang_up(session, call, at=now, failed=True)
    assert call.status is CallStatus.FAILED


def test_operator_by_extension_only_finds_active_call_takers(
    session: Session, now: datetime
) -> None:
    user = operator(session, "205")
    assert calls.operator_by_extension(session, "205") == user
    assert "205" in calls.available_extensions(session)
    user.active = False
    session.flush()
    assert calls.operator_by_extension(session, "205") is None
    staff = f.staff(session, Role.DEPT_STAFF, None)
    staff.phone_extension = "206"
    session.flush()
    assert calls.operator_by_extension(session, "206") is None
    assert calls.operator_by_extension(session, "") is None


# --- voice mail -----------------------------------------------------------------


def test_voice_mail_becomes_one_triage_ticket(session: Session, now: datetime) -> None:
    call = ring(session, now, number="+905329998877")
    first = voicemail_ticket(
        session,
        call,
        recording_id="RE1",
        recording_url=RECORDING,
        duration_seconds=42,
        at=now,
    )
    again = voicemail_ticket(
        session,
        call,
        recording_id="RE1",
        recording_url=RECORDING,
        duration_seconds=42,
        at=now,
    )
    ticket = first.ticket
    assert first.created and not again.created and again.ticket.id == ticket.id
    assert ticket.channel.value == "phone" and ticket.external_id == "RE1"
    assert ticket.topic_code_id is None and ticket.department_id is None
    assert ticket.status is TicketStatus.NEW  # waits in the triage queue
    assert ticket.call_id == call.id
    assert "42" in ticket.description
    assert ticket.citizen is not None and ticket.citizen.phone == "+905329998877"
    assert call.status is CallStatus.VOICEMAIL and call.recording_url == RECORDING
    assert call.citizen_id == ticket.citizen_id
    tickets = session.scalar(
        sa.select(sa.func.count()).select_from(Ticket).where(Ticket.external_id == "RE1")
    )
    assert tickets == 1


def test_voice_mail_needs_an_https_recording(session: Session, now: datetime) -> None:
    call = ring(session, now)
    with pytest.raises(ValidationError) as raised:
        voicemail_ticket(
            session,
            call,
            recording_id="RE2",
            recording_url="javascript:alert(1)",
            duration_seconds=None,
            at=now,
        )
    assert raised.value.field == "recording_url"
    assert call.status is CallStatus.RINGING


# --- IVR ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyed", "number"),
    [
        ("2026000123", "2026-000123"),
        ("2026123#", "2026-000123"),
        ("2026 123", "2026-000123"),
        ("123", None),
        ("", None),
        ("1999123", None),
    ],
)
def test_ticket_number_from_keys(keyed: str, number: str | None) -> None:
    assert ivr.ticket_number_from(keyed) == number


def test_status_is_read_only_to_the_tickets_citizen(session: Session, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="SU.ABONE.01", now=now)
    keyed = ticket.number.replace("-", "")
    mine = ivr.status_for_caller(session, keyed, CALLER)
    theirs = ivr.status_for_caller(session, keyed, "+905329998877")
    withheld = ivr.status_for_caller(session, keyed, None)
    assert mine.ticket is not None and mine.ticket.id == ticket.id
    assert theirs.ticket is None and withheld.ticket is None
    sentence = ivr.status_sentence(ticket, "Europe/Istanbul")
    assert ticket.number.replace("-", " ") in sentence
    assert ticket.resolution_due_at is not None
    assert ivr.spoken_date(ticket.resolution_due_at, "Europe/Istanbul") in sentence
    assert "Ayşe" not in sentence  # no personal data


# --- hours ----------------------------------------------------------------------


def test_call_centre_hours() -> None:
    tuesday_10 = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul
    tuesday_18 = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    saturday_10 = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    always = CallCentreHours.parse("24/7")
    office = CallCentreHours.parse("1-5 08:30-17:30")
    nights = CallCentreHours.parse("1-5 22:00-06:00")
    assert always.is_open(saturday_10)
    assert office.is_open(tuesday_10)
    assert not office.is_open(tuesday_18) and not office.is_open(saturday_10)
    assert nights.is_open(datetime(2026, 11, 17, 20, 30, tzinfo=UTC))  # Tue 23:30
    assert nights.is_open(datetime(2026, 11, 18, 1, 0, tzinfo=UTC))  # Wed 04:00
    assert nights.is_open(datetime(2026, 11, 21, 1, 0, tzinfo=UTC))  # Sat 04:00: Friday's night
    assert not nights.is_open(datetime(2026, 11, 22, 1, 0, tzinfo=UTC))  # Sun 04:00
    assert not nights.is_open(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # Mon 04:00: Sunday's
    assert CallCentreHours.parse("00:00-24:00").is_open(saturday_10)


@pytest.mark.parametrize("value", ["8-17", "25:00-26:00", "1-5 08:30", "mon-fri 08:00-17:00"])
def test_bad_call_centre_hours_stop_start_up(value: str) -> None:
    with pytest.raises(ConfigError, match="HIMCRM_CALL_CENTRE_HOURS"):
        Settings.from_env(
            {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "HIMCRM_CALL_CENTRE_HOURS": value}
        )


def test_phone_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "SECRET_KEY": "x",
            "DATABASE_URL": "sqlite://",
            "HIMCRM_CALL_CENTRE_HOURS": "1-5  08:30-17:30",
            "HIMCRM_CTI_SECRET": "s3cret",
        }
    )
    assert settings.call_centre_hours == "1-5 08:30-17:30"
    assert settings.cti_secret == "s3cret"
    default = Settings.from_env({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    assert default.call_centre_hours == "24/7" and default.cti_secret == ""


# --- extensions -----------------------------------------------------------------


def test_an_extension_moves_to_whoever_takes_the_desk(session: Session) -> None:
    first = operator(session, "401")
    second = f.staff(session, Role.BACK_OFFICE, None)
    assert calls.claim_extension(session, second, " 401 ") == "401"
    assert first.phone_extension is None and second.phone_extension == "401"
    assert calls.operator_by_extension(session, "401") == second
    assert calls.claim_extension(session, second, "") is None
    assert second.phone_extension is None


def test_bad_extensions_and_non_call_takers_are_refused(session: Session) -> None:
    user = operator(session, "402")
    with pytest.raises(ValidationError) as raised:
        calls.claim_extension(session, user, "40 2<script>")
    assert raised.value.field == "phone_extension" and user.phone_extension == "402"
    with pytest.raises(ValidationError):
        calls.claim_extension(session, user, "9" * 33)
    staff = f.staff(session, Role.DEPT_STAFF, None)
    with pytest.raises(PermissionDenied):
        calls.claim_extension(session, staff, "403")
