# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite as Prisma's `sqlite` provider uses it (the standard library's sqlite3)."""

from __future__ import annotations

import os
from datetime import UTC
from urllib.parse import quote, unquote

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connection_problems import (
    DATABASE_MISSING,
    ConnectionProblem,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.database_url import DatabaseTarget
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import ConnectionFailed, DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.base import (
    STARTED_AT,
    TABLE,
    Flavour,
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


def bind_text_timestamp(value) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds")
