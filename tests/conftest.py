"""Fixtures: `app`, `client`, `runner`, run on SQLite and (where a server answers) PostgreSQL.

The schema is always made by the Alembic migrations, as in production: once per run into a
template, then copied (SQLite) or truncated (PostgreSQL) between tests.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from testimony import create_app, instance_keys
from testimony.db import db
from testimony.themes import sync_themes

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

# Argon2id at its cheapest: the tests check behaviour, `make bench` measures the real cost.
FAST_KDF = {
    "CODENAME_ARGON2_TIME_COST": 1,
    "CODENAME_ARGON2_MEMORY_KIB": 64,
    "MODERATOR_ARGON2_TIME_COST": 1,
    "MODERATOR_ARGON2_MEMORY_KIB": 64,
}


def base_config(url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False,
        **FAST_KDF,
    }


class SqliteDatabase:
    name = "sqlite"

    def __init__(self, template: Path) -> None:
        self.template = template

    def fresh(self, tmp_path: Path) -> str:
        target = tmp_path / "testimony.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def reset(self) -> None:
        pass


class PostgresDatabase:
    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url

    def fresh(self, _tmp_path: Path) -> str:
        return self.url

    def reset(self) -> None:
        engine = create_engine(self.url)
        with engine.begin() as conn:
            tables = [t.name for t in db.metadata.sorted_tables]
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()


def _migrate(url: str, instance: Path) -> None:
    app = create_app(base_config(url), instance_path=str(instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabase:
    where = tmp_path_factory.mktemp("sqlite-template")
    template = where / "template.db"
    _migrate(f"sqlite:///{template}", where)
    return SqliteDatabase(template)


@pytest.fixture(scope="session")
def postgresql_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresDatabase]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        admin.dispose()
        pytest.skip(
            f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({type(exc).__name__}); PostgreSQL runs skipped"
        )
    name = f"testimony_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]*$", f"/{name}", POSTGRES_ADMIN_URL)
    _migrate(url, tmp_path_factory.mktemp("pg-instance"))
    yield PostgresDatabase(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> SqliteDatabase | PostgresDatabase:
    return request.getfixturevalue(f"{request.param}_database")


@pytest.fixture
def app(database: SqliteDatabase | PostgresDatabase, tmp_path: Path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    app = create_app(base_config(database.fresh(tmp_path)), instance_path=str(instance))
    with app.app_context():
        keys, recovery_private = instance_keys.create(app)
        instance_keys.apply(app, keys)
        sync_themes()
        db.session.commit()
    app.config["TEST_RECOVERY_PRIVATE_KEY"] = recovery_private
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    database.reset()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
