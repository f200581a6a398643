"""desk accounts hardening: readers are reviewers only, atomic login throttle, audit chain head

Revision ID: c4e8a1f2d9b7
Revises: d41c7e9a2b58
Create Date: 2026-12-01 10:00:00

* Editors never review, so no data key may be wrapped to them: their existing wrapped keys (and
  any left for deactivated accounts) are deleted. This cannot be undone, and need not be.
* `login_failures` (a row per failure, holding the name as typed) gives way to `login_throttle`:
  counters named by keyed hashes, counted atomically before any password is hashed.
* `audit_chain_head`: the single row every audit append updates first. It starts at the newest
  existing event. Its `mac` stays empty here: the audit key lives in `instance/keys.json`, which
  a migration never sees. `flask init` (run after every upgrade) adds the key and appends the
  first keyed event, whose HMAC covers the hash of the last row chained the old way, so the old
  rows are anchored too (testimony/audit.py: key_the_chain).
"""

from alembic import op
import sqlalchemy as sa


revision = "c4e8a1f2d9b7"
down_revision = "d41c7e9a2b58"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade():
    op.execute(
        "DELETE FROM wrapped_keys WHERE moderator_id IN "
        "(SELECT id FROM moderators WHERE role = 'editor' OR active = false)"
    )

    op.create_table(
        "login_throttle",
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttle_started_at"), ["started_at"], unique=False)
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_at"))
        batch_op.drop_index(batch_op.f("ix_login_failures_account"))
    op.drop_table("login_failures")

    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    newest = (
        op.get_bind().execute(sa.text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")).first()
    )
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "last_id": newest[0] if newest else 0,
                "hash": newest[1] if newest else GENESIS,
                "mac": "",
            }
        ],
    )


def downgrade():
    op.drop_table("audit_chain_head")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_at"), ["at"], unique=False)
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_started_at"))
    op.drop_table("login_throttle")
