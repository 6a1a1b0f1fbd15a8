"""The staff password policy (OWASP ASVS 4.0.3 V2.1).

Length, not composition rules: at least 12 characters, at most 128, any
Unicode. Refused: a password on the bundled list of common and breached
passwords (himcrm/data/common-passwords.txt.gz), the same with digits or
punctuation added at either end ("Galatasaray1905!"), a list word repeated
("parolaparola"), and one that contains the account's user name.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from himcrm.errors import ValidationError
from himcrm.text import tr_lower

MIN_LENGTH = 12
MAX_LENGTH = 128
LIST_PATH = Path(__file__).parent / "data" / "common-passwords.txt.gz"
#: Digits, punctuation and spaces people pad a common word with.
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")
#: Shorter stems are too often part of a good passphrase to refuse on.
MIN_STEM = 4


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def _repeated_unit(text: str) -> str | None:
    """ "abcabc" -> "abc": the shortest unit the text repeats, if any."""
    for size in range(MIN_STEM, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return None


def _candidates(password: str) -> set[str]:
    """The password and what it is made of: lower-cased, unpadded, de-repeated."""
    forms = {tr_lower(password), password.lower()}
    for form in list(forms):
        stem = _PADDING.sub("", form)
        for text in (form, stem):
            unit = _repeated_unit(text)
            if unit is not None:
                forms.update((unit, _PADDING.sub("", unit)))
        forms.add(stem)
    return {form for form in forms if len(form) >= MIN_STEM}


def is_common(password: str) -> bool:
    listed = common_passwords()
    return any(form in listed for form in _candidates(password))


def check_password_policy(password: str, *, username: str = "") -> None:
    """Raise ValidationError(field="password") when ``password`` is not allowed."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            _l("Parola en az %(n)s karakter olmalı.", n=MIN_LENGTH), field="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            _l("Parola en fazla %(n)s karakter olabilir.", n=MAX_LENGTH), field="password"
        )
    name = tr_lower(username.strip())
    if len(name) >= 3 and name in tr_lower(password):
        raise ValidationError(_l("Parola kullanıcı adını içeremez."), field="password")
    if is_common(password):
        raise ValidationError(
            _l("Bu parola sık kullanılan veya sızdırılmış parolalar listesinde."),
            field="password",
        )
