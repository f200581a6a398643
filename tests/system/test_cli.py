"""`flask init` and `flask moderators create`."""

import os

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from moderation import accounts
from testimony import instance_keys
from testimony.db import db
from testimony.models import Moderator


def test_moderators_create_prints_only_a_one_time_password(app: Flask, runner: FlaskCliRunner) -> None:
    """Medium 4: the output held the TOTP enrolment URI, and the account's key pair was sealed
    under the one-time password. Now it holds the one-time password and nothing lasting."""
    result = runner.invoke(args=["moderators", "create", "jo", "--role", "editor"])
    assert result.exit_code == 0, result.output
    assert "One-time password:" in result.output
    assert "otpauth" not in result.output and "TOTP" not in result.output and "secret" not in result.output
    password = result.output.split("One-time password: ")[1].split()[0]
    assert set(password) <= set(accounts.ONE_TIME_ALPHABET + "-")
    with app.app_context():
        jo = db.session.scalar(select(Moderator).where(Moderator.name == "jo"))
        assert jo is not None and jo.role == "editor" and jo.must_change_password
        accounts.verify_password(jo, password)
        assert password.encode() not in jo.password_hash.encode()
        assert not accounts.has_key(jo) and jo.totp_secret_encrypted == b""
        with pytest.raises(accounts.NoKeyYet):
            accounts.unlock_private_key(jo, password)


def test_duplicate_name_is_a_clear_error(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["moderators", "create", "sam"]).exit_code == 0
    result = runner.invoke(args=["moderators", "create", "sam"])
    assert result.exit_code != 0 and "already an account" in result.output


def test_init_on_a_fresh_instance(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from testimony import create_app
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path}/fresh.db"), instance_path=str(tmp_path / "inst"))
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "RECOVERY KEY" in result.output and "testimony-recovery-" in result.output
    assert "Created admin account 'admin'" in result.output and "One-time password:" in result.output
    assert "otpauth" not in result.output and "TOTP" not in result.output
    keyfile = tmp_path / "inst" / "keys.json"
    assert oct(os.stat(keyfile).st_mode & 0o777) == "0o600"
    recovery = result.output.split("testimony-recovery-")[1].split()[0]
    keys = instance_keys.load(app)
    assert keys is not None
    from testimony import crypto

    private = instance_keys.decode_recovery_key("testimony-recovery-" + recovery)
    assert crypto.keypair_from_seed(private).public == keys.recovery_public_key
    # A second init changes nothing and shows no secrets.
    again = app.test_cli_runner().invoke(args=["init"])
    assert (
        again.exit_code == 0
        and "RECOVERY KEY" not in again.output
        and "One-time password" not in again.output
    )
    with app.app_context():
        db.engine.dispose()
