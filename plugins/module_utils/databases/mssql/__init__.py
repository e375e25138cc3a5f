# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: Prisma's `sqlserver` provider, sqlserver:// URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.codes import MssqlCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.dialect import MssqlDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.driver import MssqlDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.history import MssqlHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.lock import MssqlMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.url import parse_url

__all__ = ("PARTS", "parse_url")

# Dialect, Driver, HistoryTable, MigrateLock, CodeTable: the parts every module uses.
PARTS = (MssqlDialect, MssqlDriver, MssqlHistoryTable, MssqlMigrateLock, MssqlCodeTable)
