"""Command-line tasks of the site: `flask --app wsgi init`, `flask audit verify`, `flask digests publish-due`.

The desk adds its own (`flask moderators create ...`, moderation/cli.py)."""

from __future__ import annotations

import click
from blinker import Namespace
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from testimony import approved, audit, instance_keys, publication_log, publishing
from testimony.db import db
from testimony.themes import sync_themes

# Sent by `flask init` once the database, keys and themes are ready, inside its transaction;
# the desk connects to it to create the first admin account (moderation/cli.py).
initialised = Namespace().signal("initialised")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(digests_group)


@click.command("init")
@with_appcontext
@click.option("--admin-name", default="admin", show_default=True, help="Name of the first admin.")
def init_command(admin_name: str) -> None:
    """Migrate the database, create instance keys, and the first admin if there is none."""
    upgrade()
    click.echo("Database is up to date.")
    added = sync_themes()
    db.session.commit()
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
    db.session.commit()
    if sealed:
        click.echo(f"Sealed the text of {sealed} approved contributions waiting for a digest.")
    # The desk (moderation) makes the first admin account: testimony does not import it.
    initialised.send(current_app._get_current_object(), admin_name=admin_name)  # type: ignore[attr-defined]


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


@click.group("digests", cls=AppGroup)
def digests_group() -> None:
    """Digests: publish the scheduled ones whose time has come."""


@digests_group.command("publish-due")
def publish_due_command() -> None:
    """Publish every scheduled digest whose time has come (and none before its time)."""
    published, skipped = publishing.publish_due()
    db.session.commit()
    for digest in published:
        click.echo(f"Published {digest.slug}")
    for digest, reason in skipped:
        click.echo(f"Not published {digest.slug}: {reason}", err=True)
    if not published and not skipped:
        click.echo("Nothing is due.")
