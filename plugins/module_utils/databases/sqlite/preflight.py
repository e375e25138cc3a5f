# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: the parts only the preflight and the repair use, apart from the family module so that Ansible ships
them only with the modules that import databases/preflight_parts.py."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.catalog import SqliteCatalog
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.impact import SqliteLockImpact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.inverses import SqliteInverses
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.rehearsal import SqliteRehearsal

# Catalog, Rehearsal, LockImpact, Inverses.
CLASSES = (SqliteCatalog, SqliteRehearsal, SqliteLockImpact, SqliteInverses)
