# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: the parts only the preflight and the repair use, apart from the family module so that Ansible ships
them only with the modules that import databases/preflight_parts.py."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.catalog import PostgresCatalog
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.impact import PostgresLockImpact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.inverses import PostgresInverses
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.rehearsal import PostgresRehearsal

# Catalog, Rehearsal, LockImpact, Inverses.
CLASSES = (PostgresCatalog, PostgresRehearsal, PostgresLockImpact, PostgresInverses)
