# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: running a migration inside a transaction that is always rolled back."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Rehearsal


class MysqlRehearsal(Rehearsal):
    guarded_settings = ("max_statement_time", "max_execution_time", "lock_wait_timeout", "innodb_lock_wait_timeout")

    def rehearsal_blocker(self, connection, statements) -> str | None:
        del connection, statements
        return (
            "MySQL and MariaDB commit every DDL statement implicitly, so a rehearsal could not be rolled back; "
            "count the offending rows instead to tell whether the data is fixed."
        )
