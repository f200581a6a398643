"""`flask init` and `flask moderators create`."""

import os

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from testimony import accounts, instance_keys
from testimony.db import db
from testimony.models import Moderator


def test_moderators_create_prints_password_and_totp_uri(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["moderators", "create", "jo", "--role", "editor"])
    assert result.exit_code == 0, result.output
    assert "One-time password:" in result.output
    assert "otpauth://totp/testimony:jo" in result.output
    password = result.output.split("One-time password: ")[1].split()[0]
    with app.app_context():
        jo = db.session.scalar(select(Moderator).where(Moderator.name == "jo"))
        assert jo is not None and jo.role == "editor" and jo.must_change_password
        accounts.verify_password(jo, password)
        assert len(accounts.unlock_private_key(jo, password)) == 32
        assert password.encode() not in jo.password_hash.encode()


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
    assert "Created admin account 'admin'" in result.output
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
