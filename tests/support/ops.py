"""What the operations tests share (test_backup.py, test_recovery.py, test_upgrades.py): empty
databases on either engine, sites set up by `flask init`, running commands, counting rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import Result
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from testimony import create_app, submissions
from testimony.db import db
from tests.conftest import base_config
from tests.support.servers import postgres_or_skip, throwaway_database

ENGINES = ("sqlite", "postgresql")


@dataclass
class Site:
    app: Flask
    url: str
    instance: Path
    recovery_key: str


def make_app(url: str, instance: Path) -> Flask:
    return create_app(base_config(url), instance_path=str(instance))


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    """A `flask` command, as an operator would type it."""
    return app.test_cli_runner().invoke(args=list(args), input=input)


def init_site(url: str, instance: Path) -> Site:
    """A site made the documented way: `flask init` on an empty database."""
    app = make_app(url, instance)
    result = run(app, "init", "--admin-name", "admin")
    assert result.exit_code == 0, result.output
    match = re.search(r"testimony-recovery-[a-z2-7]+", result.output)
    assert match, result.output
    return Site(app, url, instance, match.group(0))


def close(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def relations(url: str) -> list[str]:
    """Every table in the database at `url` (none: the database is empty)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            quote = connection.dialect.identifier_preparer.quote
            return {
                name: int(connection.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar_one())  # noqa: S608
                for name in inspect(connection).get_table_names()
            }
    finally:
        engine.dispose()


@contextmanager
def empty_databases(engine: str, where: Path) -> Iterator[Callable[[str], str]]:
    """Makes new, empty databases on `engine` (dropped at the end); gives their URLs. Skips, with
    the reason, when the engine is PostgreSQL and no server answers."""
    if engine == "postgresql":
        postgres_or_skip()
    with ExitStack() as stack:

        def make(name: str) -> str:
            if engine == "sqlite":
                return f"sqlite:///{where / (name + '.db')}"
            return stack.enter_context(throwaway_database(prefix=f"testimony_ops_{name}"))

        yield make


def public_id_of(app: Flask, codename: str) -> str:
    with app.app_context():
        found, _ = submissions.find(codename)
        assert found is not None
        return found.public_id
