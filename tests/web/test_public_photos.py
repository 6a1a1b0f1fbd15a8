"""The tracking page shows the field team's after photo — without location data — and
nothing else: before photos and other tickets' photos are a 404."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from himcrm.channels.field import close_work, start_work
from himcrm.models import Attachment, utcnow
from himcrm.tickets.attachments import upload_root
from tests import factories as f
from tests.channels.test_field import GPS_IFD, Team, photo


@pytest.fixture
def closed(app: Flask, web_db: Session) -> tuple[str, Attachment, Attachment]:
    team = Team(web_db)
    ticket = f.ticket(web_db, topic_code=team.direct.code, now=utcnow())
    root = upload_root(Path(app.instance_path))
    start_work(web_db, team.user, ticket, [photo("once.jpg")], upload_root=root)
    close_work(
        web_db,
        team.user,
        ticket,
        "Çukur kapatıldı.",
        after_photos=[photo("sonra.jpg")],
        upload_root=root,
    )
    web_db.commit()
    before, after = sorted(ticket.attachments, key=lambda a: a.is_public)
    assert after.is_public and not before.is_public
    return ticket.tracking_token, before, after


def test_tracking_page_shows_the_after_photo_without_exif(
    client: FlaskClient, closed: tuple[str, Attachment, Attachment]
) -> None:
    token, before, after = closed
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert f"/t/{token}/photo/{after.id}" in page
    assert f"/photo/{before.id}" not in page
    response = client.get(f"/t/{token}/photo/{after.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "sonra" not in response.headers.get("Content-Disposition", "")  # staff file name
    image = Image.open(io.BytesIO(response.get_data()))
    assert not image.getexif().get_ifd(GPS_IFD) and not image.getexif()


def test_private_and_foreign_photos_are_404(
    client: FlaskClient, web_db: Session, closed: tuple[str, Attachment, Attachment]
) -> None:
    token, before, after = closed
    assert client.get(f"/t/{token}/photo/{before.id}").status_code == 404
    other = f.ticket(web_db, topic_code=None, now=utcnow())
    web_db.commit()
    assert client.get(f"/t/{other.tracking_token}/photo/{after.id}").status_code == 404
    assert client.get(f"/t/wrong-token/photo/{after.id}").status_code == 404
