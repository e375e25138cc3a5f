# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: names and SQL text as this database takes them."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.url import PROVIDER, quote
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Dialect


class MssqlDialect(Dialect):
    provider = PROVIDER

    placeholder = "?"

    # Preflight (issue 9) -------------------------------------------------------------------------------------------
    sqlglot_dialect = "tsql"
    # Its unique indexes take one NULL only.
    unique_ignores_nulls = False

    def quote_name(self, name: str) -> str:
        return quote(name)

    def default_schema(self) -> str | None:
        return self.target.schema

    def fold(self, name: str) -> str:
        # SQL Server's default collations compare names case-insensitively; Babelfish lowercases its catalog.
        return name.lower()

    def limited_select(self, columns: str, rest: str, limit: int) -> str:
        return f"SELECT TOP ({limit}) {columns} {rest}"
