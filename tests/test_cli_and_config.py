"""The flask commands and the settings object."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from himcrm.config import ConfigError, Settings
from himcrm.extensions import db
from himcrm.models import Department, Role, Ticket, TopicCode, User


def test_settings_default_to_sqlite_and_in_process_jobs(tmp_path: Path) -> None:
    settings = Settings.from_env({"HIMCRM_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'himcrm.sqlite3'}"
    assert settings.redis_url is None and not settings.is_postgres
    # The generated secret is kept, so sessions survive a restart.
    assert (
        Settings.from_env({"HIMCRM_INSTANCE_PATH": str(tmp_path)}).secret_key == settings.secret_key
    )
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_settings_switch_to_postgres_with_psycopg3_and_redis(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "HIMCRM_INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "postgres://himcrm@db/himcrm",
            "REDIS_URL": "redis://cache:6379/0",
            "SECRET_KEY": "s3cret",
            "HIMCRM_SMS_TRANSLITERATE": "yes",
        }
    )
    assert settings.database_url == "postgresql+psycopg://himcrm@db/himcrm"
    assert settings.is_postgres and settings.uses_redis and settings.sms_transliterate
    with pytest.raises(ConfigError, match="HIMCRM_SMS_TRANSLITERATE"):
        Settings.from_env(
            {"HIMCRM_INSTANCE_PATH": str(tmp_path), "HIMCRM_SMS_TRANSLITERATE": "maybe"}
        )


def test_seed_is_idempotent_and_demo_covers_every_role(fresh_app: Flask) -> None:
    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    with fresh_app.app_context():
        counts = [
            db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Department, TopicCode, Ticket)
        ]
        roles = set(db.session.scalars(sa.select(User.role)))
    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0, again.output
    assert "demo tickets: 0 new" in again.output
    with fresh_app.app_context():
        assert [
            db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Department, TopicCode, Ticket)
        ] == counts
    assert roles == set(Role)
    assert counts[0] >= 30 + 24 and counts[2] > 0


def test_create_user_validates_and_hashes(fresh_app: Flask) -> None:
    runner = fresh_app.test_cli_runner()
    short = runner.invoke(
        args=[
            "create-user",
            "yeni.personel",
            "--role",
            "dept_staff",
            "--full-name",
            "Yeni Personel",
            "--department",
            "FEN",
            "--password",
            "kisa",
        ],
    )
    assert short.exit_code != 0 and "password" in short.output
    no_department = runner.invoke(
        args=[
            "create-user",
            "yeni.personel",
            "--role",
            "dept_staff",
            "--full-name",
            "Yeni Personel",
            "--password",
            "Uzun-Parola-2026",
        ],
    )
    assert no_department.exit_code != 0 and "department" in no_department.output
    ok = runner.invoke(
        args=[
            "create-user",
            "Yeni.Personel",
            "--role",
            "dept_staff",
            "--full-name",
            "Yeni Personel",
            "--department",
            "FEN",
            "--phone",
            "0532 000 11 22",
            "--password",
            "Uzun-Parola-2026",
        ],
    )
    assert ok.exit_code == 0, ok.output
    with fresh_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "yeni.personel"))
        assert user is not None and user.phone == "+905320001122"
        assert user.password_hash != "Uzun-Parola-2026" and user.check_password("Uzun-Parola-2026")
    duplicate = runner.invoke(
        args=[
            "create-user",
            "yeni.personel",
            "--role",
            "operator",
            "--full-name",
            "X",
            "--password",
            "Uzun-Parola-2026",
        ],
    )
    assert duplicate.exit_code != 0 and "username" in duplicate.output
