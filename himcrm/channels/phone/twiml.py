"""The TwiML HİM-CRM answers Twilio Voice with: greeting, IVR menu, dial, voice mail.

Everything is spoken in Turkish (``tr-TR``) whatever the staff locale, and the
menu takes keys or speech::

    1 / "durum"  → key in a ticket number, hear its status (then the menu again)
    2 / silence  → an operator: <Dial> the Twilio clients of the call takers
    3 / "mesaj"  → leave a voice mail (<Record>), which becomes a ticket

Outside the call centre's hours, or with no operator to ring, or when the
operators did not pick up, the caller goes straight to voice mail. URLs are
absolute public ones (the signature of the next webhook is checked against
them), handed in by the web layer in :class:`VoiceUrls`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from himcrm.text import search_key

LANGUAGE = "tr-TR"
MENU_TIMEOUT = 6  # seconds of silence before the caller is put through to an operator
NUMBER_TIMEOUT = 10
DIAL_TIMEOUT = 25  # ring the operators this long before offering voice mail
MAX_VOICEMAIL_SECONDS = 180


@dataclass(frozen=True, slots=True)
class VoiceUrls:
    menu: str
    ticket_status: str
    dial_done: str
    client_status: str
    recording: str
    recorded: str


class MenuChoice:
    STATUS = "status"
    OPERATOR = "operator"
    VOICEMAIL = "voicemail"


def menu_choice(digits: str, speech: str) -> str:
    """What the caller chose at the menu (anything unclear goes to an operator)."""
    digits = digits.strip()
    if digits:
        return {"1": MenuChoice.STATUS, "3": MenuChoice.VOICEMAIL}.get(
            digits[:1], MenuChoice.OPERATOR
        )
    words = search_key(speech or "")
    if "durum" in words or words.strip() == "bir":
        return MenuChoice.STATUS
    if "mesaj" in words or words.strip() == "uc":
        return MenuChoice.VOICEMAIL
    return MenuChoice.OPERATOR


def _say(node: VoiceResponse | Gather, text: object) -> None:
    node.say(str(text), language=LANGUAGE)


def _menu(response: VoiceResponse, urls: VoiceUrls) -> None:
    gather = Gather(
        input="dtmf speech",
        action=urls.menu,
        method="POST",
        num_digits=1,
        timeout=MENU_TIMEOUT,
        language=LANGUAGE,
        hints="durum, operatör, mesaj",
    )
    _say(
        gather,
        _l(
            "Başvurunuzun durumunu öğrenmek için 1'e, operatöre bağlanmak için 2'ye, "
            "sesli mesaj bırakmak için 3'e basın."
        ),
    )
    response.append(gather)


def _dial(response: VoiceResponse, urls: VoiceUrls, extensions: Sequence[str]) -> None:
    if not extensions:
        _say(response, _l("Şu anda tüm operatörlerimiz meşgul."))
        _voicemail(response, urls)
        return
    _say(response, _l("Sizi bir operatöre bağlıyoruz, lütfen bekleyin."))
    dial = Dial(action=urls.dial_done, method="POST", timeout=DIAL_TIMEOUT)
    for extension in extensions:
        # Every call taker's softphone rings; the first to answer gets the call and
        # its screen pop (Twilio reports that leg to client_status).
        dial.client(
            extension,
            status_callback_event="answered",
            status_callback=urls.client_status,
            status_callback_method="POST",
        )
    response.append(dial)


def _voicemail(response: VoiceResponse, urls: VoiceUrls) -> None:
    _say(
        response,
        _l(
            "Lütfen sinyal sesinden sonra adınızı ve talebinizi bırakın; "
            "bitirince kare tuşuna basın."
        ),
    )
    response.record(
        action=urls.recorded,
        method="POST",
        max_length=MAX_VOICEMAIL_SECONDS,
        finish_on_key="#",
        play_beep=True,
        recording_status_callback=urls.recording,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )


def welcome(urls: VoiceUrls, *, open_now: bool, extensions: Sequence[str]) -> str:
    """The answer to an inbound call: greeting, then the menu or (closed) voice mail."""
    with force_locale("tr"):
        response = VoiceResponse()
        _say(response, _l("İzmir Büyükşehir Belediyesi Hemşehri İletişim Merkezine hoş geldiniz."))
        if not open_now:
            _say(response, _l("Şu anda çalışma saatleri dışındayız."))
            _voicemail(response, urls)
            return str(response)
        _menu(response, urls)
        _dial(response, urls, extensions)  # no key pressed: an operator
        return str(response)


def after_menu(urls: VoiceUrls, choice: str, *, extensions: Sequence[str]) -> str:
    with force_locale("tr"):
        response = VoiceResponse()
        if choice == MenuChoice.STATUS:
            gather = Gather(
                input="dtmf speech",
                action=urls.ticket_status,
                method="POST",
                finish_on_key="#",
                timeout=NUMBER_TIMEOUT,
                language=LANGUAGE,
            )
            _say(gather, _l("Lütfen başvuru numaranızı tuşlayıp kare tuşuna basın."))
            response.append(gather)
            _menu(response, urls)
            _dial(response, urls, extensions)
        elif choice == MenuChoice.VOICEMAIL:
            _voicemail(response, urls)
        else:
            _dial(response, urls, extensions)
        return str(response)


def status_read_out(urls: VoiceUrls, sentence: str | None, *, extensions: Sequence[str]) -> str:
    """The status sentence (or the neutral "not found"), then the menu again."""
    with force_locale("tr"):
        response = VoiceResponse()
        if sentence is None:
            _say(response, _l("Bu numarayla size ait bir başvuru bulunamadı."))
        else:
            _say(response, sentence)
        _menu(response, urls)
        _dial(response, urls, extensions)
        return str(response)


def after_dial(urls: VoiceUrls, *, connected: bool) -> str:
    """The operator call ended (hang up) or nobody picked up (voice mail)."""
    with force_locale("tr"):
        response = VoiceResponse()
        if connected:
            response.hangup()
        else:
            _say(response, _l("Şu anda tüm operatörlerimiz meşgul."))
            _voicemail(response, urls)
        return str(response)


def goodbye() -> str:
    with force_locale("tr"):
        response = VoiceResponse()
        _say(response, _l("Mesajınız alındı. Teşekkür ederiz, iyi günler."))
        response.hangup()
        return str(response)


__all__ = [
    "MenuChoice",
    "VoiceUrls",
    "after_dial",
    "after_menu",
    "goodbye",
    "menu_choice",
    "status_read_out",
    "welcome",
]
