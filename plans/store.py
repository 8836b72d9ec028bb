"""Where plans live: a SQLAlchemy 2 database (SQLite file, or PostgreSQL for backends).

``--db plans.db`` (no ``://``) is a SQLite file; a full SQLAlchemy URL such as
``postgresql+psycopg://user@host:5432/livelift`` is used as given.

Schema (version ``SCHEMA_VERSION``; the table ``livelift_schema`` holds it)
---------------------------------------------------------------------------
* ``livelift_schema(id=1, version, created_at)``: the schema version of this
  store. A livelift that finds a *newer* version refuses to touch the store
  (upgrade livelift); an older one would be migrated step by step here (v1 is
  the first, so there is nothing to migrate yet).
* ``plan_settings(key, value)``: JSON settings: the empirical-Bayes
  hyper-parameters of ``posterior.fit_hyper``, the seed, the policy, the
  horizon.
* ``plan_weeks(creator_id, week, <profile columns>, strategy, gift_diamonds,
  region, recorded_at)``: observed creator-weeks; the primary key
  (creator_id, week) is what makes recording a week twice impossible to
  double-count.
* ``plan_picks(creator_id, week, strategy, expected_uplift, low, high, reason,
  own_weeks, chance_best, policy, created_at)``: the pick made for a coming week, stored so that
  asking again returns the same answer.

Every write runs in one transaction (``Store.begin``): a bad row or a crash
leaves the store as it was. SQLite transactions start with ``BEGIN
IMMEDIATE`` (one writer at a time, waiting up to 30 s for the lock).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..data.fields import PROFILE_COLUMNS
from ..errors import InputError

__all__ = ["SCHEMA_VERSION", "Store", "database_url", "metadata", "weeks_table", "picks_table"]

SCHEMA_VERSION = 1

metadata = sa.MetaData()

schema_table = sa.Table(
    "livelift_schema", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)
settings_table = sa.Table(
    "plan_settings", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def _profile_column(c: Any) -> sa.Column:
    if c.name == "creator_id":
        return sa.Column("creator_id", sa.String(200), primary_key=True)
    kind = {"int": sa.BigInteger, "float": sa.Float, "choice": sa.String(32)}[c.kind]
    return sa.Column(c.name, kind, nullable=False)


weeks_table = sa.Table(
    "plan_weeks", metadata,
    *[_profile_column(c) for c in PROFILE_COLUMNS],
    sa.Column("week", sa.String(10), primary_key=True),
    sa.Column("strategy", sa.String(32), nullable=False),
    sa.Column("gift_diamonds", sa.Float, nullable=False),
    sa.Column("region", sa.String(2), nullable=True),
    sa.Column("recorded_at", sa.String(40), nullable=False),
)
picks_table = sa.Table(
    "plan_picks", metadata,
    sa.Column("creator_id", sa.String(200), primary_key=True),
    sa.Column("week", sa.String(10), primary_key=True),
    sa.Column("strategy", sa.String(32), nullable=False),
    sa.Column("expected_uplift", sa.Float, nullable=False),
    sa.Column("low", sa.Float, nullable=False),
    sa.Column("high", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("own_weeks", sa.Integer, nullable=False),
    sa.Column("chance_best", sa.Float, nullable=False),
    sa.Column("policy", sa.String(16), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

WEEK_FIELDS = tuple(c.name for c in weeks_table.columns if c.name != "recorded_at")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def database_url(db: str) -> str:
    """``plans.db`` -> ``sqlite:///<absolute path>``; a URL with ``://`` is used as given."""
    db = str(db).strip()
    if not db:
        raise InputError("empty database", loc="--db", expected="a SQLite file path or a SQLAlchemy URL")
    if "://" in db:
        return db
    return "sqlite:///" + str(Path(db).expanduser().resolve())


