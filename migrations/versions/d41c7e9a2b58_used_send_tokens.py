"""used send tokens: a repeated send (the browser's Resend) stores nothing

Revision ID: d41c7e9a2b58
Revises: e92934bca1ca
Create Date: 2026-11-30 12:00:00

Only a keyed hash of each spent token and the day (testimony/send_tokens.py). WITHOUT ROWID on
SQLite, so the table does not keep the order in which sends arrived.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd41c7e9a2b58'
down_revision = "e92934bca1ca"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'used_send_tokens',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('used_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_used_send_tokens')),
        sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table('used_send_tokens')
