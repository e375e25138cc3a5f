# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: Prisma's `sqlserver` provider, sqlserver:// URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.codes import MssqlCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.dialect import MssqlDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.driver import MssqlDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.history import MssqlHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.lock import MssqlMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.url import PROVIDER, parse_url
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Parts, PreflightParts

__all__ = ("AZURE_SQL", "LOCKFILE_PROVIDERS", "PROVIDER", "SCHEMES", "after_connect", "parse_url", "parts")

# URL schemes (lowercase, without `:`) that name this database, as Prisma reads them.
SCHEMES = ("sqlserver",)
# What migration_lock.toml may say for this database; the first is the schema engine's connector type.
LOCKFILE_PROVIDERS = ("mssql", "sqlserver")
# Azure SQL speaks this protocol: it takes Entra ID access tokens, and its gateway refuses a client it does not admit.
AZURE_SQL = True


def parts(target, options) -> Parts:
    dialect = MssqlDialect(target)
    driver = MssqlDriver(target, dialect, options)
    lock = MssqlMigrateLock(target, dialect)
    return Parts(
        dialect=dialect,
        driver=driver,
        history=MssqlHistoryTable(target, dialect),
        lock=lock,
        codes=MssqlCodeTable(),
        preflight=preflight_parts,
    )


def preflight_parts(chosen: Parts) -> PreflightParts:
    """The catalog, rehearsal and lock rules, imported when a preflight first asks for them."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.catalog import MssqlCatalog
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.impact import MssqlLockImpact
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.rehearsal import MssqlRehearsal

    dialect = chosen.dialect
    return PreflightParts(
        catalog=MssqlCatalog(dialect.target, dialect),
        rehearsal=MssqlRehearsal(dialect.target, dialect, chosen.lock, chosen.driver),
        impact=MssqlLockImpact(dialect),
    )


def after_connect(chosen: Parts, connection) -> Parts:
    """The parts for the server the connection reached: a variant sharing this URL form (as CockroachDB shares
    PostgreSQL's) is told apart here, not by the URL's scheme."""
    del connection
    return chosen