def _engine(url: str) -> Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise InputError(f"not a database URL ({exc})", loc="--db", input=url,
                         expected="a SQLite file path (plans.db) or a URL such as postgresql+psycopg://user@host/db") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            eng = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

            @sa.event.listens_for(eng, "connect")
            def _no_driver_txn(dbapi_conn: Any, _rec: Any) -> None:
                dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (SQLAlchemy's pysqlite recipe)

            @sa.event.listens_for(eng, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

            return eng
        return sa.create_engine(url, pool_pre_ping=True)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise InputError(f"cannot use this database: {exc}", loc="--db", input=url,
                         expected="sqlite (built in) or postgresql+psycopg (pip install 'livelift[plans]')") from None


class Store:
    """A plan store at ``url``; :meth:`open` checks the schema, :meth:`create` makes it."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @classmethod
    def open(cls, db: str, *, create: bool = False) -> "Store":
        url = database_url(db)
        if not create:
            _check_sqlite_file(url)  # connecting would create an empty file: only `plan init` makes a store
        store = cls(_engine(url), url)
        try:
            version = store._version()
            if version is None:
                if not create:
                    raise InputError("no plan store here yet", loc="--db", input=_safe(url),
                                     expected="a store made by `livelift plan init HISTORY --db ...`")
                metadata.create_all(store.engine)
                with store.begin() as conn:
                    conn.execute(sa.insert(schema_table).values(id=1, version=SCHEMA_VERSION, created_at=now()))
            elif version > SCHEMA_VERSION:
                raise InputError(f"this plan store has schema version {version}, newer than this livelift "
                                 f"understands ({SCHEMA_VERSION})", loc="--db", input=_safe(url),
                                 expected=f"schema version <= {SCHEMA_VERSION}: upgrade livelift to use this store")
        except sa.exc.OperationalError as exc:
            store.dispose()
            raise InputError(f"cannot open the database: {str(exc.orig).strip()}", loc="--db", input=_safe(url),
                             expected="a reachable database (check the path, host, port, user and password)") from None
        except sa.exc.DatabaseError as exc:  # e.g. SQLite's "file is not a database": a CSV or any other file
            store.dispose()
            raise _not_a_store(url, exc) from None
        return store

    def _version(self) -> int | None:
        if not sa.inspect(self.engine).has_table(schema_table.name):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(schema_table.c.version).where(schema_table.c.id == 1)).first()
            conn.rollback()
        return None if row is None else int(row[0])

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed at the end of the block, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    def settings(self, conn: Connection | None = None) -> dict[str, Any]:
        def read(c: Connection) -> dict[str, Any]:
            return {k: json.loads(v) for k, v in c.execute(sa.select(settings_table.c.key, settings_table.c.value))}

        if conn is not None:
            return read(conn)
        with self.engine.connect() as c:
            out = read(c)
            c.rollback()
        return out

    @staticmethod
    def put_settings(conn: Connection, values: dict[str, Any]) -> None:
        conn.execute(sa.delete(settings_table).where(settings_table.c.key.in_(list(values))))
        conn.execute(sa.insert(settings_table), [{"key": k, "value": json.dumps(v)} for k, v in values.items()])

    def dispose(self) -> None:
        self.engine.dispose()


_STORE_EXPECTED = ("a plan store made by `livelift plan init HISTORY --db plans.db` (a SQLite file), a new file "
                   "path for `plan init`, or a database URL; a history CSV goes in HISTORY, not in --db")


def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for other databases and in-memory SQLite)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return None  # _engine says what is wrong with it
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _check_sqlite_file(url: str) -> None:
    """Refuse a SQLite path with no file there, before connecting (which would create an empty one)."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        raise InputError("no plan store here yet (no such file)", loc="--db", input=str(path),
                         expected="a store made by `livelift plan init HISTORY --db ...`; check the path")


def _not_a_store(url: str, exc: sa.exc.DatabaseError) -> InputError:
    reason = str(getattr(exc, "orig", exc)).strip()
    path = _sqlite_path(url)
    if path is not None:
        return InputError(f"this file is not a livelift plan store (SQLite database): {reason}", loc="--db",
                          input=str(path), expected=_STORE_EXPECTED)
    return InputError(f"cannot use this database as a plan store: {reason}", loc="--db", input=_safe(url),
                      expected=_STORE_EXPECTED)


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
