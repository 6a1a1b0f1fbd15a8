"""The operator's screen pop: a Server-Sent Events stream of "a call for you".

``GET /calls/stream`` stays open for at most :data:`STREAM_SECONDS`, sending a
comment line every :data:`HEARTBEAT_SECONDS` so proxies keep it open and a
dead browser is noticed; then it ends and the browser's EventSource reconnects
(after ``retry``). So a worker is never held forever — but each open console
holds one worker *thread* while its stream is open: run gunicorn with
``--worker-class gthread --threads N`` (N at least the operators per worker
plus headroom); the sync worker would be blocked by a single console.

The stream does not count as activity for the idle session timeout (the
console being open is not the operator being there), and it holds no database
connection while it waits.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from himcrm.channels.phone.calls import CALL_TAKERS, caller_phone, claim_extension
from himcrm.channels.phone.screen_pop import broker_for, recent_pops, sse_event
from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import Call, utcnow
from himcrm.web import field_error
from himcrm.web.access import roles_required

bp = Blueprint("calls", __name__, url_prefix="/calls")

STREAM_SECONDS = 55.0
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 2000


@bp.get("/stream")
@roles_required(*CALL_TAKERS)
def stream() -> ResponseReturnValue:
    """The current user's pops, as ``event: call`` messages with a JSON payload."""
    user = current_user._get_current_object()
    # enforce_login refreshed the idle clock; a stream is not the operator's activity.
    session.modified = False
    broker = broker_for(current_app)
    catch_up = [pop.payload for pop in recent_pops(db.session(), user, utcnow())]
    user_id = user.id
    db.session.close()  # no connection held while the stream waits
    subscription = broker.subscribe(user_id)

    def events() -> Iterator[str]:
        try:
            yield f"retry: {RETRY_MS}\n: connected\n\n"
            for payload in catch_up:
                yield sse_event(payload)
            deadline = time.monotonic() + STREAM_SECONDS
            while (left := deadline - time.monotonic()) > 0:
                pop = subscription.get(timeout=min(HEARTBEAT_SECONDS, left))
                yield sse_event(pop) if pop is not None else ": ping\n\n"
        finally:
            subscription.close()

    response = Response(events(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _own_call(call_id: int) -> Call | None:
    """The call, if it is the current user's: a pop's number is for its operator only."""
    call = db.session.get(Call, call_id)
    if call is None or call.operator_id != current_user.id:
        return None
    return call


@bp.get("/<int:call_id>/open")
@roles_required(*CALL_TAKERS)
def open_call(call_id: int) -> ResponseReturnValue:
    """The console, pre-filled with the caller's number (it looks the citizen up)."""
    call = _own_call(call_id)
    if call is None:
        return {"error": "not_found"}, 404
    phone = caller_phone(call.from_number)
    target = url_for("console.new_call", phone=phone) if phone else url_for("console.new_call")
    return redirect(target)


@bp.get("/<int:call_id>/caller")
@roles_required(*CALL_TAKERS)
def caller(call_id: int) -> ResponseReturnValue:
    """JSON with the caller's number, for the console open on the operator's screen."""
    call = _own_call(call_id)
    if call is None:
        return {"error": "not_found"}, 404
    return {"call_id": call.id, "phone": caller_phone(call.from_number) or ""}


@bp.route("/extension", methods=["GET", "POST"])
@roles_required(*CALL_TAKERS)
def extension() -> ResponseReturnValue:
    """The phone (PBX extension / Twilio client) the call taker sits at this shift."""
    user = current_user._get_current_object()
    if request.method == "GET":
        return render_template("calls/extension.html", value=user.phone_extension or "", errors={})
    value = request.form.get("phone_extension", "")
    try:
        claim_extension(db.session(), user, value)
    except DomainError as error:
        db.session.rollback()
        return (
            render_template("calls/extension.html", value=value[:64], errors=field_error(error)),
            error.status_code,
        )
    db.session.commit()
    return redirect(url_for("console.new_call"))
