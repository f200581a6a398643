"""digests.version: every change to a draft digest moves it on; publication is conditional on it

Revision ID: e92934bca1ca
Revises: b7d2e4f81c3a
Create Date: 2026-12-01 10:00:00

The editor's publish and schedule forms carry the version they were based on, and publishing is
one conditional UPDATE on it (testimony/publishing.py), so a digest changed after the editor
looked (a contribution added, removed or moved, its details edited) is never published unseen.
Existing digests start at 1, as new ones do.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e92934bca1ca'
down_revision = 'b7d2e4f81c3a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.drop_column('version')
