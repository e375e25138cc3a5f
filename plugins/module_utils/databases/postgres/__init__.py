# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: Prisma's `postgresql` provider, postgresql:// and postgres:// URLs. Its parts, put together."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.codes import PostgresCodeTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.dialect import PostgresDialect
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.driver import PostgresDriver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.history import PostgresHistoryTable
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.lock import PostgresMigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.url import parse_url

__all__ = ("PARTS", "parse_url", "preflight_classes")

# Dialect, Driver, HistoryTable, MigrateLock, CodeTable: the parts every module uses.
PARTS = (PostgresDialect, PostgresDriver, PostgresHistoryTable, PostgresMigrateLock, PostgresCodeTable)


def preflight_classes() -> tuple:
    """Catalog, Rehearsal, LockImpact, Inverses: imported when a preflight (or a repair) first asks for them."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.catalog import PostgresCatalog
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.impact import PostgresLockImpact
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.inverses import PostgresInverses
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.rehearsal import PostgresRehearsal

    return PostgresCatalog, PostgresRehearsal, PostgresLockImpact, PostgresInverses
