# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: names and SQL text as this database takes them."""

from __future__ import annotations

import re

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.url import PROVIDER, quote
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Dialect
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.syntax import Syntax

# The pieces of the wrapper Prisma writes around every SQL Server migration (BEGIN TRY / BEGIN TRAN ... COMMIT TRAN /
# END TRY BEGIN CATCH ... THROW END CATCH).
PRISMA_WRAPPER = re.compile(
    r"^(BEGIN TRY( BEGIN TRAN(SACTION)?)?|BEGIN TRAN(SACTION)?|COMMIT( TRAN(SACTION)?)?|"
    r"END TRY BEGIN CATCH .*|END|THROW( END CATCH)?|END CATCH)$",
    re.IGNORECASE | re.DOTALL,
)


class MssqlDialect(Dialect):
    provider = PROVIDER
    lockfile_providers = ("mssql", "sqlserver")

    placeholder = "?"

    syntax = Syntax(
        "tsql",
        wrapper=PRISMA_WRAPPER,
        alter_column_restates=True,
        named_default_constraints=True,
    )
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
