# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: Prisma's `_prisma_migrations` table: DDL, statements, timestamps."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import HistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.dialect import quote
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    create_table_statement,
)

COLUMN_TYPES = (
    ("id", "VARCHAR(36) PRIMARY KEY NOT NULL"),
    ("checksum", "VARCHAR(64) NOT NULL"),
    ("finished_at", "TIMESTAMPTZ"),
    ("migration_name", "VARCHAR(255) NOT NULL"),
    ("logs", "TEXT"),
    ("rolled_back_at", "TIMESTAMPTZ"),
    ("started_at", "TIMESTAMPTZ NOT NULL DEFAULT now()"),
    ("applied_steps_count", "INTEGER NOT NULL DEFAULT 0"),
)


class PostgresHistoryTable(HistoryTable):
    @property
    def create_table(self) -> str:
        return create_table_statement(self.table, COLUMN_TYPES, quote=lambda name: f'"{name}"')

    @property
    def prepare_table(self) -> tuple[str, ...]:
        # Prisma creates a missing schema when it connects.
        return (f"CREATE SCHEMA IF NOT EXISTS {quote(self.target.schema)}",)

    def table_exists_query(self) -> tuple[str, tuple]:
        return (
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = '_prisma_migrations'",
            (self.target.schema,),
        )

    def history_columns_query(self) -> tuple[str, tuple]:
        return (
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = '_prisma_migrations'",
            (self.target.schema,),
        )

    def prisma_next_tables_query(self) -> tuple[str, tuple]:
        return (
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema = 'prisma_contract' AND table_name IN ('marker', 'ledger') ORDER BY table_name",
            (),
        )
