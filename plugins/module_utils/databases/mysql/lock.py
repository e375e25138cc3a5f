# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: Prisma's migrate lock: take it, and who holds it."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import MigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    LOCK_NAME,
    rows_as_dicts,
    statement_kind,
)

# A statement taking Prisma's lock, as a LIKE pattern (`_` escaped): SELECT GET_LOCK('prisma_migrate', ...).
LOCK_STATEMENT = "%GET\\_LOCK%" + LOCK_NAME.replace("_", "\\_") + "%"


class MysqlMigrateLock(MigrateLock):
    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        # GET_LOCK belongs to the session, not the transaction: end_locked releases it.
        cursor.execute(f"SELECT GET_LOCK('{LOCK_NAME}', %s)", (lock_timeout,))
        if cursor.fetchone()[0] != 1:
            return False
        # DDL commits implicitly in MySQL: a CREATE TABLE inside this transaction is committed at once, under the lock.
        cursor.execute("START TRANSACTION")
        return True

    def end_locked(self, cursor) -> None:
        cursor.execute(f"SELECT RELEASE_LOCK('{LOCK_NAME}')")

    def lock_holders(self, cursor) -> list[dict]:
        # GET_LOCK names belong to the server, not one database: whoever holds `prisma_migrate` blocks a deploy.
        cursor.execute(f"SELECT IS_USED_LOCK('{LOCK_NAME}')")
        holder = cursor.fetchone()[0]
        if holder is None:
            return []
        # PROCESSLIST's TIME is how long the session has been in its current command: while it sleeps, the end of
        # its last statement, by which it had taken the lock.
        # COMMAND 'Sleep' is a session between statements; TIME, how long it has been in its COMMAND; INFO, the
        # statement it runs (its text carries values: only its kind leaves this function).
        cursor.execute(
            "SELECT p.ID AS session, p.USER AS user, SUBSTRING_INDEX(p.HOST, ':', 1) AS client_address, "
            "NULL AS since, NULL AS since_earliest, CASE WHEN p.COMMAND = 'Sleep' "
            "THEN DATE_SUB(UTC_TIMESTAMP(), INTERVAL p.TIME SECOND) ELSE UTC_TIMESTAMP() END AS since_latest, "
            "p.DB AS database_name, CASE WHEN p.COMMAND = 'Sleep' THEN 'idle' ELSE 'running' END AS state, "
            "CASE WHEN p.COMMAND = 'Sleep' THEN p.TIME END AS idle_seconds, "
            "CASE WHEN p.COMMAND <> 'Sleep' THEN p.TIME END AS running_seconds, p.INFO AS query "
            "FROM information_schema.PROCESSLIST AS p WHERE p.ID = %s",
            (holder,),
        )
        # Without the PROCESS privilege another user's connection is invisible: its id is all we know.
        holders = rows_as_dicts(cursor) or [{"session": holder, "state": None}]
        found = holders[0]
        found["statement_kind"] = statement_kind(found.pop("query", None))
        if found["state"] == "idle" and self._in_transaction(cursor, holder):
            found["state"] = "idle_in_transaction"
        found["since"] = self._lock_taken_at(cursor, holder)
        return holders

    def _in_transaction(self, cursor, session: int) -> bool:
        """Whether InnoDB has a transaction open for `session` (one that has not touched InnoDB yet does not show);
        False when INNODB_TRX cannot be read."""
        try:
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = %s", (session,)
            )
            return cursor.fetchone()[0] > 0
        except Exception:  # PROCESS missing: the processlist said Sleep, which is what we go by
            return False

    def release_holder(self, cursor, session, min_idle: int) -> bool:
        # KILL takes no condition: the holder is checked in one statement right before it (a statement it starts in
        # between is ended with it; the window is one round trip).
        if self._in_transaction(cursor, int(session)):
            return False
        cursor.execute(
            "SELECT p.ID FROM information_schema.PROCESSLIST AS p WHERE p.ID = %s AND p.COMMAND = 'Sleep' "
            f"AND p.TIME >= %s AND IS_USED_LOCK('{LOCK_NAME}') = p.ID",
            (int(session), min_idle),
        )
        if cursor.fetchone() is None:
            return False
        cursor.execute("KILL CONNECTION %s", (int(session),))
        return True

    def _lock_taken_at(self, cursor, session: int):
        """When `session` took Prisma's lock: the end of its GET_LOCK('prisma_migrate') in performance_schema's
        statement history (MySQL keeps each thread's last 10 statements by default; MariaDB when
        performance_schema and its events_statements_current/history consumers are on). Performance-schema timers
        count from the server's start: the holder's statement is dated from our own running statement's timer.
        None when the history does not have it (off, not readable, or pushed out by later statements)."""
        try:
            cursor.execute(
                "SELECT UTC_TIMESTAMP(6) - INTERVAL ((mine.TIMER_START - taken.TIMER_END) DIV 1000000) MICROSECOND "
                "FROM performance_schema.events_statements_history AS taken "
                "JOIN performance_schema.threads AS holder ON holder.THREAD_ID = taken.THREAD_ID "
                "JOIN performance_schema.threads AS me ON me.PROCESSLIST_ID = CONNECTION_ID() "
                "JOIN performance_schema.events_statements_current AS mine ON mine.THREAD_ID = me.THREAD_ID "
                "WHERE holder.PROCESSLIST_ID = %s AND taken.TIMER_END IS NOT NULL AND taken.ERRORS = 0 "
                "AND taken.SQL_TEXT LIKE %s ORDER BY taken.TIMER_END DESC LIMIT 1",
                (session, LOCK_STATEMENT),
            )
            row = cursor.fetchone()
        except Exception:  # performance_schema missing or not readable: the bounds above stand
            return None
        return row[0] if row else None

    def limit_lock_waits(self, cursor, seconds: int) -> None:
        # Metadata locks (ALTER TABLE, LOCK TABLES ... WRITE) are what a read of the table can wait for.
        cursor.execute("SET SESSION lock_wait_timeout = %s", (seconds,))

    def history_lock_holders(self, cursor) -> list[dict]:
        # performance_schema.metadata_locks names them (MySQL 8 by default; MariaDB with performance_schema on).
        cursor.execute(
            "SELECT t.PROCESSLIST_ID AS session, t.PROCESSLIST_USER AS user, t.PROCESSLIST_HOST AS client_address, "
            "m.LOCK_STATUS = 'GRANTED' AS granted, m.LOCK_TYPE AS lock_type "
            "FROM performance_schema.metadata_locks AS m JOIN performance_schema.threads AS t "
            "ON t.THREAD_ID = m.OWNER_THREAD_ID WHERE m.OBJECT_TYPE = 'TABLE' AND m.OBJECT_SCHEMA = DATABASE() "
            "AND m.OBJECT_NAME = '_prisma_migrations' AND t.PROCESSLIST_ID <> CONNECTION_ID() "
            "AND m.LOCK_TYPE NOT IN ('SHARED_READ', 'SHARED_HIGH_PRIO', 'SHARED') ORDER BY granted DESC, session"
        )
        return [{**holder, "granted": bool(holder["granted"])} for holder in rows_as_dicts(cursor)]
