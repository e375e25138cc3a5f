# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server: the parts only the preflight and the repair use, apart from the family module so that Ansible ships
them only with the modules that import databases/preflight_parts.py."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.catalog import MssqlCatalog
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.impact import MssqlLockImpact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.inverses import MssqlInverses
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.rehearsal import MssqlRehearsal

# Catalog, Rehearsal, LockImpact, Inverses.
CLASSES = (MssqlCatalog, MssqlRehearsal, MssqlLockImpact, MssqlInverses)
