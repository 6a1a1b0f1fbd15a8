"""The staff password policy: length, the breached/common list, the user name."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import Role
from himcrm.password_policy import check_password_policy, common_passwords
from himcrm.users import UserInput, create_user, set_password
from tests.conftest import user


@pytest.mark.parametrize(
    "password",
    [
        "qwerty123456",  # on the list as it is
        "QWERTY123456",  # case does not help
        "Galatasaray1905!",  # a Turkish favourite padded with digits and punctuation
        "Fenerbahçe1907",
        "password2026!!",
        "parolaparola",  # a list word repeated
        "şifreşifreşifre",
        "1q2w3e4r5t6y",
    ],
)
def test_common_and_breached_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_password_policy(password)
    assert refused.value.field == "password"
    assert "listesinde" in str(refused.value.message)


@pytest.mark.parametrize(
    "password",
    ["Kordonboyu'nda akşam", "Test-Password-2026", "mavi bisiklet 7 kapı", "ğüşiöçĞÜŞİÖÇ"],
)
def test_long_uncommon_passwords_pass_whatever_their_characters(password: str) -> None:
    check_password_policy(password)


def test_length_limits_and_user_name() -> None:
    for password, fragment in (("kisa-parola", "en az 12"), ("x" * 129, "en fazla 128")):
        with pytest.raises(ValidationError) as refused:
            check_password_policy(password)
        assert fragment in str(refused.value.message)
    with pytest.raises(ValidationError) as refused:
        check_password_policy("ayse.kaya-Kordonboyu", username="Ayse.Kaya")
    assert "kullanıcı adını" in str(refused.value.message)
    check_password_policy("x" * 128)


def test_bundled_list_is_loaded() -> None:
    listed = common_passwords()
    assert len(listed) > 30_000
    assert {"123456", "password", "galatasaray", "şifre"} <= listed


def test_account_services_apply_the_policy(session: Session) -> None:
    with pytest.raises(ValidationError) as refused:
        create_user(
            session,
            UserInput(
                username="yeni.operator",
                full_name="Yeni Operatör",
                role="operator",
                password="izmir35izmir35",
            ),
        )
    assert refused.value.field == "password"
    staff = user(session, Role.OPERATOR)
    with pytest.raises(ValidationError):
        set_password(session, staff, "Besiktas1903!!")
    set_password(session, staff, "Alsancak'ta sabah vapuru")
    assert staff.check_password("Alsancak'ta sabah vapuru")
