# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: Prisma's `sqlite` provider, file: URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Parts, PreflightParts
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.codes import SqliteCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.dialect import SqliteDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.driver import SqliteDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.history import SqliteHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.lock import SqliteMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.url import PROVIDER, parse_url

__all__ = ("AZURE_SQL", "LOCKFILE_PROVIDERS", "PROVIDER", "SCHEMES", "after_connect", "parse_url", "parts")

# URL schemes (lowercase, without `:`) that name this database, as Prisma reads them.
SCHEMES = ("file",)
# What migration_lock.toml may say for this database; the first is the schema engine's connector type.
LOCKFILE_PROVIDERS = ("sqlite",)
# Azure SQL speaks this protocol: it takes Entra ID access tokens, and its gateway refuses a client it does not admit.
AZURE_SQL = False


def parts(target, options) -> Parts:
    dialect = SqliteDialect(target)
    driver = SqliteDriver(target, dialect, options)
    lock = SqliteMigrateLock(target, dialect)
    return Parts(
        dialect=dialect,
        driver=driver,
        history=SqliteHistoryTable(target, dialect),
        lock=lock,
        codes=SqliteCodeTable(),
        preflight=preflight_parts,
    )


def preflight_parts(chosen: Parts) -> PreflightParts:
    """The catalog, rehearsal and lock rules, imported when a preflight first asks for them."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.catalog import SqliteCatalog
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.impact import SqliteLockImpact
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.rehearsal import SqliteRehearsal

    dialect = chosen.dialect
    return PreflightParts(
        catalog=SqliteCatalog(dialect.target, dialect),
        rehearsal=SqliteRehearsal(dialect.target, dialect, chosen.lock, chosen.driver),
        impact=SqliteLockImpact(dialect),
    )


def after_connect(chosen: Parts, connection) -> Parts:
    """The parts for the server the connection reached: a variant sharing this URL form (as CockroachDB shares
    PostgreSQL's) is told apart here, not by the URL's scheme."""
    del connection
    return chosen
