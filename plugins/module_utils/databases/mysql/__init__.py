# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: Prisma's `mysql` provider, mysql:// URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.codes import MysqlCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.dialect import MysqlDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.driver import MysqlDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.history import MysqlHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.lock import MysqlMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.url import parse_url

__all__ = ("PARTS", "parse_url")

# Dialect, Driver, HistoryTable, MigrateLock, CodeTable: the parts every module uses.
PARTS = (MysqlDialect, MysqlDriver, MysqlHistoryTable, MysqlMigrateLock, MysqlCodeTable)
