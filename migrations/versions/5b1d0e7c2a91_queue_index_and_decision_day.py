"""queue index and the day a submission was decided (for retention)

Revision ID: 5b1d0e7c2a91
Revises: 3f9c2a7d1b40
Create Date: 2026-11-23 10:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b1d0e7c2a91'
down_revision = '3f9c2a7d1b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_submissions_queue', ['status', 'received_on', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_queue')
        batch_op.drop_column('decided_on')
