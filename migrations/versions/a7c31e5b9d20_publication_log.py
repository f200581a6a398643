"""publication log: a public, hash-chained, signed record of publications, corrections,
takedowns and withdrawals (testimony/publication_log.py); contributions' correction and takedown
notes (testimony/corrections.py); monthly counts for the transparency page
(testimony/transparency.py)

Revision ID: a7c31e5b9d20
Revises: f3a9d2c51e07
Create Date: 2026-11-30 18:00:00

The log starts empty; `flask init` records the digests published before it existed (and the
withdrawals in them), signed with the signing key it adds to the instance keys.
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c31e5b9d20"
down_revision = "f3a9d2c51e07"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade():
    op.create_table(
        "publication_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest_slug", sa.String(length=120), nullable=False),
        sa.Column("contribution_id", sa.String(length=16), nullable=True),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_publication_log")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_publication_log_prev_hash")),
        sa.UniqueConstraint("hash", name=op.f("uq_publication_log_hash")),
    )
    op.create_index(op.f("ix_publication_log_digest_slug"), "publication_log", ["digest_slug"])
    op.create_index(op.f("ix_publication_log_contribution_id"), "publication_log", ["contribution_id"])
    head = op.create_table(
        "publication_log_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_log_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS, "signature": ""}])
    # Monthly counts for the transparency page (testimony/transparency.py).
    op.create_table(
        "monthly_tallies",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "measure", name=op.f("pk_monthly_tallies")),
    )
    # Editors' corrections and takedowns of published contributions (testimony/corrections.py).
    op.add_column("contributions", sa.Column("amended_at", sa.DateTime(), nullable=True))
    op.add_column("contributions", sa.Column("removed_at", sa.DateTime(), nullable=True))
    op.add_column(
        "contributions", sa.Column("public_note", sa.String(length=500), nullable=False, server_default="")
    )


def downgrade():
    with op.batch_alter_table("contributions") as batch:
        batch.drop_column("public_note")
        batch.drop_column("removed_at")
        batch.drop_column("amended_at")
    op.drop_table("monthly_tallies")
    op.drop_table("publication_log_head")
    op.drop_index(op.f("ix_publication_log_contribution_id"), table_name="publication_log")
    op.drop_index(op.f("ix_publication_log_digest_slug"), table_name="publication_log")
    op.drop_table("publication_log")
