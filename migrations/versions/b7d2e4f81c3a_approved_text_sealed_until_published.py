"""approved text sealed until its digest is published (contributions.sealed_text)

Revision ID: b7d2e4f81c3a
Revises: 9e4b7c1d2f60
Create Date: 2026-11-23 12:10:00

Existing unpublished text is sealed by `flask init` (testimony/approved.py: seal_leftovers),
which holds the instance's publication key; a migration never sees that key.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d2e4f81c3a'
down_revision = '9e4b7c1d2f60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_text', sa.LargeBinary(), nullable=True))


def downgrade():
    # Dropping the column would destroy approved wording that exists nowhere else.
    waiting = op.get_bind().execute(
        sa.text("SELECT count(*) FROM contributions WHERE sealed_text IS NOT NULL")
    ).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} approved contributions are sealed: publish or withdraw them before downgrading"
        )
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_column('sealed_text')
