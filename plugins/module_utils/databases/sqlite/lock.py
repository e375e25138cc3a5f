# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: Prisma's migrate lock: take it, and who holds it."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import MigrateLock


class SqliteMigrateLock(MigrateLock):
    # Prisma's schema engine takes no migrate lock on SQLite: there is never a holder to end.
    named_lock = False

    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        # SQLite has no named lock: the database's write lock is Prisma's lock; the busy timeout bounds the wait.
        del lock_timeout
        cursor.execute("BEGIN IMMEDIATE")
        return True
