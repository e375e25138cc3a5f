# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: Prisma's `sqlite` provider, file: URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.codes import SqliteCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.dialect import SqliteDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.driver import SqliteDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.history import SqliteHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.lock import SqliteMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.url import parse_url

__all__ = ("PARTS", "parse_url")

# Dialect, Driver, HistoryTable, MigrateLock, CodeTable: the parts every module uses.
PARTS = (SqliteDialect, SqliteDriver, SqliteHistoryTable, SqliteMigrateLock, SqliteCodeTable)
