"""Field teams: findings through intake, the nearest-first worklist, closing work with photos."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from himcrm.channels import field as service
from himcrm.channels.public_media import Upload
from himcrm.citizens.service import CitizenInput
from himcrm.errors import IllegalTransition, NotFound, PermissionDenied
from himcrm.models import (
    Attachment,
    Channel,
    Notification,
    ReplyStatus,
    Role,
    Ticket,
    TicketStatus,
    TopicCode,
)
from himcrm.tickets import lifecycle
from himcrm.tickets.attachments import stored_path
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor
from tests import factories as f

GPS_IFD = 0x8825
HERE = (38.4192, 27.1287)  # Konak, İzmir


def gps_jpeg(colour: tuple[int, int, int] = (20, 120, 40)) -> bytes:
    """A JPEG whose EXIF holds a GPS position and the phone's make, as phones write it."""
    image = Image.new("RGB", (48, 32), colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (38.0, 25.0, 8.0)
    gps[3] = "E"
    gps[4] = (27.0, 7.0, 43.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "fixture has no GPS"
    return data


def photo(name: str = "foto.jpg") -> Upload:
    return Upload(name, io.BytesIO(gps_jpeg()))


class Team:
    """A department with a sub-unit, its field user, a colleague and topics routed to it."""

    def __init__(self, session: Session) -> None:
        self.dept = f.department(session)
        self.unit = f.department(session, parent=self.dept)
        self.other_dept = f.department(session)
        self.user = f.staff(session, Role.FIELD_TEAM, self.dept)
        self.colleague = f.staff(session, Role.FIELD_TEAM, self.dept)
        code = self.dept.code
        f.topic(session, f"F{code}")
        self.approval = f.topic(session, f"F{code}.01", self.dept, needs_approval=True)
        self.direct = f.topic(session, f"F{code}.02", self.dept, needs_approval=False)
        self.in_unit = f.topic(session, f"F{code}.03", self.unit, needs_approval=False)
        self.elsewhere = f.topic(session, f"F{code}.04", self.other_dept)


@pytest.fixture
def team(session: Session) -> Team:
    return Team(session)


def make_ticket(
    session: Session,
    topic: TopicCode,
    now: datetime,
    position: tuple[float, float] | None,
    *,
    phone: str | None = "+905321112233",
) -> Ticket:
    lat, lon = position if position else (None, None)
    return create_ticket(
        session,
        TicketInput(
            channel="phone",
            description="Kaldırım taşları yerinden oynamış.",
            topic_code=topic.code,
            district_code="KONAK",
            latitude=lat,
            longitude=lon,
            citizen=CitizenInput(full_name="Ayşe Yılmaz", phone=phone) if phone else CitizenInput(),
        ),
        now=now,
    ).ticket


def finding(leaf: TopicCode, **changes: str) -> service.Finding:
    values = {
        "submission_id": str(uuid.uuid4()),
        "topic": leaf.code,
        "district": "KONAK",
        "neighbourhood": "Alsancak",
        "address": "Kıbrıs Şehitleri Cd. önü",
        "description": "Yağmur ızgarası kırılmış, yaya için tehlikeli.",
        "latitude": "38.437100",
        "longitude": "27.143200",
    }
    values.update(changes)
    return service.Finding(**values)


def ticket_count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Ticket)) or 0


# --------------------------------------------------------------------------- findings


