"""Open311 GeoReport v2 services: catalogue, intake, public queries, parsing, rendering."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.api_keys import create_client
from himcrm.channels.open311 import catalogue, params, public, render, submit
from himcrm.errors import NotFound, PermissionDenied, ValidationError
from himcrm.models import (
    SCOPE_API,
    SCOPE_OPEN311,
    ApiClient,
    Channel,
    Citizen,
    EventKind,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
    TicketType,
)
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.conftest import topic

POTHOLE = "FEN.YOL.01"  # public, requires a location, no approval step


@pytest.fixture
def client(session: Session) -> ApiClient:
    row, _key = create_client(session, name="Mahalle Uygulaması", scopes=[SCOPE_OPEN311])
    return row


def form(**values: str | list[str]) -> dict[str, list[str]]:
    """Parameters as the view hands them over: every name with all its values."""
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


def example(**overrides: str | list[str]) -> dict[str, list[str]]:
    """The spec's example POST, with İzmir's codes and places."""
    values: dict[str, str | list[str]] = {
        "service_code": POTHOLE,
        "lat": "38.41885",
        "long": "27.12872",
        "address_string": "1203/4 Sokak No: 5, Konak",
        "email": "ayse.yilmaz@example.org",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "phone": "0532 111 22 33",
        "description": "Büyük bir çukur yolu bozuyor.",
        "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
        "attribute[district]": "KONAK",
        "attribute[neighbourhood]": "Alsancak",
    }
    values.update(overrides)
    return form(**values)


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# --------------------------------------------------------------------------- catalogue


def test_services_are_the_public_active_leaves(session: Session) -> None:
    topic(session, "ULS.OTOBUS.01").is_active = False
    session.flush()
    services = {s["service_code"]: s for s in catalogue.service_list(session, locale="tr")}
    pothole = services[POTHOLE]
    assert pothole["service_name"] == "Yolda çukur, asfalt bozukluğu"
    assert pothole["group"] == "Yol ve Asfalt"
    assert pothole["metadata"] is True and pothole["type"] == "realtime"
    assert pothole["keywords"].startswith("çukur, cukur, asfalt")
    assert "FEN" not in services and "FEN.YOL" not in services  # groups
    assert "SOS.KORUMA.01" not in services  # not public
    assert "ULS.OTOBUS.01" not in services  # inactive
    assert all(isinstance(s["service_code"], str) for s in services.values())
    english = {s["service_code"]: s for s in catalogue.service_list(session, locale="en")}
    assert english[POTHOLE]["service_name"] == "Pothole or damaged road surface"
    assert english[POTHOLE]["group"] == "Roads and asphalt"


def test_service_definition_attributes_come_from_our_data(session: Session) -> None:
    definition = catalogue.service_definition(session, POTHOLE, locale="tr")
    assert definition["service_code"] == POTHOLE
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3]
    assert attrs["request_type"]["datatype"] == "singlevaluelist"
    assert {v["key"] for v in attrs["request_type"]["values"]} == {t.value for t in TicketType}
    assert attrs["district"]["required"] is True  # the topic requires a location
    assert {"key": "KONAK", "name": "Konak"} in attrs["district"]["values"]
    assert attrs["neighbourhood"]["datatype"] == "string"
    assert attrs["neighbourhood"]["values"] == []
    info = catalogue.service_definition(session, "SU.ABONE.01", locale="tr")
    assert {a["code"]: a["required"] for a in info["attributes"]}["district"] is False


@pytest.mark.parametrize("code", ["NOPE.01", "FEN.YOL", "SOS.KORUMA.01", ""])
def test_unknown_group_or_private_service_is_not_found(session: Session, code: str) -> None:
    with pytest.raises(NotFound):
        catalogue.service_definition(session, code, locale="tr")


def test_discovery_lists_one_production_endpoint(session: Session) -> None:
    document = catalogue.discovery(
        session, endpoint_url="https://him.example.org/open311/v2", timezone="Europe/Istanbul"
    )
    (endpoint,) = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://him.example.org/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert document["changeset"] and document["changeset"] == endpoint["changeset"]


# --------------------------------------------------------------------------- POST


def test_key_is_required_and_scoped(session: Session, now: datetime) -> None:
    with pytest.raises(PermissionDenied) as missing:
        submit.authenticate_client(session, "", now)
    assert missing.value.field == "api_key"
    with pytest.raises(PermissionDenied):
        submit.authenticate_client(session, "abcd1234.wrong", now)
    staff = f.staff(session, Role.ADMIN, None)
    _api_only, key = create_client(session, name="REST", scopes=[SCOPE_API], user=staff)
    with pytest.raises(PermissionDenied):
        submit.authenticate_client(session, key, now)
    _row, good = create_client(session, name="Open311", scopes=[SCOPE_OPEN311])
    assert submit.authenticate_client(session, good, now).key_prefix == good.split(".")[0]


def test_spec_example_files_a_ticket_through_intake(
    session: Session, client: ApiClient, now: datetime
) -> None:
    done = submit.submit_request(session, client, example(), now=now)
    ticket = done.ticket
    assert done.created and done.account_id == "123456"
    assert ticket.channel == Channel.OPEN311
    assert ticket.topic_code is not None and ticket.topic_code.code == POTHOLE
    assert ticket.status == TicketStatus.ROUTED and ticket.department is not None
    assert ticket.district is not None and ticket.district.code == "KONAK"
    assert ticket.neighbourhood == "Alsancak"
    assert ticket.address == "1203/4 Sokak No: 5, Konak"
    assert (ticket.latitude, ticket.longitude) == (38.41885, 27.12872)
    assert ticket.description == "Büyük bir çukur yolu bozuyor."
    assert ticket.type == TicketType.REQUEST
    assert ticket.citizen is not None and ticket.citizen.full_name == "Ayşe Yılmaz"
    assert ticket.citizen.phone == "+905321112233"
    assert ticket.external_id is not None and ticket.external_id.startswith(client.key_prefix)
    events = {e.kind: e for e in ticket.events}
    assert events[EventKind.CREATED].actor_label == f"open311:{client.key_prefix}"
    note = events[EventKind.NOTE]
    assert "media_url: http://farm3.static.flickr.com/" in note.reason
    assert note.data["open311"]["device_id"] == "tt222111"

    (answer,) = submit.response(done, locale="tr")
    assert answer["service_request_id"] == ticket.number
    assert answer["token"] == ticket.tracking_token
    assert ticket.number in answer["service_notice"]
    assert answer["account_id"] == "123456"


def test_retry_returns_the_first_ticket(session: Session, client: ApiClient, now: datetime) -> None:
    first = submit.submit_request(session, client, example(), now=now)
    tickets, events = count(session, Ticket), count(session, TicketEvent)
    again = submit.submit_request(session, client, example(), now=now + timedelta(minutes=1))
    assert not again.created and again.ticket.id == first.ticket.id
    assert (count(session, Ticket), count(session, TicketEvent)) == (tickets, events)
    # A different body is a different request, unless the client says it is a retry.
    other = submit.submit_request(session, client, example(description="Başka"), now=now)
    assert other.created
    keyed = submit.submit_request(session, client, example(), now=now, idempotency_key="r-1")
    retried = submit.submit_request(
        session, client, example(description="değişti"), now=now, idempotency_key="r-1"
    )
    assert keyed.created and not retried.created and retried.ticket.id == keyed.ticket.id


def test_another_client_with_the_same_body_is_another_request(
    session: Session, client: ApiClient, now: datetime
) -> None:
    other, _key = create_client(session, name="Başka uygulama", scopes=[SCOPE_OPEN311])
    a = submit.submit_request(session, client, example(), now=now)
    b = submit.submit_request(session, other, example(), now=now)
    assert a.ticket.id != b.ticket.id


def test_district_is_read_from_the_address_when_not_given(
    session: Session, client: ApiClient, now: datetime
) -> None:
    values = example(**{"address_string": "Kıbrıs Şehitleri Cd. 10, KONAK, İzmir"})
    del values["attribute[district]"], values["lat"], values["long"]
    ticket = submit.submit_request(session, client, values, now=now).ticket
    assert ticket.district is not None and ticket.district.code == "KONAK"
    assert ticket.latitude is None


def test_address_id_is_a_location_and_kept_as_text(
    session: Session, client: ApiClient, now: datetime
) -> None:
    values = example(address_id="545483")
    del values["address_string"], values["lat"], values["long"]
    ticket = submit.submit_request(session, client, values, now=now).ticket
    assert ticket.address == "address_id 545483"


def test_attributes_set_type_and_an_empty_description_uses_the_service_name(
    session: Session, client: ApiClient, now: datetime
) -> None:
    values = example(description="", **{"attribute[request_type]": "complaint"})
    ticket = submit.submit_request(session, client, values, now=now).ticket
    assert ticket.type == TicketType.COMPLAINT
    assert ticket.description == "Yolda çukur, asfalt bozukluğu"


@pytest.mark.parametrize(
    ("changes", "removed", "field"),
    [
        ({}, ("lat", "long", "address_string"), "lat"),
        ({"lat": "abc"}, (), "lat"),
        ({"lat": "91"}, (), "lat"),
        ({"long": "nan"}, (), "long"),
        ({}, ("long",), "long"),
        ({"service_code": ""}, (), "service_code"),
        ({"attribute[colour]": "red"}, (), "attribute[colour]"),
        ({"attribute[district]": ["KONAK", "BORNOVA"]}, (), "attribute[district]"),
        ({"attribute[district]": "NOWHERE"}, (), "attribute[district]"),
        ({"attribute[request_type]": "bribe"}, (), "attribute[request_type]"),
        ({"phone": "12"}, (), "phone"),
        ({"email": "not-an-address"}, (), "email"),
        ({"description": "x" * 4001}, (), "description"),
        ({"description": "a\x00b"}, (), "description"),
        ({"first_name": "Ali\nVeli"}, (), "first_name"),
        ({"media_url": "file:///etc/passwd"}, (), "media_url"),
        ({"email": ["a@example.org", "b@example.org"]}, (), "email"),
        ({"address_string": "Alsancak"}, ("attribute[district]", "lat", "long"), None),
    ],
)
def test_bad_input_names_the_parameter_and_writes_nothing(
    session: Session,
    client: ApiClient,
    now: datetime,
    changes: dict[str, str | list[str]],
    removed: tuple[str, ...],
    field: str | None,
) -> None:
    values = example(**changes)
    for name in removed:
        values.pop(name, None)
    before = (count(session, Ticket), count(session, Citizen), count(session, TicketEvent))
    with pytest.raises(ValidationError) as refused:
        submit.submit_request(session, client, values, now=now)
    assert refused.value.field == (field or "attribute[district]")
    assert (count(session, Ticket), count(session, Citizen), count(session, TicketEvent)) == before


def test_unknown_service_code_is_not_found(
    session: Session, client: ApiClient, now: datetime
) -> None:
    with pytest.raises(NotFound):
        submit.submit_request(session, client, example(service_code="SOS.KORUMA.01"), now=now)


# --------------------------------------------------------------------------- public side


def test_default_window_is_the_last_90_days(now: datetime) -> None:
    query = public.parse_query({}, now=now, timezone="Europe/Istanbul")
    assert query.end == now and query.start == now - timedelta(days=90)
    query = public.parse_query(
        {"start_date": "2026-11-01T00:00:00Z"}, now=now, timezone="Europe/Istanbul"
    )
    assert query.end == datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=90)
    query = public.parse_query(
        {"service_request_id": "2026-000001,2026-000002", "status": "bogus"},
        now=now,
        timezone="Europe/Istanbul",
    )
    assert query.numbers == ("2026-000001", "2026-000002")  # overrides everything else


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "start_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-11-01T10:00:00"}, "end_date"),  # no offset
        ({"status": "open,pending"}, "status"),
        ({"service_request_id": "1; DROP TABLE tickets"}, "service_request_id"),
    ],
)
def test_bad_query_parameters(now: datetime, values: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        public.parse_query(values, now=now, timezone="Europe/Istanbul")
    assert refused.value.field == field


def test_public_request_shows_no_personal_data(
    session: Session, client: ApiClient, now: datetime
) -> None:
    ticket = submit.submit_request(session, client, example(), now=now).ticket
    out = public.public_request(ticket, locale="tr", timezone="Europe/Istanbul")
    assert out["service_request_id"] == ticket.number and out["status"] == "open"
    assert out["service_code"] == POTHOLE
    assert out["description"] is None and out["media_url"] is None
    assert out["address"] == "Alsancak, Konak"
    assert (out["lat"], out["long"]) == (38.419, 27.129)
    assert out["requested_datetime"] == "2026-11-17T10:00:00+03:00"
    assert out["expected_datetime"] is not None
    assert out["agency_responsible"] == ticket.department.name  # type: ignore[union-attr]
    text = json.dumps(out, ensure_ascii=False)
    for personal in ("Ayşe", "Yılmaz", "5321112233", "example.org", "çukur yolu", "1203/4"):
        assert personal not in text


def test_find_requests_filters_and_maps_status(
    session: Session, client: ApiClient, now: datetime
) -> None:
    tz = "Europe/Istanbul"
    open_one = submit.submit_request(session, client, example(), now=now).ticket
    closed = submit.submit_request(session, client, example(description="iki"), now=now).ticket
    lifecycle.answer(closed, Actor.system(), now=now + timedelta(hours=1))
    other = submit.submit_request(
        session, client, example(service_code="SU.ABONE.01", description="üç"), now=now
    ).ticket
    private = f.ticket(session, topic_code="SOS.KORUMA.01", now=now)
    untriaged = f.ticket(session, topic_code=None, now=now)

    def numbers(**values: str) -> set[str]:
        query = public.parse_query(values, now=now + timedelta(days=1), timezone=tz)
        return {t.number for t in public.find_requests(session, query)}

    everything = numbers()
    assert {open_one.number, closed.number, other.number} <= everything
    assert private.number not in everything and untriaged.number not in everything
    assert closed.number in numbers(status="closed")
    assert open_one.number not in numbers(status="closed")
    assert closed.number not in numbers(status="open")
    assert numbers(status="open,closed") == everything
    assert other.number not in numbers(service_code=POTHOLE)
    assert numbers(service_request_id=f"{closed.number},{private.number}") == {closed.number}
    assert open_one.number not in numbers(end_date="2026-11-01T00:00:00+03:00")
    out = public.public_request(closed, locale="en", timezone=tz)
    assert out["status"] == "closed" and out["status_notes"] == "Answered"
    assert out["expected_datetime"] is None
    with pytest.raises(NotFound):
        public.find_request(session, private.number)
    assert public.find_request(session, open_one.number) is open_one


def test_listing_is_one_query_whatever_the_number_of_tickets(
    session: Session, client: ApiClient, now: datetime
) -> None:
    for n in range(5):
        submit.submit_request(session, client, example(description=f"#{n}"), now=now)
    session.expire_all()
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        query = public.parse_query({}, now=now + timedelta(hours=1), timezone="Europe/Istanbul")
        tickets = public.find_requests(session, query)
        out = [public.public_request(t, locale="tr", timezone="Europe/Istanbul") for t in tickets]
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert len(out) >= 5
    assert len(statements) == 1, statements


def test_tokens_map_only_open311_tickets(
    session: Session, client: ApiClient, now: datetime
) -> None:
    ticket = submit.submit_request(session, client, example(), now=now).ticket
    assert public.number_for_token(session, ticket.tracking_token) == ticket.number
    phone = f.ticket(session, topic_code=POTHOLE, now=now)
    for token in (phone.tracking_token, "short", "x" * 43, "../../etc"):
        with pytest.raises(NotFound):
            public.number_for_token(session, token)


# --------------------------------------------------------------------------- parsing and output


def test_w3c_datetimes() -> None:
    tz = "Europe/Istanbul"
    assert params.w3c_datetime("2010-01-01T00:00:00Z", "d", timezone=tz) == datetime(
        2010, 1, 1, tzinfo=UTC
    )
    parsed = params.w3c_datetime("1994-11-05T08:15:30-05:00", "d", timezone=tz)
    assert parsed == datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC)
    day = params.w3c_datetime("2026-11-17", "d", timezone=tz)
    assert day is not None and day.astimezone(UTC) == datetime(2026, 11, 16, 21, 0, tzinfo=UTC)
    assert params.w3c_datetime("", "d", timezone=tz) is None
    for bad in ("2010-13-01T00:00:00Z", "2010-01-01T00:00:00", "2010-01-01 00:00Z", "🙂"):
        with pytest.raises(ValidationError):
            params.w3c_datetime(bad, "d", timezone=tz)
    assert render.w3c_datetime(datetime(2026, 11, 17, 7, tzinfo=UTC), tz) == (
        "2026-11-17T10:00:00+03:00"
    )


def test_attribute_parsing_single_and_multi_values() -> None:
    parsed = params.attributes(
        [
            ("attribute[WHISPAWN]", "123456"),
            ("attribute[code1][]", "value1"),
            ("attribute[code1][]", "value2"),
            ("service_code", "001"),
        ]
    )
    assert parsed["WHISPAWN"] == params.AttributeValue(("123456",), False)
    assert parsed["code1"] == params.AttributeValue(("value1", "value2"), True)
    for bad in ("attribute[", "attribute[a b]", "attributes[x]"):
        with pytest.raises(ValidationError):
            params.attributes([(bad, "v")])
    with pytest.raises(ValidationError):
        params.attributes([("attribute[x]", "1"), ("attribute[x][]", "2")])


def test_xml_is_escaped_and_well_formed() -> None:
    document = [{"service_code": "A&B", "service_name": "<b>\x01\"'", "metadata": True, "x": None}]
    body = render.to_xml("services", document)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(body)  # noqa: S314 -- our own output, not untrusted input
    service = root.find("service")
    assert root.tag == "services" and service is not None
    assert service.findtext("service_code") == "A&B"
    assert service.findtext("service_name") == "<b>\"'"
    assert service.findtext("metadata") == "true" and service.findtext("x") == ""
    nested = render.to_xml("service_definition", {"attributes": [{"values": [{"key": "1"}]}]})
    parsed = ET.fromstring(nested)  # noqa: S314 -- our own output
    assert parsed.findtext("attributes/attribute/values/value/key") == "1"
    assert json.loads(render.to_json(document))[0]["service_name"] == "<b>\x01\"'"
