"""random keys for what submitters create; blobs bound to their place; approved details sealed

Revision ID: f3a9d2c51e07
Revises: c4e8a1f2d9b7
Create Date: 2026-12-01 10:00:00

1. `submissions`, `sealed_blobs`, `wrapped_keys`, `submission_tags`: every existing key is
   replaced by a random 63-bit one (foreign keys in `sealed_blobs`, `wrapped_keys`,
   `submission_tags` and `contributions` follow), and PostgreSQL's sequences go. Sequential keys
   let a copy of the database, read beside the audit trail's times, date a submission or a
   message to the second. On PostgreSQL the columns become BIGINT and each table is then
   rewritten in the order of its new keys (CLUSTER), so the order rows were written in is not
   left in the files either.
2. `sealed_blobs.seq`: each blob's place among its submission's blobs of the same kind, numbered
   in the order of the old keys (which was the order they were written); the conversation reads
   in this order now that keys are random. `sealed_blobs.format`: 1 for every existing blob (associated data
   binds submission and kind), 2 for new ones (also id, seq, author, moderator:
   testimony/sealing.py).
3. `sealed_approvals`: the sealed approved wording moves out of `contributions.sealed_text` into a
   table of its own (format 1: the wording alone), so that a withdrawal can be erased from the
   files by rewriting a small table (testimony/erasure.py). `flask init` then seals the themes and
   reply targets of waiting contributions with their wording (format 2; a migration never sees
   the publication key: testimony/approved.py, seal_leftovers).
4. `submissions.in_reply_to` is emptied for every item already decided (an approved one's target
   is on its contribution until `flask init` seals it); new submissions seal it in their bundle.
5. `erasure_pending`: which tables a committed deletion touched, until they are rewritten
   (testimony/erasure.py).
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "f3a9d2c51e07"
down_revision = "c4e8a1f2d9b7"
branch_labels = None
depends_on = None

# (table, column, referenced table) for every key that changes.
FOREIGN_KEYS = (
    ("sealed_blobs", "submission_id", "submissions"),
    ("submission_tags", "submission_id", "submissions"),
    ("contributions", "submission_id", "submissions"),
    ("wrapped_keys", "blob_id", "sealed_blobs"),
)
ON_DELETE = {
    "sealed_blobs": "CASCADE",
    "submission_tags": "CASCADE",
    "contributions": "SET NULL",
    "wrapped_keys": "CASCADE",
}
RANDOMISED = ("submissions", "sealed_blobs", "wrapped_keys", "submission_tags")


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"

    # Plain ALTER TABLE, never batch mode's copy of the table: on SQLite, with foreign keys on,
    # dropping the old copy of a parent table would cascade to its children's rows. NOT NULL
    # columns added to existing rows need a default; on SQLite it stays in the schema (every
    # insert names both columns), PostgreSQL drops it.
    op.add_column("sealed_blobs", sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("sealed_blobs", sa.Column("format", sa.SmallInteger(), nullable=False, server_default="1"))
    op.execute(
        "UPDATE sealed_blobs SET seq = (SELECT count(*) FROM sealed_blobs AS earlier "
        "WHERE earlier.submission_id = sealed_blobs.submission_id AND earlier.kind = sealed_blobs.kind "
        "AND earlier.id <= sealed_blobs.id)"
    )
    if postgres:
        op.alter_column("sealed_blobs", "seq", server_default=None)
        op.alter_column("sealed_blobs", "format", server_default=None)

    op.create_table(
        "sealed_approvals",
        sa.Column("contribution_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("format", sa.SmallInteger(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_sealed_approvals_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contribution_id", name=op.f("pk_sealed_approvals")),
    )
    op.execute(
        "INSERT INTO sealed_approvals (contribution_id, format, ciphertext) "
        "SELECT id, 1, sealed_text FROM contributions WHERE sealed_text IS NOT NULL"
    )
    # SQLite 3.35 or later (Debian 12 has 3.40) drops a plain column in place.
    op.execute("ALTER TABLE contributions DROP COLUMN sealed_text")

    op.execute(
        "UPDATE submissions SET in_reply_to = NULL "
        "WHERE status NOT IN ('received', 'in_review', 'waiting_for_submitter')"
    )

    if postgres:
        for table, column, parent in FOREIGN_KEYS:
            op.drop_constraint(f"fk_{table}_{column}_{parent}", table, type_="foreignkey")
        for table in RANDOMISED:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE BIGINT")
            op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
        for table, column, _parent in FOREIGN_KEYS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")

    for table in RANDOMISED:
        _new_keys(bind, table)

    if postgres:
        for table, column, parent in FOREIGN_KEYS:
            op.create_foreign_key(
                f"fk_{table}_{column}_{parent}", table, parent, [column], ["id"], ondelete=ON_DELETE[table]
            )
        for table in RANDOMISED:
            op.execute(f"CLUSTER {table} USING pk_{table}")

    op.create_table(
        "erasure_pending",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False, autoincrement=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_pending")),
    )


def _defer_sqlite_foreign_keys(bind):
    """SQLite: check foreign keys at commit instead of row by row, while parents and children
    change keys. The pragma lasts to the end of the transaction it is set in, and pysqlite opens
    one at the first change of data, so this comes after one (the key map's rows)."""
    if bind.dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")


def _new_keys(bind, table):
    """Give every row of `table` a random key, and every foreign key pointing at it the same."""
    old = [row[0] for row in bind.execute(sa.text(f"SELECT id FROM {table}"))]  # noqa: S608
    if not old:
        return
    taken = set(old)
    mapping = {}
    for key in old:
        while True:
            new = secrets.randbelow(2**63 - 1) + 1
            if new not in taken:
                break
        taken.add(new)
        mapping[key] = new
    op.execute("CREATE TEMPORARY TABLE key_map (old BIGINT PRIMARY KEY, new BIGINT NOT NULL UNIQUE)")
    bind.execute(
        sa.text("INSERT INTO key_map (old, new) VALUES (:old, :new)"),
        [{"old": k, "new": v} for k, v in mapping.items()],
    )
    _defer_sqlite_foreign_keys(bind)
    for child, column, parent in FOREIGN_KEYS:
        if parent == table:
            op.execute(
                f"UPDATE {child} SET {column} = (SELECT new FROM key_map WHERE old = {child}.{column}) "
                f"WHERE {column} IS NOT NULL"
            )
    op.execute(f"UPDATE {table} SET id = (SELECT new FROM key_map WHERE old = {table}.id)")
    op.execute("DROP TABLE key_map")


def downgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    # Blobs and approved wording sealed in the new formats do not open in older versions, and
    # cannot be sealed again in the old ones here (no keys): refuse rather than lose them.
    bound = bind.execute(sa.text("SELECT count(*) FROM sealed_blobs WHERE format <> 1")).scalar()
    detailed = bind.execute(sa.text("SELECT count(*) FROM sealed_approvals WHERE format <> 1")).scalar()
    if bound or detailed:
        raise RuntimeError(
            f"{bound} sealed blobs and {detailed} approved contributions use formats older versions "
            "cannot open: downgrading would make them unreadable"
        )
    op.drop_table("erasure_pending")
    if postgres:
        # Keys stay random (and BIGINT: they no longer fit INTEGER); new rows number from a
        # sequence again, far below the random keys.
        for table in RANDOMISED:
            op.execute(f"CREATE SEQUENCE IF NOT EXISTS {table}_id_seq OWNED BY {table}.id")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")

    _keys_in_conversation_order(bind, postgres)
    op.add_column("contributions", sa.Column("sealed_text", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE contributions SET sealed_text = (SELECT ciphertext FROM sealed_approvals "
        "WHERE sealed_approvals.contribution_id = contributions.id)"
    )
    op.drop_table("sealed_approvals")
    op.execute("ALTER TABLE sealed_blobs DROP COLUMN format")
    op.execute("ALTER TABLE sealed_blobs DROP COLUMN seq")


def _keys_in_conversation_order(bind, postgres):
    """Older versions read a submission's blobs in key order. Give each submission's blobs its
    own keys again, smallest first in `seq` order, so its conversation reads as it was written."""
    rows = bind.execute(sa.text("SELECT id, submission_id, seq FROM sealed_blobs")).all()
    by_submission = {}
    for key, submission, seq in rows:
        by_submission.setdefault(submission, []).append((seq, key))
    mapping = {}
    for blobs in by_submission.values():
        # seq counts within a kind; older versions only compare blobs of one kind, so any order
        # that keeps each kind's order will do.
        keys = sorted(key for _seq, key in blobs)
        for (_seq, key), new in zip(sorted(blobs), keys):
            mapping[key] = new
    moved = {k: v for k, v in mapping.items() if k != v}
    if not moved:
        return
    if postgres:
        op.drop_constraint("fk_wrapped_keys_blob_id_sealed_blobs", "wrapped_keys", type_="foreignkey")
    op.execute("CREATE TEMPORARY TABLE key_map (old BIGINT PRIMARY KEY, new BIGINT NOT NULL UNIQUE)")
    bind.execute(
        sa.text("INSERT INTO key_map (old, new) VALUES (:old, :new)"),
        [{"old": k, "new": v} for k, v in moved.items()],
    )
    _defer_sqlite_foreign_keys(bind)
    # A permutation of the same keys: through negative keys, so no two rows share one (or one
    # reader's key for one blob) meanwhile.
    op.execute(
        "UPDATE wrapped_keys SET blob_id = -(SELECT new FROM key_map WHERE old = wrapped_keys.blob_id) "
        "WHERE blob_id IN (SELECT old FROM key_map)"
    )
    op.execute(
        "UPDATE sealed_blobs SET id = -(SELECT new FROM key_map WHERE old = sealed_blobs.id) "
        "WHERE id IN (SELECT old FROM key_map)"
    )
    op.execute("UPDATE wrapped_keys SET blob_id = -blob_id WHERE blob_id < 0")
    op.execute("UPDATE sealed_blobs SET id = -id WHERE id < 0")
    op.execute("DROP TABLE key_map")
    if postgres:
        op.create_foreign_key(
            "fk_wrapped_keys_blob_id_sealed_blobs", "wrapped_keys", "sealed_blobs", ["blob_id"], ["id"],
            ondelete="CASCADE",
        )
