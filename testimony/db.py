"""The SQLAlchemy handle shared by every model and query."""

from __future__ import annotations

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


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """On SQLite: enforce foreign keys, and overwrite deleted content with zeros.

    secure_delete matters here: a withdrawn testimony's ciphertext must not linger in free
    pages of the database file.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def count_up_to(query: Select[Any], cap: int) -> Select[Any]:
    """How many rows `query` gives, but reading no more than cap + 1 of them: a result above
    `cap` means "more than cap". Exact counts of growing sets (a broad search, a queue's
    published tab) would slow every page down as the site's history grows (make bench)."""
    return select(func.count()).select_from(query.order_by(None).limit(cap + 1).subquery())
