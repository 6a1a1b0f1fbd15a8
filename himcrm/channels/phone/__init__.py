"""The phone channel (issue 7): Twilio Voice and on-premise PBX (CTI) calls.

* :mod:`.calls` — the call log: one :class:`~himcrm.models.Call` per (provider,
  call id), status transitions, the caller's citizen, the operator by extension.
* :mod:`.twilio_voice` — Twilio's inbound call, IVR menu, dial, call status and
  recording callbacks, answered as TwiML.
* :mod:`.cti` — the generic PBX webhook: HMAC-signed JSON newCall/answer/hangup.
* :mod:`.ivr` — the status of a request read out to its own citizen.
* :mod:`.voicemail` — a voice mail becomes a ticket for triage.
* :mod:`.screen_pop` — "a call for you" pushed to the operator's browser.
* :mod:`.hours` — the IVR's opening hours (``HIMCRM_CALL_CENTRE_HOURS``).

Nothing here reads a Flask request; logs name call ids, never phone numbers.
"""
