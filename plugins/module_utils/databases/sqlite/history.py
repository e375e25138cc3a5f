# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: Prisma's `_prisma_migrations` table: DDL, statements, timestamps."""

from __future__ import annotations

from datetime import UTC

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import HistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    STARTED_AT,
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


def bind_text_timestamp(value) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


class SqliteHistoryTable(HistoryTable):
    fraction_digits = 3

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

    def history_columns_query(self) -> tuple[str, tuple]:
        return "SELECT name FROM pragma_table_info('_prisma_migrations')", ()

    def prisma_next_tables_query(self) -> tuple[str, tuple]:
        return (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('_prisma_marker', '_prisma_ledger') "
            "ORDER BY name",
            (),
        )
