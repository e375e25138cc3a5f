# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: Prisma's `postgresql` provider, postgresql:// and postgres:// URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.codes import PostgresCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.dialect import PostgresDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.driver import PostgresDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.history import PostgresHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.lock import PostgresMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.url import parse_url

__all__ = ("PARTS", "parse_url")

# Dialect, Driver, HistoryTable, MigrateLock, CodeTable: the parts every module uses.
PARTS = (PostgresDialect, PostgresDriver, PostgresHistoryTable, PostgresMigrateLock, PostgresCodeTable)