def test_finding_becomes_a_routed_field_ticket_with_its_position_and_photo(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    data = finding(team.direct)
    result = service.record_finding(
        session, team.user, data, [photo("cukur.jpg")], upload_root=tmp_path, now=now
    )

    ticket = result.ticket
    assert result.created
    assert ticket.channel == Channel.FIELD
    assert ticket.external_id == data.submission_id
    assert (ticket.latitude, ticket.longitude) == (38.4371, 27.1432)
    assert ticket.district is not None and ticket.district.code == "KONAK"
    assert ticket.created_by_id == team.user.id
    assert ticket.citizen_id is None
    assert ticket.status == TicketStatus.ROUTED and ticket.department_id == team.dept.id
    stored = session.scalars(sa.select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
    assert len(stored) == 1 and not stored[0].is_public
    with Image.open(stored_path(tmp_path, stored[0])) as image:
        assert len(image.getexif()) == 0


def test_resubmitted_finding_returns_the_first_ticket_and_stores_nothing_twice(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    data = finding(team.direct)
    first = service.record_finding(session, team.user, data, [photo()], upload_root=tmp_path)
    again = service.record_finding(session, team.user, data, [photo()], upload_root=tmp_path)

    assert not again.created and again.ticket.id == first.ticket.id
    count = session.scalar(
        sa.select(sa.func.count()).where(Attachment.ticket_id == first.ticket.id)
    )
    assert count == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latitude": "", "longitude": ""}, "latitude"),
        ({"latitude": "91", "longitude": "27.1"}, "latitude"),
        ({"latitude": "38.4", "longitude": "doğu"}, "longitude"),
        ({"description": "  "}, "description"),
        ({"topic": ""}, "topic"),
        ({"topic": "YOK.BOYLE"}, "topic"),
        ({"district": "ATLANTIS"}, "district"),
        ({"submission_id": "not-a-uuid"}, "_form"),
    ],
)
def test_bad_finding_names_the_field_and_writes_nothing(
    session: Session, team: Team, tmp_path: Path, changes: dict[str, str], field: str
) -> None:
    before = ticket_count(session)
    with pytest.raises(service.FormInvalid) as caught:
        service.record_finding(
            session, team.user, finding(team.direct, **changes), upload_root=tmp_path
        )
    assert field in caught.value.errors
    assert ticket_count(session) == before


def test_a_photo_that_is_not_an_image_is_refused_before_the_ticket(
    session: Session, team: Team, tmp_path: Path
) -> None:
    before = ticket_count(session)
    fake = Upload("foto.jpg", io.BytesIO(b"\xff\xd8\xff not really a jpeg"))
    with pytest.raises(service.FormInvalid) as caught:
        service.record_finding(
            session, team.user, finding(team.direct), [fake], upload_root=tmp_path
        )
    assert "photos" in caught.value.errors
    assert ticket_count(session) == before


def test_only_field_teams_record_findings(session: Session, team: Team, tmp_path: Path) -> None:
    staff = f.staff(session, Role.DEPT_STAFF, team.dept)
    with pytest.raises(PermissionDenied):
        service.record_finding(session, staff, finding(team.direct), upload_root=tmp_path)


# --------------------------------------------------------------------------- worklist


def test_worklist_is_nearest_first_with_unplaced_tickets_last(
    session: Session, team: Team, now: datetime
) -> None:
    far = make_ticket(session, team.direct, now, (38.46, 27.21))  # Bornova, ~9 km
    unplaced = make_ticket(session, team.direct, now, None)
    near = make_ticket(session, team.approval, now, (38.4200, 27.1300))  # ~150 m
    middle = make_ticket(session, team.in_unit, now, (38.4370, 27.1430))  # sub-unit, ~2.3 km

    worklist = service.team_worklist(session, team.user, *HERE)

    assert worklist.sorted_by_distance
    assert [item.ticket.id for item in worklist.items] == [near.id, middle.id, far.id, unplaced.id]
    distances = [item.distance_km for item in worklist.items]
    assert distances[0] is not None and distances[0] < 0.3
    assert distances[2] is not None and 8 < distances[2] < 11
    assert distances[3] is None


def test_worklist_keeps_to_the_team_scope_and_its_open_work(
    session: Session, team: Team, now: datetime
) -> None:
    mine = make_ticket(session, team.direct, now, (38.43, 27.14))
    # Another department's ticket right where the team stands never appears.
    elsewhere = make_ticket(session, team.elsewhere, now, HERE)
    taken = make_ticket(session, team.direct, now, HERE)
    lifecycle.assign(taken, team.colleague, Actor(user=team.colleague), now=now)
    assigned_to_me = make_ticket(session, team.direct, now, (38.45, 27.15))
    lifecycle.assign(assigned_to_me, team.user, Actor(user=team.user), now=now)
    answered = make_ticket(session, team.direct, now, HERE)
    lifecycle.answer(answered, Actor(user=team.user), now=now)

    ids = [item.ticket.id for item in service.team_worklist(session, team.user, *HERE).items]

    assert ids == [mine.id, assigned_to_me.id]
    assert elsewhere.id not in ids and taken.id not in ids and answered.id not in ids


def test_worklist_without_a_position_is_unsorted_by_distance_and_paginated(
    session: Session, team: Team, now: datetime
) -> None:
    made = [make_ticket(session, team.direct, now, (38.40 + i / 100, 27.1)) for i in range(5)]

    first = service.team_worklist(session, team.user, None, None, per_page=2)
    last = service.team_worklist(session, team.user, None, None, page=3, per_page=2)
    beyond = service.team_worklist(session, team.user, 999.0, 27.0, page=99, per_page=2)

    assert not first.sorted_by_distance and first.total == 5 and first.pages == 3
    assert all(item.distance_km is None for item in first.items)
    assert len(first.items) == 2 and len(last.items) == 1
    seen = {i.ticket.id for i in first.items} | {i.ticket.id for i in last.items}
    assert seen <= {t.id for t in made}
    assert not beyond.sorted_by_distance and beyond.page == 3  # bad position, page clamped


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    connection = session.connection()
    sa.event.listen(connection, "before_cursor_execute", count)
    yield seen
    sa.event.remove(connection, "before_cursor_execute", count)


def test_worklist_rows_need_no_further_queries(
    session: Session, team: Team, now: datetime, statements: list[str]
) -> None:
    for i in range(6):
        make_ticket(session, team.direct, now, (38.41 + i / 100, 27.12))
    session.expire_all()
    statements.clear()

    worklist = service.team_worklist(session, team.user, *HERE)
    shown = [
        (
            i.ticket.topic_code.name_tr if i.ticket.topic_code else "",
            i.ticket.district,
            i.ticket.assignee,
        )
        for i in worklist.items
    ]

    assert len(shown) == 6
    assert len(statements) <= 4, statements  # the user's scope, the count, the page


# --------------------------------------------------------------------------- the work


def test_start_work_starts_assigns_and_keeps_the_before_photo_private(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    ticket = make_ticket(session, team.direct, now, HERE)

    service.start_work(session, team.user, ticket, [photo("once.jpg")], upload_root=tmp_path)

    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.assignee_id == team.user.id
    assert [a.is_public for a in service.public_photos(session, ticket)] == []


def test_close_work_answers_at_once_with_a_public_exif_free_after_photo(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    ticket = make_ticket(session, team.direct, now, HERE)

    reply = service.close_work(
        session,
        team.user,
        ticket,
        "Izgara değiştirildi, yol açık.",
        before_photos=[photo("once.jpg")],
        after_photos=[photo("sonra.jpg")],
        upload_root=tmp_path,
        now=now,
    )

    assert ticket.status == TicketStatus.ANSWERED
    assert reply.status == ReplyStatus.APPROVED and reply.body == "Izgara değiştirildi, yol açık."
    sms = session.scalar(
        sa.select(Notification).where(
            Notification.ticket_id == ticket.id, Notification.template == "ticket_answered"
        )
    )
    assert sms is not None and sms.context["token"] == ticket.tracking_token
    public = service.public_photos(session, ticket)
    assert [a.filename for a in public] == ["sonra.jpg"]
    raw = stored_path(tmp_path, public[0]).read_bytes()
    with Image.open(io.BytesIO(raw)) as image:
        assert len(image.getexif()) == 0
        assert "exif" not in image.info
    assert b"PhoneMaker" not in raw
    everything = session.scalars(sa.select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert sorted((a.filename, a.is_public) for a in everything) == [
        ("once.jpg", False),
        ("sonra.jpg", True),
    ]


def test_close_work_goes_to_the_manager_when_the_topic_needs_approval(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    ticket = make_ticket(session, team.approval, now, HERE)
    service.start_work(session, team.user, ticket, upload_root=tmp_path, now=now)

    reply = service.close_work(
        session,
        team.user,
        ticket,
        "Kaldırım onarıldı.",
        after_photos=[photo()],
        upload_root=tmp_path,
    )

    assert ticket.status == TicketStatus.PENDING_APPROVAL
    assert reply.status == ReplyStatus.SUBMITTED
    answered = session.scalar(
        sa.select(sa.func.count()).where(
            Notification.ticket_id == ticket.id, Notification.template == "ticket_answered"
        )
    )
    assert answered == 0


def test_close_work_on_hold_resumes_first(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    ticket = make_ticket(session, team.direct, now, HERE)
    lifecycle.hold(ticket, Actor(user=team.user), reason="Malzeme bekleniyor", now=now)

    service.close_work(
        session,
        team.user,
        ticket,
        "Malzeme geldi, iş bitti.",
        after_photos=[photo()],
        upload_root=tmp_path,
    )

    assert ticket.status == TicketStatus.ANSWERED


def test_close_work_without_after_photo_or_note_writes_nothing(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    ticket = make_ticket(session, team.direct, now, HERE)

    with pytest.raises(service.FormInvalid) as caught:
        service.close_work(
            session, team.user, ticket, "  ", before_photos=[photo()], upload_root=tmp_path
        )

    assert set(caught.value.errors) == {"note", "after_photos"}
    assert ticket.status == TicketStatus.ROUTED
    assert session.scalar(sa.select(sa.func.count()).where(Attachment.ticket_id == ticket.id)) == 0


def test_close_work_refuses_finished_tickets_and_other_departments(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    answered = make_ticket(session, team.direct, now, HERE)
    lifecycle.answer(answered, Actor(user=team.user), now=now)
    with pytest.raises(IllegalTransition):
        service.close_work(
            session, team.user, answered, "Bitti.", after_photos=[photo()], upload_root=tmp_path
        )

    foreign = make_ticket(session, team.elsewhere, now, HERE)
    with pytest.raises(NotFound):
        service.close_work(
            session, team.user, foreign, "Bitti.", after_photos=[photo()], upload_root=tmp_path
        )
    assert foreign.status == TicketStatus.ROUTED


def test_public_photos_are_only_the_public_ones_of_that_ticket(
    session: Session, team: Team, tmp_path: Path, now: datetime
) -> None:
    ticket = make_ticket(session, team.direct, now, HERE)
    other = make_ticket(session, team.direct, now, HERE)
    service.close_work(
        session,
        team.user,
        ticket,
        "Tamam.",
        before_photos=[photo("once.jpg")],
        after_photos=[photo("sonra.jpg")],
        upload_root=tmp_path,
    )
    public, private = sorted(
        session.scalars(sa.select(Attachment).where(Attachment.ticket_id == ticket.id)),
        key=lambda a: not a.is_public,
    )

    assert service.find_public_photo(session, ticket, public.id).id == public.id
    with pytest.raises(NotFound):
        service.find_public_photo(session, ticket, private.id)
    with pytest.raises(NotFound):
        service.find_public_photo(session, other, public.id)
