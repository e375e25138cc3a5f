# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: Prisma's `mysql` provider, mysql:// URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.codes import MysqlCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.dialect import MysqlDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.driver import MysqlDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.history import MysqlHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.lock import MysqlMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.url import PROVIDER, parse_url
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Parts, PreflightParts

__all__ = ("AZURE_SQL", "LOCKFILE_PROVIDERS", "PROVIDER", "SCHEMES", "after_connect", "parse_url", "parts")

# URL schemes (lowercase, without `:`) that name this database, as Prisma reads them.
SCHEMES = ("mysql",)
# What migration_lock.toml may say for this database; the first is the schema engine's connector type.
LOCKFILE_PROVIDERS = ("mysql",)
# Azure SQL speaks this protocol: it takes Entra ID access tokens, and its gateway refuses a client it does not admit.
AZURE_SQL = False


def parts(target, options) -> Parts:
    dialect = MysqlDialect(target)
    driver = MysqlDriver(target, dialect, options)
    lock = MysqlMigrateLock(target, dialect)
    return Parts(
        dialect=dialect,
        driver=driver,
        history=MysqlHistoryTable(target, dialect),
        lock=lock,
        codes=MysqlCodeTable(),
        preflight=preflight_parts,
    )


def preflight_parts(chosen: Parts) -> PreflightParts:
    """The catalog, rehearsal and lock rules, imported when a preflight first asks for them."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.catalog import MysqlCatalog
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.impact import MysqlLockImpact
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.rehearsal import MysqlRehearsal

    dialect = chosen.dialect
    return PreflightParts(
        catalog=MysqlCatalog(dialect.target, dialect),
        rehearsal=MysqlRehearsal(dialect.target, dialect, chosen.lock, chosen.driver),
        impact=MysqlLockImpact(dialect),
    )


def after_connect(chosen: Parts, connection) -> Parts:
    """The parts for the server the connection reached: a variant sharing this URL form (as CockroachDB shares
    PostgreSQL's) is told apart here, not by the URL's scheme."""
    del connection
    return chosen
