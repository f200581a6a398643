"""Command-line tasks: `flask --app wsgi init`, `flask --app wsgi moderators create ...`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from moderation import accounts
from testimony import approved, audit, instance_keys, publication_log
from testimony.db import db
from testimony.models import Moderator, Role
from testimony.themes import sync_themes


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(moderators)
    app.cli.add_command(audit_group)


@click.command("init")
@with_appcontext
@click.option("--admin-name", default="admin", show_default=True, help="Name of the first admin.")
def init_command(admin_name: str) -> None:
    """Migrate the database, create instance keys, and the first admin if there is none."""
    upgrade()
    click.echo("Database is up to date.")
    added = sync_themes()
    if added:
        click.echo(f"Added {added} themes from the taxonomy.")
    if instance_keys.load(current_app) is None:
        keys, recovery_private = instance_keys.create(current_app)
        instance_keys.apply(current_app, keys)
        click.echo("\nCreated instance keys in " + instance_keys.path_for(current_app))
        click.echo("\nRECOVERY KEY (shown once; write it down and keep it offline, never on this server):")
        click.echo("  " + instance_keys.encode_recovery_key(recovery_private))
        click.echo("It opens every submission if all moderator accounts are lost.\n")
    before = instance_keys.load(current_app)
    completed = instance_keys.add_missing(current_app)
    if completed is not None:
        instance_keys.apply(current_app, completed)
        added_keys = [
            name
            for name, was in (
                ("a publication key", before and before.publication_key),
                ("a signing key", before and before.signing_key),
            )
            if not was
        ]
        click.echo(f"Added {' and '.join(added_keys)} to " + instance_keys.path_for(current_app))
    keyed_from = audit.key_the_chain()
    if keyed_from is not None:
        click.echo(
            f"Added an audit key to {instance_keys.path_for(current_app)}: the audit chain is keyed "
            f"from event {keyed_from} on."
        )
    recorded = publication_log.record_earlier()
    if recorded:
        click.echo(f"Recorded {recorded} earlier publications and withdrawals in the publication log.")
    sealed = approved.seal_leftovers()
    if sealed:
        click.echo(f"Sealed the text of {sealed} approved contributions waiting for a digest.")
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


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """The desk's audit trail."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the keyed hash chain of the audit log; exit 1 if it is broken."""
    report = audit.check()
    if not report.problems:
        click.echo(f"The audit chain is intact ({report.events} events).")
        return
    for problem in report.problems:
        click.echo(f"event {problem.event_id}: {problem.reason}", err=True)
    raise SystemExit(1)
