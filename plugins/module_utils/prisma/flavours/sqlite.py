# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite as Prisma's `sqlite` provider uses it (the standard library's sqlite3)."""

from __future__ import annotations

import os
import time
from datetime import UTC
from urllib.parse import quote, unquote

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connection_problems import (
    DATABASE_MISSING,
    ConnectionProblem,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.database_url import DatabaseTarget
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import ConnectionFailed, DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.base import (
    REHEARSAL_ENGINE_MARGIN,
    STARTED_AT,
    TABLE,
    UNREADABLE,
    ColumnInfo,
    Flavour,
    ObjectInfo,
    TableInfo,
    create_table_statement,
)

COLUMN_TYPES = (
    ("id", "TEXT PRIMARY KEY NOT NULL"),
    ("checksum", "TEXT NOT NULL"),
    ("finished_at", "DATETIME"),
    ("migration_name", "TEXT NOT NULL"),
    ("logs", "TEXT"),
    ("rolled_back_at", "DATETIME"),
    ("started_at", "DATETIME NOT NULL DEFAULT current_timestamp"),
    ("applied_steps_count", "INTEGER UNSIGNED NOT NULL DEFAULT 0"),
)


class SqliteFlavour(Flavour):
    provider = "sqlite"
    schemes = ("file",)
    lockfile_providers = ("sqlite",)
    placeholder = "?"
    fraction_digits = 3

    @classmethod
    def parse_url(cls, url: str, project_dir: str | None) -> DatabaseTarget:
        location = url[len("file:") :].split("?", 1)[0]
        if location.startswith("//"):
            location = location[2:]
        location = unquote(location)
        if not location:
            raise DatabaseUrlError("The SQLite URL names no file; expected file:./dev.db or file:/absolute/path.db.")
        if not os.path.isabs(location):
            # Prisma resolves a relative SQLite path against the schema's folder.
            location = os.path.join(project_dir or os.getcwd(), location)
        return DatabaseTarget(provider=cls.provider, path=os.path.normpath(location))

    def connect(
        self, *, read_only: bool, lock_timeout: int, access_token=None, odbc_driver=None, statement_timeout=None
    ):
        del access_token, odbc_driver, statement_timeout
        import sqlite3

        path = self.target.path
        if not os.path.isfile(path):
            raise ConnectionFailed(
                f"SQLite database file {path} does not exist.",
                error_kind=DATABASE_MISSING,
                hint="A relative file: URL resolves against project_dir (the folder of schema.prisma); "
                "set project_dir.",
            )
        # mode=ro guarantees a read cannot write; mode=rw never creates a file by accident.
        uri = f"file:{quote(path)}?mode={'ro' if read_only else 'rw'}"
        return sqlite3.connect(uri, uri=True, timeout=lock_timeout, isolation_level=None)

    @property
    def table(self) -> str:
        return f'"{TABLE}"'

    @property
    def create_table(self) -> str:
        return create_table_statement(self.table, COLUMN_TYPES, quote=lambda name: f'"{name}"')

    def table_exists_query(self) -> tuple[str, tuple]:
        return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'", ()

    def bind_timestamp(self, value):
        """Prisma's native engine stores integer epoch milliseconds."""
        return int(value.timestamp() * 1000)

    def timestamp_binder(self, stored_rows):
        """SQLite has no timestamp type: Prisma's native engine stores epoch milliseconds, its driver adapters
        (libsql, D1) RFC 3339 text. New values follow the history's own rows, so `ORDER BY started_at` keeps one
        storage class and stays chronological."""
        if stored_rows and isinstance(stored_rows[-1][STARTED_AT], str):
            return bind_text_timestamp
        return self.bind_timestamp

    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        # SQLite has no named lock: the database's write lock is Prisma's lock; the busy timeout bounds the wait.
        del lock_timeout
        cursor.execute("BEGIN IMMEDIATE")
        return True

    def is_lock_timeout(self, error: BaseException) -> bool:
        return type(error).__module__.startswith("sqlite3") and any(
            word in str(error) for word in ("database is locked", "database is busy")
        )

    # Diagnosing a database (prisma_migration_status) ----------------------------------------------------------------

    def classify_connection_error(self, error: BaseException) -> ConnectionProblem | None:
        if "unable to open database file" in str(error):
            return ConnectionProblem.of(DATABASE_MISSING)
        return None

    def history_columns_query(self) -> tuple[str, tuple]:
        return "SELECT name FROM pragma_table_info('_prisma_migrations')", ()

    def prisma_next_tables_query(self) -> tuple[str, tuple]:
        return (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('_prisma_marker', '_prisma_ledger') "
            "ORDER BY name",
            (),
        )

    # Preflight (issue 9) -------------------------------------------------------------------------------------------
    sqlglot_dialect = "sqlite"
    # Extended result codes, as Prisma's native engine records them.
    error_kinds = {
        "2067": "unique_violation",
        "1555": "unique_violation",
        "1299": "not_null_violation",
        "787": "foreign_key_violation",
        "275": "check_violation",
        "20": "type_conversion",
        "8": "permission_denied",
        "23": "permission_denied",
        "5": "lock_timeout",
        "6": "lock_timeout",
        "261": "lock_timeout",
        "517": "lock_timeout",
        # SQLITE_INTERRUPT: our statement_timeout stopped the statement.
        "9": "statement_timeout",
    }

    def fold(self, name: str) -> str:
        return name.lower()

    def error_code(self, error: BaseException) -> str | None:
        code = getattr(error, "sqlite_errorcode", None)
        return None if code is None else str(code)

    # A PRIMARY KEY column takes NULL unless it says NOT NULL (the rowid alias excepted, which SQLite reports
    # as declared).
    primary_key_implies_not_null = False

    def catalog_table(self, cursor, table) -> TableInfo | None:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", (table.name,))
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(
            'SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid',
            (table.name,),
        )
        rows = cursor.fetchall()
        columns = {
            self.fold(name): ColumnInfo(declared or None, not notnull, self.live_default(default), bool(hidden))
            for name, declared, notnull, default, _pk, hidden in rows
        }
        primary_key = tuple(self.fold(name) for name, *_rest, pk, _hidden in sorted(rows, key=lambda r: r[4]) if pk)
        # Constraints keep their names only in the table's CREATE TABLE text, which SQLite stores (and rewrites on
        # renames): read it as migration.sql is read.
        indexes, constraints = self._declared_constraints(row[0])
        cursor.execute('SELECT name, "unique", origin, partial FROM pragma_index_list(?)', (table.name,))
        for name, unique, origin, partial in cursor.fetchall():
            if origin != "c":
                continue
            cursor.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,))
            keys = [column for (column,) in cursor.fetchall()]
            expression = bool(partial) or any(column is None for column in keys)
            indexes[self.fold(name)] = ObjectInfo(
                "index",
                None if expression else tuple(self.fold(column) for column in keys),
                bool(unique),
                partial=expression,
            )
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE", (table.name,)
        )
        triggers = frozenset(self.fold(name) for (name,) in cursor.fetchall())
        return TableInfo(columns, indexes, constraints, primary_key, triggers)

    def _declared_constraints(self, sql: str | None) -> tuple[dict, dict]:
        from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.statements import (
            split_statements,
        )

        indexes, constraints = {}, {}
        statements = split_statements(sql or "", self.sqlglot_dialect)
        actions = statements[0].actions if len(statements) == 1 else ()
        for action in (inner for created in actions for inner in created.inline):
            if action.kind != "add_constraint" or not action.name:
                continue
            name, columns = self.fold(action.name), tuple(self.fold(column) for column in action.columns)
            if action.constraint in ("primary_key", "unique"):
                indexes[name] = ObjectInfo(action.constraint, columns, True)
            elif action.constraint == "foreign_key" and action.ref_table is not None:
                reference = ("", self.fold(action.ref_table.name))
                ref_columns = tuple(self.fold(column) for column in action.ref_columns)
                constraints[name] = ObjectInfo("foreign_key", columns, ref_table=reference, ref_columns=ref_columns)
            elif action.constraint == "check":
                constraints[name] = ObjectInfo("check")
        return indexes, constraints

    def catalog_thing(self, cursor, kind: str, schema: str | None, name: str):
        del schema
        if kind != "view":
            return UNREADABLE
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ? COLLATE NOCASE", (name,))
        return cursor.fetchone() is not None

    def catalog_index_table(self, cursor, schema: str | None, index: str) -> str | None:
        del schema
        cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ? COLLATE NOCASE", (index,))
        row = cursor.fetchone()
        return row[0] if row else None

    def begin_rehearsal(self, connection, cursor, *, statement_timeout: int, lock_wait: int) -> bool:
        # Prisma's connection enforces foreign keys; set before BEGIN, it lasts for this connection only.
        del lock_wait  # the busy timeout the connection was opened with
        cursor.execute("PRAGMA foreign_keys = ON")
        deadline = time.monotonic() + statement_timeout
        # A non-zero answer interrupts the running statement (SQLITE_INTERRUPT): statement_timeout for the rehearsal.
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        # The database's write lock is Prisma's lock here; taken at BEGIN, it makes a running deploy wait, or us.
        cursor.execute("BEGIN IMMEDIATE")
        return True

    def end_rehearsal(self, connection) -> None:
        connection.set_progress_handler(None, 0)

    # Rehearsal bounds and lock impact (issue 15) --------------------------------------------------------------------

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        # sqlite3 documents interrupt() as called from another thread to abort what runs on the connection: the
        # statement ends with SQLITE_INTERRUPT and SQLite rolls the transaction back.
        del cursor
        return connection.interrupt, None

    def bound_rehearsal(
        self, connection, cursor, *, seconds_left: float, lock_wait: int, statement_timeout: int
    ) -> None:
        seconds_left += REHEARSAL_ENGINE_MARGIN
        deadline = time.monotonic() + min(statement_timeout, seconds_left)
        # A non-zero answer interrupts the running statement (SQLITE_INTERRUPT).
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        # The wait for another connection's lock (the busy handler) is bounded by the same deadline.
        cursor.execute(f"PRAGMA busy_timeout = {max(1, int(min(lock_wait, seconds_left) * 1000))}")

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        # Rows from ANALYZE's sqlite_stat1 (the first number of a table's or index's entry) where it was run; the
        # size is the database file's: one write lock covers all of it.
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", (table.name,))
        if cursor.fetchone() is None:
            return None
        rows = None
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone() is not None:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = ? COLLATE NOCASE", (table.name,))
            counts = [int(stat.split()[0]) for (stat,) in cursor.fetchall() if stat and stat.split()[0].isdigit()]
            rows = max(counts) if counts else None
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return rows, cursor.fetchone()[0]

    def impact_facts(self, cursor) -> dict:
        # Without a value the pragma only reads the mode.
        cursor.execute("PRAGMA journal_mode")
        return {"sqlite_wal": str(cursor.fetchone()[0]).lower() == "wal"}


def bind_text_timestamp(value) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds")
