import pytest
from hypothesis import given
from hypothesis import strategies as st

from himcrm.citizens.identity import (
    is_mobile,
    kimlik_no_is_valid,
    mask_kimlik_no,
    mask_phone,
    normalise_phone,
    validate_kimlik_no,
)
from himcrm.errors import ValidationError


@pytest.mark.parametrize(
    "raw",
    [
        "0532 123 45 67",
        "05321234567",
        "+90 532 123 45 67",
        "(532) 123-4567",
        "0090 532 123 4567",
        "5321234567",
    ],
)
def test_turkish_mobile_numbers_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+905321234567"


def test_istanbul_and_izmir_landlines_normalise() -> None:
    assert normalise_phone("0232 293 12 00") == "+902322931200"
    assert not is_mobile("+902322931200")
    assert is_mobile("+905321234567")


@pytest.mark.parametrize("raw", ["", "   ", "123", "0532 123", "abc", "+90 999 999 99 99"])
def test_invalid_phone_numbers_name_the_field(raw: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalise_phone(raw, field="citizen.phone")
    assert excinfo.value.field == "citizen.phone"


def _with_checksum(nine: str) -> str:
    d = [int(c) for c in nine]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    eleventh = (sum(d) + tenth) % 10
    return f"{nine}{tenth}{eleventh}"


def test_known_valid_kimlik_number() -> None:
    # The widely published test number of the population registry's examples.
    assert kimlik_no_is_valid("10000000146")
    assert validate_kimlik_no(" 100 000 001 46 ") == "10000000146"


@given(st.from_regex(r"[1-9][0-9]{8}", fullmatch=True))
def test_every_number_with_correct_check_digits_is_valid(nine: str) -> None:
    assert kimlik_no_is_valid(_with_checksum(nine))


@given(st.from_regex(r"[1-9][0-9]{8}", fullmatch=True), st.integers(1, 9))
def test_a_wrong_last_digit_is_rejected(nine: str, delta: int) -> None:
    valid = _with_checksum(nine)
    broken = valid[:-1] + str((int(valid[-1]) + delta) % 10)
    assert not kimlik_no_is_valid(broken)


@pytest.mark.parametrize("raw", ["", "01234567890", "1234567890", "123456789012", "1000000014a"])
def test_malformed_kimlik_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_kimlik_no(raw)
    assert excinfo.value.field == "kimlik_no"


def test_masks_hide_the_middle() -> None:
    assert mask_phone("+905321234567") == "+90 532 *** ** 67"
    assert "1234" not in mask_phone("+905321234567")
    assert mask_kimlik_no("10000000146") == "10*******46"
