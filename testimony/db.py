"""The SQLAlchemy handle shared by every model and query."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any, ClassVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Select, Table, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints make Alembic migrations reproducible on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

# The largest id a route or query may carry: PostgreSQL's integer. Larger numbers name no row.
MAX_ID = 2**31 - 1

# Models subclass `Model`. At run time it is Flask-SQLAlchemy's `db.Model` (Base plus its mixins),
# a class made while the program runs, which mypy cannot use as a base class. To the type
# checker it is Base, whose typed mappings are the ones that matter, and every model is mapped to
# a Table (each names its __tablename__), which code reading `Model.__table__` relies on.
if TYPE_CHECKING:

    class Model(Base):
        __abstract__ = True
        __table__: ClassVar[Table]

else:
    Model = db.Model


# The WAL is cut back to this size whenever SQLite starts writing it afresh, so stale frames
# (copies of pages as they were, deleted rows included) do not sit in a file that only grows.
# testimony/erasure.py truncates it to nothing after a withdrawal or a purge.
SQLITE_JOURNAL_SIZE_LIMIT = 0
PRIVATE = 0o600


@event.listens_for(Engine, "do_connect")
def _sqlite_file_private(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> None:
    """Create a new SQLite database file readable by its owner only, before SQLite opens it.

    SQLite would create it with the process's umask (usually 0644: anyone on the machine could
    read the ciphertext, lookup ids and published text). Its -wal and -shm files take the mode of
    the database file, so this covers them too. Made here, not after, so there is no moment at
    which another user could open the file and keep it open."""
    if dialect.name != "sqlite":
        return
    path = _sqlite_path(cargs, cparams)
    if path is None:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        return
    except OSError:
        return  # a folder that does not exist: let SQLite give its own error
    os.close(fd)


def _sqlite_path(cargs: Any, cparams: Any) -> str | None:
    database = cargs[0] if cargs else cparams.get("database")
    if not isinstance(database, str) or not database or database == ":memory:" or cparams.get("uri"):
        return None
    return database


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """On SQLite: enforce foreign keys, overwrite deleted content with zeros, and keep the files
    private.

    secure_delete matters here: a withdrawn testimony's ciphertext must not linger in free
    pages of the database file. It reaches the database file only: the WAL keeps copies of
    pages as they were until it is checkpointed and cut (testimony/erasure.py).
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_JOURNAL_SIZE_LIMIT}")
    cursor.execute("PRAGMA busy_timeout=10000")
    files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main" and row[2]]
    cursor.close()
    for path in files:
        _make_private(path, path + "-wal", path + "-shm")


def _make_private(*paths: str) -> None:
    """Databases made by older versions (or copied in) were world-readable: tighten them."""
    for path in paths:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if mode & 0o077:
                os.chmod(path, mode & 0o700)
        except FileNotFoundError:
            continue
        except PermissionError:
            continue  # not ours to change (the operator's choice); DEPLOY.md sets 0700 folders


def count_up_to(query: Select[Any], cap: int) -> Select[Any]:
    """How many rows `query` gives, but reading no more than cap + 1 of them: a result above
    `cap` means "more than cap". Exact counts of growing sets (a broad search, a queue's
    published tab) would slow every page down as the site's history grows (make bench)."""
    return select(func.count()).select_from(query.order_by(None).limit(cap + 1).subquery())
