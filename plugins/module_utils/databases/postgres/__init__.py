# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: Prisma's `postgresql` provider, postgresql:// and postgres:// URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Parts, PreflightParts
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.codes import PostgresCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.dialect import PostgresDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.driver import PostgresDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.history import PostgresHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.lock import PostgresMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.url import PROVIDER, parse_url

__all__ = ("AZURE_SQL", "LOCKFILE_PROVIDERS", "PROVIDER", "SCHEMES", "after_connect", "parse_url", "parts")

# URL schemes (lowercase, without `:`) that name this database, as Prisma reads them.
SCHEMES = ("postgresql", "postgres")
# What migration_lock.toml may say for this database; the first is the schema engine's connector type.
LOCKFILE_PROVIDERS = ("postgresql",)
# Azure SQL speaks this protocol: it takes Entra ID access tokens, and its gateway refuses a client it does not admit.
AZURE_SQL = False


def parts(target, options) -> Parts:
    dialect = PostgresDialect(target)
    driver = PostgresDriver(target, dialect, options)
    lock = PostgresMigrateLock(target, dialect)
    return Parts(
        dialect=dialect,
        driver=driver,
        history=PostgresHistoryTable(target, dialect),
        lock=lock,
        codes=PostgresCodeTable(),
        preflight=preflight_parts,
    )


def preflight_parts(chosen: Parts) -> PreflightParts:
    """The catalog, rehearsal and lock rules, imported when a preflight first asks for them."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.catalog import PostgresCatalog
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.impact import PostgresLockImpact
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.rehearsal import PostgresRehearsal

    dialect = chosen.dialect
    return PreflightParts(
        catalog=PostgresCatalog(dialect.target, dialect),
        rehearsal=PostgresRehearsal(dialect.target, dialect, chosen.lock, chosen.driver),
        impact=PostgresLockImpact(dialect),
    )


def after_connect(chosen: Parts, connection) -> Parts:
    """The parts for the server the connection reached: a variant sharing this URL form (as CockroachDB shares
    PostgreSQL's) is told apart here, not by the URL's scheme."""
    del connection
    return chosen
