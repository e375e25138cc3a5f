# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: never rehearsed (DDL commits implicitly); what the repair, which runs statement by statement
here, borrows: stopping a statement from outside the session."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import Rehearsal


class MysqlRehearsal(Rehearsal):
    guarded_settings = ("max_statement_time", "max_execution_time", "lock_wait_timeout", "innodb_lock_wait_timeout")

    def rehearsal_blocker(self, connection, statements) -> str | None:
        del connection, statements
        return (
            "MySQL and MariaDB commit every DDL statement implicitly, so a rehearsal could not be rolled back; "
            "count the offending rows instead to tell whether the data is fixed."
        )

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        # KILL QUERY from a second session ends the statement this one runs (an ALTER TABLE is rolled back to the
        # table as it was); the session itself stays. A session may end its own user's statements.
        del cursor
        thread = connection.thread_id()

        def cancel():
            other = self.driver.connect(read_only=True, lock_timeout=1, statement_timeout=5)
            try:
                other.cursor().execute(f"KILL QUERY {int(thread)}")
            finally:
                other.close()

        return cancel, None
