"""The English catalog: complete, not fuzzy, placeholders intact, and current with the source.

Turkish is the source language (the msgids); English comes from en/messages.po.
When a test here fails after changing user-facing text, re-extract and translate:

    .venv/bin/pybabel extract -F babel.cfg -k _l -o himcrm/translations/messages.pot .
    .venv/bin/pybabel update -i himcrm/translations/messages.pot -d himcrm/translations

then fill in the new ``msgstr`` entries of himcrm/translations/en/LC_MESSAGES/messages.po
(and drop their ``#, fuzzy`` flags once checked).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = ROOT / "babel.cfg"
EN_PO = ROOT / "himcrm" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The Makefile extracts with ``-k _l`` (flask_babel.lazy_gettext) on top of the defaults.
EXTRA_KEYWORDS = ["_l"]

# %(name)s / %(name)d and {name} placeholders; a bare "%" (as in "(50%)") is text.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|\{\w*\}")


def _label(message: Message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
    return f"{msgid!r} ({where})" if where else repr(msgid)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ("",)
    return (value,) if isinstance(value, str) else tuple(value)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with EN_PO.open("rb") as fileobj:
        return read_po(fileobj, locale="en")


@pytest.fixture(scope="module")
def messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def test_the_catalog_has_messages(messages: list[Message]) -> None:
    assert len(messages) > 100, f"only {len(messages)} messages in {EN_PO}"


def test_every_message_is_translated(messages: list[Message]) -> None:
    untranslated = [
        _label(message)
        for message in messages
        if not all(form.strip() for form in _forms(message.string))
    ]
    assert not untranslated, (
        f"{len(untranslated)} message(s) without an English translation in {EN_PO}:\n"
        + "\n".join(untranslated)
    )


def test_plural_messages_have_every_form(catalog: Catalog, messages: list[Message]) -> None:
    short = [
        _label(message)
        for message in messages
        if message.pluralizable and len(_forms(message.string)) != catalog.num_plurals
    ]
    assert not short, f"plural message(s) without {catalog.num_plurals} forms:\n" + "\n".join(short)


def test_no_message_is_fuzzy(messages: list[Message]) -> None:
    fuzzy = [_label(message) for message in messages if message.fuzzy]
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy message(s): check the translation and remove '#, fuzzy':\n"
        + "\n".join(fuzzy)
    )


def test_placeholders_are_kept(messages: list[Message]) -> None:
    broken = []
    for message in messages:
        ids = _forms(message.id)
        for index, form in enumerate(_forms(message.string)):
            source = ids[min(index, len(ids) - 1)]
            want = sorted(set(PLACEHOLDER.findall(source)))
            got = sorted(set(PLACEHOLDER.findall(form)))
            if want != got:
                broken.append(f"{_label(message)}: msgid has {want}, msgstr[{index}] has {got}")
    assert not broken, "placeholders differ between msgid and msgstr:\n" + "\n".join(broken)


def test_babel_checkers_find_nothing(catalog: Catalog) -> None:
    """Babel's own checks (python-format compatibility, number of plural forms)."""
    problems = [
        f"{_label(message)}: {'; '.join(str(error) for error in errors)}"
        for message, errors in catalog.check()
    ]
    assert not problems, "\n".join(problems)


def _extract_source_messages() -> dict[tuple[str, str | None], list[str]]:
    """What ``pybabel extract -F babel.cfg -k _l`` would collect, keyed by (msgid, context)."""
    with BABEL_CFG.open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename=str(BABEL_CFG))
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(EXTRA_KEYWORDS)}
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def test_the_catalog_is_current_with_the_source(catalog: Catalog) -> None:
    source = _extract_source_messages()
    assert len(source) > 100, "extraction found almost nothing: is babel.cfg right?"
    missing = sorted(
        (where[0], msgid)
        for (msgid, context), where in source.items()
        if catalog.get(msgid, context=context) is None
    )
    assert not missing, (
        f"{len(missing)} user-facing string(s) are not in {EN_PO.relative_to(ROOT)}; "
        "re-extract, update and translate them (see this module's docstring):\n"
        + "\n".join(f"  {where}: {msgid!r}" for where, msgid in missing)
    )
