"""full-text search: FTS5 table on SQLite, GIN expression index on PostgreSQL

Revision ID: 3f9c2a7d1b40
Revises: 68678c74c8f8
Create Date: 2026-11-23 14:00:00

SQLite: `contribution_fts` (rowid = contributions.id) holds the text of published, not withdrawn
contributions; testimony/search.py keeps it in step at publish and withdraw time. Existing
published contributions are copied in here.
PostgreSQL: no table; search runs on to_tsvector('english', text) at query time, and this
index on the same expression makes it fast.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f9c2a7d1b40'
down_revision = '68678c74c8f8'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS contribution_fts USING fts5("
            "text, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "INSERT INTO contribution_fts (rowid, text) "
            "SELECT c.id, c.text FROM contributions c JOIN digests d ON d.id = c.digest_id "
            "WHERE c.withdrawn = 0 AND d.published_at IS NOT NULL AND c.text != ''"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_contributions_text_fts ON contributions "
            "USING gin (to_tsvector('english'::regconfig, text))"
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS contribution_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_contributions_text_fts")
