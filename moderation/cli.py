"""The desk's command-line tasks: `flask moderators create NAME --role ROLE`, and the first
admin account that `flask init` asks for (through `testimony.cli.initialised`)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from moderation import accounts
from testimony import cli, instance_keys
from testimony.db import db
from testimony.models import Moderator, Role


def init_app(app: Flask) -> None:
    app.cli.add_command(moderators)
    cli.initialised.connect(first_admin, sender=app)


def first_admin(app: Flask, *, admin_name: str, **_: Any) -> None:
    """`flask init`: the first admin account, if there is no account yet."""
    if db.session.scalar(select(func.count()).select_from(Moderator)) == 0:
        _create(admin_name, Role.ADMIN)
    else:
        click.echo("Accounts exist already. To add one: flask --app wsgi moderators create NAME --role ROLE")


@click.group("moderators", cls=AppGroup)
def moderators() -> None:
    """Manage moderator, editor and admin accounts."""


@moderators.command("create")
@click.argument("name")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default=Role.MODERATOR.value, show_default=True
)
def create_command(name: str, role: str) -> None:
    """Create an account and print its one-time password (and nothing lasting)."""
    instance_keys.current(current_app)
    try:
        _create(name, role)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


def _create(name: str, role: str) -> None:
    # Only the one-time password is printed: the key pair is made when the holder chooses their
    # own password, and the TOTP secret when they set up their app, both shown to no one else.
    moderator, password = accounts.create_moderator(name, role)
    db.session.commit()
    click.echo(f"Created {role} account {moderator.name!r}.")
    click.echo(f"  One-time password: {password}")
    click.echo(
        "  Give it to them privately. At /desk/login they will choose their own password and set up\n"
        "  their authenticator app. Items sent before that first login need a grant afterwards\n"
        '  (Accounts page, "Grant access to older items").'
    )
