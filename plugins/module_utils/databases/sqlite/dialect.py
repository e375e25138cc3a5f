# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: names and SQL text as this database takes them."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Dialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.url import PROVIDER
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.syntax import Syntax


class SqliteDialect(Dialect):
    provider = PROVIDER
    lockfile_providers = ("sqlite",)

    placeholder = "?"

    syntax = Syntax("sqlite")

    def fold(self, name: str) -> str:
        return name.lower()
