# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: Prisma's `_prisma_migrations` table: DDL, statements, timestamps."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import HistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    create_table_statement,
)

COLUMN_TYPES = (
    ("id", "VARCHAR(36) PRIMARY KEY NOT NULL"),
    ("checksum", "VARCHAR(64) NOT NULL"),
    ("finished_at", "DATETIME(3)"),
    ("migration_name", "VARCHAR(255) NOT NULL"),
    ("logs", "TEXT"),
    ("rolled_back_at", "DATETIME(3)"),
    ("started_at", "DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"),
    ("applied_steps_count", "INTEGER UNSIGNED NOT NULL DEFAULT 0"),
)


class MysqlHistoryTable(HistoryTable):
    fraction_digits = 3

    @property
    def create_table(self) -> str:
        return create_table_statement(
            self.table, COLUMN_TYPES, suffix=" DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )

    def table_exists_query(self) -> tuple[str, tuple]:
        return (
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations'",
            (),
        )

    def bind_timestamp(self, value):
        # DATETIME(3) has no zone: Prisma stores UTC.
        return super().bind_timestamp(value).replace(tzinfo=None)

    def history_columns_query(self) -> tuple[str, tuple]:
        return (
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations'",
            (),
        )
