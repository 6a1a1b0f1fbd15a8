"""Open311 GeoReport v2 over HTTP: every endpoint in XML and JSON, from the spec's examples."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from himcrm.api_keys import create_client
from himcrm.models import SCOPE_OPEN311, Citizen, Ticket, TicketEvent
from tests import factories as f

BASE = "/open311/v2"
POTHOLE = "FEN.YOL.01"
NAME, SURNAME = "Zeynep", "Karaçam"
PHONE, EMAIL = "0532 765 43 21", "zeynep.karacam@example.org"
DESCRIPTION = "Kapımın önündeki çukura düştüm, dizim yaralandı."
STREET = "1456/7 Sokak No: 12 Daire 3"


@pytest.fixture
def api_key(web_db: Session) -> str:
    _client, key = create_client(web_db, name="Mahalle Uygulaması", scopes=[SCOPE_OPEN311])
    web_db.commit()
    return key


def spec_example(key: str, **changes: str) -> dict[str, str]:
    """The spec's example POST body, with İzmir's service code, place and attributes."""
    body = {
        "api_key": key,
        "jurisdiction_id": "izmir.bel.tr",
        "service_code": POTHOLE,
        "lat": "38.43712345",
        "long": "27.14298765",
        "address_string": STREET,
        "email": EMAIL,
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": NAME,
        "last_name": SURNAME,
        "phone": PHONE,
        "description": DESCRIPTION,
        "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
        "attribute[district]": "KONAK",
        "attribute[neighbourhood]": "Alsancak",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def parse(response: TestResponse, fmt: str) -> Any:
    """The body as Python data: JSON as is, XML as (root tag, list of child dicts or dict)."""
    if fmt == "json":
        assert response.content_type == "application/json; charset=utf-8"
        return json.loads(response.data)
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return xml_root(response.data)


def xml_root(body: bytes) -> ET.Element:
    return ET.fromstring(body)  # noqa: S314 -- our own response, not untrusted input


def xml_items(root: ET.Element) -> list[dict[str, str]]:
    return [{child.tag: child.text or "" for child in item} for item in root]


def errors(response: TestResponse, fmt: str) -> list[dict[str, str]]:
    data = parse(response, fmt)
    if fmt == "json":
        return list(data)
    assert data.tag == "errors"
    return xml_items(data)


def count(web_db: Session, model: type) -> int:
    web_db.expire_all()
    return web_db.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def post(client: FlaskClient, fmt: str, body: dict[str, str], **kw: Any) -> TestResponse:
    return client.post(f"{BASE}/requests.{fmt}", data=body, **kw)


# --------------------------------------------------------------------------- discovery and services


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_discovery(client: FlaskClient, fmt: str) -> None:
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert data["changeset"] and data["key_service"] and data["contact"]
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2")
    else:
        assert data.tag == "discovery"
        assert data.findtext("endpoints/endpoint/specification") == (
            "http://wiki.open311.org/GeoReport_v2"
        )
        assert [e.text for e in data.findall("endpoints/endpoint/formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_services(client: FlaskClient, fmt: str) -> None:
    response = client.get(f"{BASE}/services.{fmt}?jurisdiction_id=izmir.bel.tr")
    assert response.status_code == 200
    data = parse(response, fmt)
    services = data if fmt == "json" else xml_items(data)
    by_code = {s["service_code"]: s for s in services}
    pothole = by_code[POTHOLE]
    assert pothole["service_name"] == "Yolda çukur, asfalt bozukluğu"
    assert pothole["group"] == "Yol ve Asfalt"
    assert pothole["type"] == "realtime"
    assert pothole["metadata"] in (True, "true")
    assert "SOS.KORUMA.01" not in by_code and "FEN" not in by_code


def test_service_names_follow_the_request_locale(client: FlaskClient) -> None:
    response = client.get(f"{BASE}/services.json", headers={"Accept-Language": "en"})
    by_code = {s["service_code"]: s for s in response.get_json()}
    assert by_code[POTHOLE]["service_name"] == "Pothole or damaged road surface"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_service_definition(client: FlaskClient, fmt: str) -> None:
    response = client.get(f"{BASE}/services/{POTHOLE}.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        assert data["service_code"] == POTHOLE
        district = next(a for a in data["attributes"] if a["code"] == "district")
        assert district["datatype"] == "singlevaluelist" and district["required"] is True
        assert {"key": "KONAK", "name": "Konak"} in district["values"]
        assert district["variable"] is True and district["order"] == 2
    else:
        assert data.tag == "service_definition"
        assert data.findtext("service_code") == POTHOLE
        codes = [a.findtext("code") for a in data.findall("attributes/attribute")]
        assert codes == ["request_type", "district", "neighbourhood"]
        keys = [v.text for v in data.findall("attributes/attribute[2]/values/value/key")]
        assert "KONAK" in keys


# --------------------------------------------------------------------------- POST, GET one, tokens


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_spec_example_post_then_read_it_back(
    client: FlaskClient, web_db: Session, api_key: str, fmt: str
) -> None:
    response = post(client, fmt, spec_example(api_key))
    assert response.status_code == 200, response.data
    data = parse(response, fmt)
    if fmt == "json":
        (created,) = data
    else:
        assert data.tag == "service_requests"
        (created,) = xml_items(data)
    number, token = created["service_request_id"], created["token"]
    assert isinstance(number, str) and number in created["service_notice"]
    assert created["account_id"] == "123456"
    web_db.expire_all()
    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.number == number))
    assert ticket is not None and ticket.tracking_token == token
    assert ticket.citizen is not None and ticket.citizen.email == EMAIL

    one = client.get(f"{BASE}/requests/{number}.{fmt}?jurisdiction_id=izmir.bel.tr")
    assert one.status_code == 200
    data = parse(one, fmt)
    (request,) = data if fmt == "json" else xml_items(data)
    assert request["service_request_id"] == number and request["status"] == "open"
    assert request["service_code"] == POTHOLE
    assert request["requested_datetime"].endswith("+03:00")
    assert request["address"] == "Alsancak, Konak"
    assert str(request["lat"]) == "38.437" and str(request["long"]) == "27.143"

    mapped = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert mapped.status_code == 200
    data = parse(mapped, fmt)
    (pair,) = data if fmt == "json" else xml_items(data)
    assert pair == {"service_request_id": number, "token": token}


def test_retry_is_idempotent(client: FlaskClient, web_db: Session, api_key: str) -> None:
    first = post(client, "json", spec_example(api_key)).get_json()[0]
    tickets, events = count(web_db, Ticket), count(web_db, TicketEvent)
    again = post(client, "json", spec_example(api_key)).get_json()[0]
    assert again["service_request_id"] == first["service_request_id"]
    assert (count(web_db, Ticket), count(web_db, TicketEvent)) == (tickets, events)

    keyed = {"Idempotency-Key": "9f1c2a"}
    a = post(client, "xml", spec_example(api_key, description="Bir"), headers=keyed)
    b = post(client, "xml", spec_example(api_key, description="İki"), headers=keyed)
    assert a.status_code == b.status_code == 200
    number_a = xml_root(a.data).findtext("request/service_request_id")
    assert number_a and number_a == xml_root(b.data).findtext("request/service_request_id")
    assert number_a != first["service_request_id"]
    assert count(web_db, Ticket) == tickets + 1


# --------------------------------------------------------------------------- GET requests


def test_get_requests_filters(client: FlaskClient, web_db: Session, api_key: str) -> None:
    pothole = post(client, "json", spec_example(api_key)).get_json()[0]["service_request_id"]
    water = post(client, "json", spec_example(api_key, service_code="SU.ABONE.01")).get_json()[0][
        "service_request_id"
    ]

    def numbers(query: str, fmt: str = "json") -> list[str]:
        response = client.get(f"{BASE}/requests.{fmt}?{query}")
        assert response.status_code == 200, response.data
        data = parse(response, fmt)
        items = data if fmt == "json" else xml_items(data)
        return [r["service_request_id"] for r in items]

    assert {pothole, water} <= set(numbers(""))
    assert {pothole, water} <= set(numbers("", "xml"))
    assert water not in numbers(f"service_code={POTHOLE}")
    assert set(numbers(f"service_code={POTHOLE},SU.ABONE.01")) >= {pothole, water}
    assert numbers(f"service_request_id={water},{pothole}") == [water, pothole]
    assert pothole not in numbers("status=closed")
    assert pothole in numbers("status=open")
    assert numbers("start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z") == []


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_public_output_carries_no_personal_data(
    client: FlaskClient, api_key: str, fmt: str
) -> None:
    number = post(client, "json", spec_example(api_key)).get_json()[0]["service_request_id"]
    bodies = [
        client.get(f"{BASE}/requests.{fmt}").get_data(as_text=True),
        client.get(f"{BASE}/requests.{fmt}?service_request_id={number}").get_data(as_text=True),
        client.get(f"{BASE}/requests/{number}.{fmt}").get_data(as_text=True),
    ]
    for body in bodies:
        assert number in body
        for personal in (
            NAME,
            SURNAME,
            "765 43 21",
            "7654321",
            "zeynep.karacam",
            EMAIL,
            "dizim yaralandı",
            "1456/7",
            "tt222111",
            "flickr",
            "38.43712345",
        ):
            assert personal not in body, personal


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_missing_or_wrong_api_key_is_403(
    client: FlaskClient, web_db: Session, api_key: str, fmt: str
) -> None:
    before = count(web_db, Ticket), count(web_db, Citizen)
    missing = post(client, fmt, spec_example(api_key, api_key=None))  # type: ignore[arg-type]
    assert missing.status_code == 403
    (error,) = errors(missing, fmt)
    assert error["code"] == "403" and "api_key" in error["description"]
    wrong = post(client, fmt, spec_example(api_key + "x"))
    assert wrong.status_code == 403 and errors(wrong, fmt)[0]["code"] == "403"
    assert (count(web_db, Ticket), count(web_db, Citizen)) == before


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"service_code": "NOPE.99"}, 404, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"jurisdiction_id": "sfgov.org"}, 404, "jurisdiction_id"),
        ({"lat": None, "long": None, "address_string": None}, 400, "lat"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "1e999"}, 400, "lat"),
        ({"phone": "abc"}, 400, "phone"),
        ({"description": "\x00"}, 400, "description"),
        ({"attribute[": "x"}, 400, "attribute["),
        ({"attribute[WHISPAWN]": "123456"}, 400, "attribute[WHISPAWN]"),
    ],
)
def test_bad_posts_are_errors_in_the_spec_format(
    client: FlaskClient,
    web_db: Session,
    api_key: str,
    fmt: str,
    changes: dict[str, str | None],
    status: int,
    field: str,
) -> None:
    before = count(web_db, Ticket), count(web_db, Citizen), count(web_db, TicketEvent)
    response = post(client, fmt, spec_example(api_key, **changes))  # type: ignore[arg-type]
    assert response.status_code == status, response.data
    (error,) = errors(response, fmt)
    assert error["code"] == str(status)
    assert error["description"].startswith(f"{field}:")
    assert (count(web_db, Ticket), count(web_db, Citizen), count(web_db, TicketEvent)) == before


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/requests.{fmt}?start_date=2026-13-40", 400),
        ("/requests.{fmt}?start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z", 400),
        ("/requests.{fmt}?end_date=2026-01-01T00:00:00", 400),
        ("/requests.{fmt}?status=pending", 400),
        ("/requests.{fmt}?service_request_id=%27%20OR%201=1", 400),
        ("/requests.{fmt}?jurisdiction_id=sfgov.org", 404),
        ("/requests.{fmt}?service_code=%00", 400),
        ("/requests/2026-999999.{fmt}", 404),
        ("/requests/garbage.{fmt}", 404),
        ("/services/NOPE.{fmt}", 404),
        ("/services.{fmt}?jurisdiction_id=sfgov.org", 404),
        ("/tokens/doesnotexist0000000000.{fmt}", 404),
        ("/nothing-here.{fmt}", 404),
    ],
)
def test_bad_reads_are_errors_in_the_spec_format(
    client: FlaskClient, path: str, status: int, fmt: str
) -> None:
    response = client.get(BASE + path.format(fmt=fmt))
    assert response.status_code == status, response.data
    (error,) = errors(response, fmt)
    assert error["code"] == str(status) and error["description"]


def test_unknown_format_is_a_404_in_xml(client: FlaskClient) -> None:
    response = client.get(f"{BASE}/services.html")
    assert response.status_code == 404
    assert errors(response, "xml")[0]["code"] == "404"


def test_other_methods_and_odd_bodies_are_4xx(client: FlaskClient, api_key: str) -> None:
    put = client.put(f"{BASE}/requests.json", data={"api_key": api_key})
    assert put.status_code == 405 and errors(put, "json")[0]["code"] == "405"
    assert client.delete(f"{BASE}/services.xml").status_code == 405
    ids = ",".join(f"2026-{n:06d}" for n in range(1001))
    too_many = client.get(f"{BASE}/requests.json?service_request_id={ids}")
    assert too_many.status_code == 400
    latin1 = client.post(
        f"{BASE}/requests.json",
        data=b"api_key=" + api_key.encode() + b"&service_code=\xff\xfe&lat=1&long=2",
        content_type="application/x-www-form-urlencoded",
    )
    assert 400 <= latin1.status_code < 500
    assert errors(latin1, "json")[0]["code"] == str(latin1.status_code)
    huge = client.post(f"{BASE}/requests.json", data=spec_example(api_key, lat="1" * 5000))
    assert huge.status_code == 400


def test_private_ticket_is_not_readable(client: FlaskClient, web_db: Session) -> None:
    from datetime import UTC, datetime

    ticket = f.ticket(web_db, topic_code="SOS.KORUMA.01", now=datetime.now(UTC))
    web_db.commit()
    assert client.get(f"{BASE}/requests/{ticket.number}.json").status_code == 404
    listed = client.get(f"{BASE}/requests.json?service_request_id={ticket.number}").get_json()
    assert listed == []


def test_posting_is_rate_limited_per_key(client: FlaskClient, api_key: str) -> None:
    """The per-key limit holds even for requests that fail (a key-guessing run)."""
    wrong = api_key.split(".")[0] + ".guess"
    statuses = [post(client, "json", {"api_key": wrong}).status_code for _ in range(61)]
    assert statuses[:60] == [403] * 60
    assert statuses[60] == 429
    limited = post(client, "json", {"api_key": wrong})
    assert limited.get_json()[0]["code"] == "429"
