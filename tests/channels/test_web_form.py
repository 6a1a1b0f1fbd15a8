"""The public web form service: fields → intake, idempotent resubmits, photos without EXIF."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from himcrm.channels.public_media import MAX_PHOTOS, Upload, clean_photo
from himcrm.channels.web_form import (
    WebForm,
    public_topics,
    submit_web_form,
)
from himcrm.errors import FormInvalid, ValidationError
from himcrm.models import (
    Attachment,
    Channel,
    Citizen,
    Notification,
    NotificationChannel,
    Ticket,
    TicketStatus,
    TopicCode,
)
from himcrm.tickets.attachments import stored_path
from tests import factories as f

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _form(**overrides: object) -> WebForm:
    base = WebForm(
        submission_id=str(uuid.uuid4()),
        topic="FEN.YOL.01",
        type="complaint",
        description="Evimizin önündeki yolda büyük bir çukur var.",
        district="BORNOVA",
        neighbourhood="Kazımdirik",
        address="372. Sokak önü",
        latitude="38,4622",
        longitude="27.2167",
        full_name="Zeynep Demir",
        phone="0532 555 12 34",
        email="zeynep@example.org",
        kvkk_consent=True,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def _count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _submit(session: Session, tmp_path: Path, now: datetime, form: WebForm, uploads=()):  # type: ignore[no-untyped-def]
    return submit_web_form(session, form, list(uploads), upload_root=tmp_path, now=now)


def gps_jpeg(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF holds a GPS position (İzmir, Konak), as phones write it."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (38.0, 25.0, 8.0)
    gps[3] = "E"
    gps[4] = (27.0, 7.0, 43.0)
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at home")
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "fixture has no GPS"
    return data


def test_valid_form_records_a_routed_web_ticket(session: Session, tmp_path: Path, now) -> None:
    form = _form()
    result = _submit(session, tmp_path, now, form)

    ticket = result.ticket
    assert result.created and ticket is not None
    assert ticket.channel == Channel.WEB
    assert ticket.external_id == form.submission_id
    assert ticket.status == TicketStatus.ROUTED
    assert ticket.topic_code is not None and ticket.topic_code.code == "FEN.YOL.01"
    assert ticket.district is not None and ticket.district.code == "BORNOVA"
    assert (ticket.latitude, ticket.longitude) == (38.4622, 27.2167)  # decimal comma read
    assert ticket.citizen is not None
    assert ticket.citizen.phone == "+905325551234"
    assert ticket.citizen.kvkk_consent_at == now
    assert ticket.citizen.address == ""  # the problem's place is not the citizen's home
    assert result.acknowledgement == NotificationChannel.SMS


def test_nul_characters_are_dropped(session: Session, tmp_path: Path, now) -> None:
    form = _form(description="Çukur\x00 derin.", full_name="Zeynep\x00 Demir")
    result = _submit(session, tmp_path, now, form)
    assert result.ticket is not None and result.ticket.description == "Çukur derin."
    assert result.ticket.citizen is not None
    assert result.ticket.citizen.full_name == "Zeynep Demir"


def test_email_only_is_acknowledged_by_email(session: Session, tmp_path: Path, now) -> None:
    result = _submit(session, tmp_path, now, _form(phone="", latitude="", longitude=""))
    assert result.ticket is not None and result.ticket.latitude is None
    assert result.acknowledgement == NotificationChannel.EMAIL


def test_resubmit_records_nothing_twice(session: Session, tmp_path: Path, now) -> None:
    form = _form()
    first = _submit(session, tmp_path, now, form)
    before = (_count(session, Ticket), _count(session, Notification), _count(session, Citizen))

    again = _submit(session, tmp_path, now, replace(form, description="changed on resubmit"))

    assert not again.created
    assert again.ticket is first.ticket
    after = (_count(session, Ticket), _count(session, Notification), _count(session, Citizen))
    assert after == before


def test_every_wrong_field_is_reported_at_once(session: Session, tmp_path: Path, now) -> None:
    before = _count(session, Ticket)
    with pytest.raises(FormInvalid) as caught:
        _submit(session, tmp_path, now, WebForm())
    assert set(caught.value.errors) == {
        "_form",
        "topic",
        "description",
        "district",
        "full_name",
        "phone",
        "kvkk_consent",
    }
    assert isinstance(caught.value, ValidationError)
    assert _count(session, Ticket) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"submission_id": "not-a-uuid"}, "_form"),
        ({"topic": "FEN.YOL"}, "topic"),  # a group, not a leaf
        ({"topic": "ITF.06"}, "topic"),  # not public
        ({"topic": "NOPE.01"}, "topic"),
        ({"type": "praise"}, "type"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 10_001}, "description"),
        ({"district": "ATLANTIS"}, "district"),
        ({"neighbourhood": "x" * 129}, "neighbourhood"),
        ({"address": "x" * 501}, "address"),
        ({"longitude": ""}, "latitude"),  # a latitude without a longitude
        ({"latitude": "91"}, "latitude"),
        ({"longitude": "east"}, "longitude"),
        ({"latitude": "nan"}, "latitude"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"phone": "12"}, "phone"),
        ({"email": "zeynep at example"}, "email"),
        ({"phone": "", "email": ""}, "phone"),
        ({"kvkk_consent": False}, "kvkk_consent"),
    ],
)
def test_bad_field_names_the_field(
    session: Session, tmp_path: Path, now, overrides: dict, field: str
) -> None:
    before = _count(session, Ticket)
    with pytest.raises(FormInvalid) as caught:
        _submit(session, tmp_path, now, _form(**overrides))
    assert field in caught.value.errors, caught.value.errors
    assert _count(session, Ticket) == before


def test_inactive_topic_is_refused(session: Session, tmp_path: Path, now) -> None:
    topic = session.scalar(sa.select(TopicCode).where(TopicCode.code == "FEN.YOL.01"))
    assert topic is not None
    topic.is_active = False
    session.flush()
    with pytest.raises(FormInvalid) as caught:
        _submit(session, tmp_path, now, _form())
    assert "topic" in caught.value.errors


def test_location_rule_of_the_topic_maps_to_the_address_field(
    session: Session, tmp_path: Path, now
) -> None:
    dept = f.department(session)
    f.topic(session, "TST", dept)
    f.topic(session, "TST.01", dept, requires_location=True)
    form = _form(topic="TST.01", neighbourhood="", address="", latitude="", longitude="")
    with pytest.raises(FormInvalid) as caught:
        _submit(session, tmp_path, now, form)
    assert set(caught.value.errors) == {"address"}


def test_public_topics_are_active_public_leaves(session: Session) -> None:
    codes = {option.code for option in public_topics(session)}
    assert "FEN.YOL.01" in codes
    assert "ITF.06" not in codes  # not public
    assert "FEN.YOL" not in codes  # a group
    hidden_group = session.scalar(sa.select(TopicCode).where(TopicCode.code == "FEN.YOL"))
    assert hidden_group is not None
    hidden_group.is_public = False
    session.flush()
    assert "FEN.YOL.01" not in {option.code for option in public_topics(session)}


def test_honeypot_records_nothing(session: Session, tmp_path: Path, now) -> None:
    before = (_count(session, Ticket), _count(session, Citizen), _count(session, Notification))
    result = _submit(session, tmp_path, now, _form(website="http://spam.example"))
    assert result.trapped and not result.created
    after = (_count(session, Ticket), _count(session, Citizen), _count(session, Notification))
    assert after == before


# --------------------------------------------------------------------------- photos


def test_photo_is_stored_without_exif(session: Session, tmp_path: Path, now) -> None:
    original = gps_jpeg()
    result = _submit(
        session, tmp_path, now, _form(), [Upload("IMG_2041.JPG", io.BytesIO(original))]
    )
    assert result.ticket is not None
    attachment = session.scalar(
        sa.select(Attachment).where(Attachment.ticket_id == result.ticket.id)
    )
    assert attachment is not None
    assert attachment.content_type == "image/jpeg"
    assert attachment.filename == "IMG_2041.jpg"
    assert not attachment.is_public
    stored = stored_path(tmp_path, attachment).read_bytes()
    assert stored != original
    assert b"Exif" not in stored
    assert b"taken at home" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (64, 32)
        assert len(image.getexif()) == 0
        assert "exif" not in image.info and "comment" not in image.info


def test_photo_orientation_is_applied_before_the_tag_goes(tmp_path: Path) -> None:
    photo = clean_photo(Upload("side.jpg", io.BytesIO(gps_jpeg((64, 32), orientation=6))))
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.size == (32, 64)  # rotated upright
        assert len(image.getexif()) == 0


def test_png_text_and_exif_are_stripped() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Zeynep's balcony")
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD)[1] = "N"
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info, exif=exif)
    photo = clean_photo(Upload("a.png", io.BytesIO(out.getvalue())))
    assert photo.content_type == "image/png"
    assert b"balcony" not in photo.data and b"eXIf" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.mode == "RGBA"


@pytest.mark.parametrize(
    "payload",
    [
        b"%PDF-1.7 not a photo",
        b"GIF89a\x01\x00\x01\x00",
        b"\xff\xd8\xff\xe0 only the magic of a JPEG, the rest is garbage",
        b"",
    ],
)
def test_bad_photo_records_nothing(session: Session, tmp_path: Path, now, payload: bytes) -> None:
    before = _count(session, Ticket)
    with pytest.raises(FormInvalid) as caught:
        _submit(session, tmp_path, now, _form(), [Upload("x.jpg", io.BytesIO(payload))])
    assert set(caught.value.errors) == {"photos"}
    assert _count(session, Ticket) == before


def test_too_many_photos(session: Session, tmp_path: Path, now) -> None:
    uploads = [Upload(f"{i}.jpg", io.BytesIO(gps_jpeg())) for i in range(MAX_PHOTOS + 1)]
    with pytest.raises(FormInvalid) as caught:
        _submit(session, tmp_path, now, _form(), uploads)
    assert "photos" in caught.value.errors


def test_resubmit_with_photos_stores_them_once(session: Session, tmp_path: Path, now) -> None:
    form = _form()
    for _ in range(2):
        result = _submit(session, tmp_path, now, form, [Upload("a.jpg", io.BytesIO(gps_jpeg()))])
    assert result.ticket is not None
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(Attachment)
        .where(Attachment.ticket_id == result.ticket.id)
    )
    assert count == 1
