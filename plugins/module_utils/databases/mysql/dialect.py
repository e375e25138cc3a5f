# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: names and SQL text as this database takes them."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.url import PROVIDER
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Dialect
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.syntax import Syntax


class MysqlDialect(Dialect):
    provider = PROVIDER
    lockfile_providers = ("mysql",)

    syntax = Syntax("mysql")
    transactional_ddl = False

    def quote_name(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def fold(self, name: str) -> str:
        # Column and index names compare case-insensitively in MySQL.
        return name.lower()
