"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): services for the web layer.

Modules: :mod:`.catalogue` (discovery, services, service definitions),
:mod:`.submit` (POST requests, through the one intake service), :mod:`.public`
(GET requests, requests/{id}, tokens/{token}), :mod:`.params` (parameter parsing)
and :mod:`.render` (XML and JSON). The blueprint is :mod:`himcrm.web.open311`.

Decisions
---------
Services
    Every public (``TopicCode.is_public``), active leaf topic is a service:
    ``service_code`` is the topic code, ``service_name`` its name in the request's
    locale, ``group`` the parent topic's name, ``keywords`` the topic's search
    words comma-separated, ``type`` always ``realtime`` (the ticket number is
    known at once). ``metadata`` is true for every service: all take attributes.

Service definitions (attributes, the same for every service, from our own data)
    ``request_type``  singlevaluelist of TicketType (request, complaint, ...);
                      optional, default ``request``.
    ``district``      singlevaluelist of district codes (KONAK, BORNOVA, ...);
                      required when the topic requires a location (routing by
                      district depends on it). When absent, a district named as a
                      word in ``address_string`` is used if exactly one is.
    ``neighbourhood`` string; optional.
    Unknown attribute codes, and several values for these single-value
    attributes (``attribute[district][]=...`` twice), are a 400.

POST requests
    ``api_key`` of a client registered with ``flask api-client NAME --scope
    open311`` (403 otherwise). Location: ``lat`` and ``long`` together, or
    ``address_string``, or ``address_id`` (we hold no master address repository,
    so the id is kept as the address text for staff). ``description`` is at most
    4,000 characters (the spec's limit); when empty the service name is used.
    Contact fields become the citizen (first and last name joined); the
    acknowledgement SMS/e-mail with the tracking link follows as for any channel.
    ``media_url`` (http/https only), ``device_id`` and ``account_id`` are kept as a
    staff-only note on the ticket; the server never fetches ``media_url`` (SSRF).
    The actor of the creation is ``open311:<key prefix>``.

Idempotency
    The ticket's external id is per client: ``<key prefix>:k:<Idempotency-Key>``
    when the client sends an ``Idempotency-Key`` header, otherwise
    ``<key prefix>:<SHA-256 of every parameter except api_key and
    jurisdiction_id>``. A retry (or an identical resubmission) therefore gets the
    first ticket back and records nothing new; the unique (channel, external id)
    index settles concurrent retries.

Response
    ``service_request_id`` is the ticket number (``2026-000123``) and ``token`` the
    ticket's tracking token (the one in the citizen's ``/t/<token>`` link, which
    shows no personal data). ``tokens/{token}`` maps it back to the number, for
    Open311 tickets only. The spec allows either field; we return both, since the
    number is known at once.

Public output (GET requests, requests/{id}; no key needed)
    Only tickets filed under a public topic. No personal data: no description
    (free text), no media_url (a third party's photo we cannot vet), the address
    reduced to "neighbourhood, district", ``lat``/``long`` rounded to 3 decimals
    (about 100 m). ``status`` is ``open`` while the ticket waits for the
    municipality, ``closed`` once answered, closed, merged or out of scope;
    ``status_notes`` is a fixed text per status, not the approved answer (written
    to the citizen, it may name them). ``agency_responsible`` is the department,
    ``expected_datetime`` the resolution due time of an open ticket. Defaults are
    the spec's: the last 90 days by ``requested_datetime``, at most 1000 results,
    newest first; a wider window is a 400. Datetimes are W3C with an offset,
    shown in Europe/Istanbul time; ids and codes are strings everywhere (error
    codes too).

Errors
    The spec's format (JSON array of ``{code, description}``, XML
    ``<errors><error>``) with 400 (bad or missing parameters), 403 (api_key) and
    404 (unknown jurisdiction, service, request, token or URL). The description
    names the parameter at fault. Nothing is written on an error.
"""
