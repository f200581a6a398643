"""The editors' desk: compose digests, order contributions, preview, publish or schedule.

Also `flask digests publish-due`, which publishes scheduled digests whose time has come.
"""

from __future__ import annotations

import click
from flask import Blueprint, Flask, render_template
from flask.cli import AppGroup
from sqlalchemy import select

from moderation import audit
from moderation.auth import role_required
from testimony import publishing
from testimony.db import db
from testimony.models import Digest, Role

bp = Blueprint("desk_digests", __name__, url_prefix="/desk/digests")
SCHEDULER = "scheduler"


def init_app(app: Flask) -> None:
    app.cli.add_command(digests_cli)


@click.group("digests", cls=AppGroup)
def digests_cli() -> None:
    """Digests: publish the scheduled ones whose time has come."""


@digests_cli.command("publish-due")
def publish_due_command() -> None:
    """Publish every scheduled digest whose time has come (and none before its time)."""
    published, skipped = publishing.publish_due(publishing.now())
    for digest in published:
        audit.record(
            SCHEDULER, "digest_published", item=digest.slug[:32], detail=f"scheduled: {digest.slug}"[:255]
        )
        click.echo(f"Published {digest.slug}")
    for digest, reason in skipped:
        audit.record(SCHEDULER, "digest_publish_failed", item=digest.slug[:32], detail=reason[:255])
        click.echo(f"Not published {digest.slug}: {reason}", err=True)
    db.session.commit()
    if not published and not skipped:
        click.echo("Nothing is due.")


@bp.get("/")
@role_required(Role.EDITOR)
def index() -> str:
    digests = list(db.session.scalars(select(Digest).order_by(Digest.updated_at.desc())))
    return render_template("desk/digests/index.html", digests=digests)
