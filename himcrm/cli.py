"""``flask`` commands: seed, create-user, api-client. Migrations: ``flask db upgrade``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from himcrm.errors import DomainError
from himcrm.models import Role


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(api_client_command)
    app.cli.add_command(open_data_command)
    app.cli.add_command(reset_2fa_command)


@click.command("seed")
@with_appcontext
@click.option("--demo", is_flag=True, help="Also create demo users and demo tickets.")
@click.option("--force", is_flag=True, help="Overwrite SLA figures and routing edited by admins.")
@click.option(
    "--demo-password",
    default="HimCrm-Demo-2026",
    show_default=True,
    help="Password of every demo user.",
)
def seed_command(demo: bool, force: bool, demo_password: str) -> None:
    """Load İzmir's departments, districts, topic codes and routing rules."""
    from himcrm.extensions import db
    from himcrm.seed.demo import seed_demo_tickets
    from himcrm.seed.loader import seed_demo_users, seed_reference

    report = seed_reference(db.session(), force=force)
    click.echo(f"reference data: {report.summary()}")
    if demo:
        users = seed_demo_users(db.session(), password=demo_password)
        click.echo(f"demo users: {users.summary()}")
        tickets = seed_demo_tickets(db.session())
        click.echo(f"demo tickets: {tickets} new")
    db.session.commit()


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--full-name", required=True)
@click.option("--department", "department_code", default=None, help="Department code, e.g. FEN.")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--head", is_flag=True, help="Head of the department (gets escalations).")
@click.password_option()
def create_user_command(
    username: str,
    role: str,
    full_name: str,
    department_code: str | None,
    email: str | None,
    phone: str | None,
    head: bool,
    password: str,
) -> None:
    """Create a staff account."""
    from himcrm.extensions import db
    from himcrm.users import UserInput, create_user

    try:
        user = create_user(
            db.session(),
            UserInput(
                username=username,
                full_name=full_name,
                role=role,
                password=password,
                department_code=department_code,
                email=email,
                phone=phone,
                is_department_head=head,
            ),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        where = f" ({error.field})" if error.field else ""
        raise click.ClickException(f"{error.message}{where}") from None
    click.echo(f"created {user.username} ({user.role})")


@click.command("api-client")
@with_appcontext
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(["open311", "api"]),
    help="open311: GeoReport v2 requests; api: the REST API (needs --user).",
)
@click.option("--user", "username", default=None, help="The staff user a REST API client acts as.")
@click.option("--contact", default="", help="Who to call about this client (e-mail).")
def api_client_command(
    name: str, scopes: tuple[str, ...], username: str | None, contact: str
) -> None:
    """Register a client application and print its key (shown only once)."""
    import sqlalchemy as sa

    from himcrm.api_keys import create_client
    from himcrm.extensions import db
    from himcrm.models import User

    session = db.session()
    user = None
    if username:
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username!r} (user)")
    try:
        client, key = create_client(
            session, name=name, scopes=list(scopes), user=user, contact=contact
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        where = f" ({error.field})" if error.field else ""
        raise click.ClickException(f"{error.message}{where}") from None
    click.echo(
        f"created client {client.key_prefix} {client.name!r} scopes={','.join(client.scopes)}"
    )
    click.echo(f"key: {key}")


@click.command("open-data")
@with_appcontext
@click.option("--year", type=int, required=True)
@click.option("--month", type=click.IntRange(1, 12), required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--k", type=click.IntRange(2, 100), default=5, show_default=True, help="Smallest cell."
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def open_data_command(year: int, month: int, fmt: str, k: int, out: str) -> None:
    """Write a month's anonymised open-data export (no personal data, small cells hidden)."""
    from flask import current_app

    from himcrm.extensions import db
    from himcrm.privacy.open_data import write_csv, write_json
    from himcrm.reports.period import Period

    period = Period.month(year, month)
    writer = write_csv if fmt == "csv" else write_json
    tz = current_app.config["HIMCRM_SETTINGS"].timezone
    with open(out, "w", encoding="utf-8", newline="") as fh:
        stats = writer(db.session(), period, fh, k=k, timezone=tz)
    click.echo(
        f"{out}: {stats.rows} rows, {stats.coarsened} coarsened, "
        f"{stats.suppressed} suppressed (k={k})"
    )


@click.command("reset-2fa")
@with_appcontext
@click.argument("username")
def reset_2fa_command(username: str) -> None:
    """Turn a user's two-factor login off (they enrol again at the next login)."""
    import sqlalchemy as sa

    from himcrm.auth_totp import reset_totp
    from himcrm.extensions import db
    from himcrm.models import User

    session = db.session()
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r} (username)")
    reset_totp(session, user, actor=None)
    session.commit()
    click.echo(f"two-factor login reset for {user.username}")
