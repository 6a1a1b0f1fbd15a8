"""Links between screens: the voice mail behind a ticket, the KVKK page of its citizen,
the open-data download, the field team's menu."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import Call, CallDirection, CallStatus, utcnow
from tests import factories as f
from tests.web.conftest import login

RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE123"


def test_a_voice_mail_ticket_links_its_recording(client: FlaskClient, web_db: Session) -> None:
    call = Call(
        provider="twilio",
        external_id="CA-links-1",
        direction=CallDirection.INBOUND,
        status=CallStatus.VOICEMAIL,
        started_at=utcnow(),
        recording_url=RECORDING,
    )
    web_db.add(call)
    web_db.flush()
    ticket = f.ticket(web_db, topic_code=None, now=utcnow(), channel="phone")
    ticket.call_id = call.id
    web_db.commit()
    login(client, "backoffice")
    for path in (f"/triage/{ticket.number}", f"/tickets/{ticket.number}"):
        page = client.get(path).get_data(as_text=True)
        assert RECORDING in page and 'rel="noopener noreferrer"' in page, path


def test_admins_reach_the_kvkk_page_from_the_ticket(client: FlaskClient, web_db: Session) -> None:
    ticket = f.ticket(web_db, topic_code=None, now=utcnow())
    web_db.commit()
    login(client, "admin")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert f"/privacy/citizens/{ticket.citizen_id}" in page


def test_supervisors_see_the_open_data_download(client: FlaskClient) -> None:
    login(client, "yonetici")
    page = client.get("/reports/?period=month").get_data(as_text=True)
    assert "/reports/open-data.csv" in page


def test_field_teams_have_their_menu(client: FlaskClient) -> None:
    login(client, "saha")
    page = client.get("/field/").get_data(as_text=True)
    assert 'href="/field/"' in page
