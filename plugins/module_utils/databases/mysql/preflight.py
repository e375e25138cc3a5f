# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: the parts only the preflight and the repair use, apart from the family module so that Ansible
ships them only with the modules that import databases/preflight_parts.py."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.catalog import MysqlCatalog
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.impact import MysqlLockImpact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.inverses import MysqlInverses
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.rehearsal import MysqlRehearsal

# Catalog, Rehearsal, LockImpact, Inverses.
CLASSES = (MysqlCatalog, MysqlRehearsal, MysqlLockImpact, MysqlInverses)
