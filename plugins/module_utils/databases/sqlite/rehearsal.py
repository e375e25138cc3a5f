# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: running a migration inside a transaction that is always rolled back."""

from __future__ import annotations

import time

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import Rehearsal
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    REHEARSAL_ENGINE_MARGIN,
)


class SqliteRehearsal(Rehearsal):
    guarded_settings = ("busy_timeout",)

    def sets_only_settings(self, tokens) -> bool:
        return [token.up for token in tokens[:1]] == ["PRAGMA"]

    def begin_rehearsal(self, connection, cursor, *, statement_timeout: int, lock_wait: int) -> bool:
        # Prisma's connection enforces foreign keys; set before BEGIN, it lasts for this connection only.
        del lock_wait  # the busy timeout the connection was opened with
        cursor.execute("PRAGMA foreign_keys = ON")
        deadline = time.monotonic() + statement_timeout
        # A non-zero answer interrupts the running statement (SQLITE_INTERRUPT): statement_timeout for the rehearsal.
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        # The database's write lock is Prisma's lock here; taken at BEGIN, it makes a running deploy wait, or us.
        cursor.execute("BEGIN IMMEDIATE")
        return True

    def end_rehearsal(self, connection) -> None:
        connection.set_progress_handler(None, 0)

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        # sqlite3 documents interrupt() as called from another thread to abort what runs on the connection: the
        # statement ends with SQLITE_INTERRUPT and SQLite rolls the transaction back.
        del cursor
        return connection.interrupt, None

    def bound_rehearsal(
        self, connection, cursor, *, seconds_left: float, lock_wait: int, statement_timeout: int
    ) -> None:
        seconds_left += REHEARSAL_ENGINE_MARGIN
        deadline = time.monotonic() + min(statement_timeout, seconds_left)
        # A non-zero answer interrupts the running statement (SQLITE_INTERRUPT).
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        # The wait for another connection's lock (the busy handler) is bounded by the same deadline.
        cursor.execute(f"PRAGMA busy_timeout = {max(1, int(min(lock_wait, seconds_left) * 1000))}")
