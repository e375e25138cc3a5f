# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: Prisma's `_prisma_migrations` table: DDL, statements, timestamps."""

from __future__ import annotations

from datetime import UTC

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import HistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    create_table_statement,
)

COLUMN_TYPES = (
    ("id", "VARCHAR(36) PRIMARY KEY NOT NULL"),
    ("checksum", "VARCHAR(64) NOT NULL"),
    ("finished_at", "DATETIMEOFFSET"),
    ("migration_name", "NVARCHAR(250) NOT NULL"),
    ("logs", "NVARCHAR(MAX) NULL"),
    ("rolled_back_at", "DATETIMEOFFSET"),
    ("started_at", "DATETIMEOFFSET NOT NULL DEFAULT CURRENT_TIMESTAMP"),
    ("applied_steps_count", "INT NOT NULL DEFAULT 0"),
)


class MssqlHistoryTable(HistoryTable):
    @property
    def create_table(self) -> str:
        return create_table_statement(self.table, COLUMN_TYPES)

    def table_exists_query(self) -> tuple[str, tuple]:
        return (
            "SELECT 1 FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations'",
            (self.target.schema,),
        )

    @property
    def timestamp_parameter(self) -> str:
        # pyodbc cannot bind an offset-aware datetime; pass text and let the server parse it exactly.
        return f"CAST({self.dialect.placeholder} AS DATETIMEOFFSET)"

    def bind_timestamp(self, value):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + " +00:00"

    def history_columns_query(self) -> tuple[str, tuple]:
        return (
            "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
            "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations'",
            (self.target.schema,),
        )
