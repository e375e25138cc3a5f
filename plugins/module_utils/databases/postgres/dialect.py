# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: names and SQL text as this database takes them."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Dialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.url import PROVIDER
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.syntax import Syntax


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class PostgresDialect(Dialect):
    provider = PROVIDER
    lockfile_providers = ("postgresql",)

    syntax = Syntax("postgres", folds_unquoted_names=True)

    def quote_name(self, name: str) -> str:
        return quote(name)

    def default_schema(self) -> str | None:
        return self.target.schema
