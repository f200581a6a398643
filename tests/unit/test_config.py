"""Configuration layers: defaults, then instance/config.py, then the environment."""

from pathlib import Path

import pytest

from testimony import create_app
from testimony.config import normalise_database_url


def test_layers_apply_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(
        'MAX_TESTIMONY_CHARS = 1234\nREDIS_URL = "redis://file"\nSECRET_KEY = "from-file"\n'
    )
    monkeypatch.setenv("REDIS_URL", "redis://env")
    monkeypatch.setenv("FLASK_RETENTION_CLOSED_DAYS", "7")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(instance_path=str(instance))
    assert app.config["MAX_TESTIMONY_CHARS"] == 1234  # the file beats the defaults
    assert app.config["REDIS_URL"] == "redis://env"  # the environment beats the file
    assert app.config["RETENTION_CLOSED_DAYS"] == 7  # FLASK_* parsed as JSON
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/testimony.db"


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@127.0.0.1/x")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/x"


def test_normalise_database_url() -> None:
    assert normalise_database_url("postgres://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
