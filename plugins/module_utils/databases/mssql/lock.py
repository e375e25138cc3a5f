# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: Prisma's migrate lock: take it, and who holds it."""

from __future__ import annotations

from contextlib import suppress

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import MigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    LOCK_NAME,
    rows_as_dicts,
    statement_kind,
)

# sys.dm_tran_locks `l`: a grant of Prisma's application lock in the current database.
HOLDS_THE_LOCK = (
    "l.resource_type = 'APPLICATION' AND l.resource_database_id = DB_ID() "
    f"AND l.request_status = 'GRANT' AND l.resource_description LIKE '%:\\[{LOCK_NAME}\\]:%' ESCAPE '\\'"
)


class MssqlMigrateLock(MigrateLock):
    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        # pyodbc has begun the transaction (autocommit off); the lock is the transaction's. sp_getapplock documents
        # a negative result as not granted, 0 and 1 as granted.
        cursor.execute(
            "SET NOCOUNT ON; DECLARE @result INT; "
            f"EXEC @result = sp_getapplock @Resource = N'{LOCK_NAME}', @LockMode = 'Exclusive', "
            "@LockOwner = 'Transaction', @LockTimeout = ?; SELECT @result",
            (lock_timeout * 1000,),
        )
        # A lock that times out also sends a message, which Microsoft's driver hands over as a result set of its
        # own before the SELECT: step to the first result that has rows.
        while cursor.description is None:
            if not cursor.nextset():
                raise RuntimeError("sp_getapplock returned no result")
        return cursor.fetchone()[0] >= 0

    def lock_holders(self, cursor) -> list[dict]:
        # sys.dm_tran_locks names the session holding the application lock (its resource is `<principal>:[name]:...`);
        # servers that do not expose it (VIEW SERVER STATE missing, Babelfish) still answer APPLOCK_TEST, which tests
        # the lock without taking it: held, owner unknown.
        try:
            cursor.execute(
                "SELECT l.request_session_id AS session, s.login_name AS [user], s.program_name AS application, "
                # When the lock was granted is not recorded: after the login, by the end of the last request
                # while the session sleeps (its running request may be the one that took it).
                "c.client_net_address AS client_address, NULL AS since, s.login_time AS since_earliest, "
                "CASE WHEN s.status = 'sleeping' THEN s.last_request_end_time ELSE SYSDATETIME() END AS since_latest, "
                # A session with a request is running a statement (sys.dm_exec_requests); a sleeping one idles, in a
                # transaction while open_transaction_count says so. The statement's text carries its values: only its
                # kind leaves this function.
                "CASE WHEN r.session_id IS NOT NULL THEN 'running' WHEN s.status = 'sleeping' "
                "AND s.open_transaction_count > 0 THEN 'idle_in_transaction' WHEN s.status = 'sleeping' THEN 'idle' "
                "END AS state, CASE WHEN r.session_id IS NULL AND s.status = 'sleeping' "
                "THEN DATEDIFF(second, s.last_request_end_time, GETDATE()) END AS idle_seconds, "
                "CASE WHEN r.session_id IS NOT NULL THEN DATEDIFF(second, r.start_time, GETDATE()) END "
                "AS running_seconds, t.text AS query FROM sys.dm_tran_locks AS l "
                "JOIN sys.dm_exec_sessions AS s ON s.session_id = l.request_session_id "
                "LEFT JOIN sys.dm_exec_connections AS c ON c.session_id = l.request_session_id "
                "LEFT JOIN sys.dm_exec_requests AS r ON r.session_id = l.request_session_id "
                "OUTER APPLY sys.dm_exec_sql_text(r.sql_handle) AS t "
                f"WHERE {HOLDS_THE_LOCK}"
            )
            holders = rows_as_dicts(cursor)
            for holder in holders:
                holder["statement_kind"] = statement_kind(holder.pop("query"))
            return holders
        except Exception:  # any refusal here means: ask the portable way
            # Babelfish has already ended the transaction on this error (its rollback then fails with 3903).
            with suppress(Exception):
                cursor.connection.rollback()
        cursor.execute(f"SELECT APPLOCK_TEST('public', '{LOCK_NAME}', 'Exclusive', 'Session')")
        if cursor.fetchone()[0] == 1:
            return []
        return [{"session": None, "state": None, "detail": "a session this login cannot see (no VIEW SERVER STATE)"}]

    def release_holder(self, cursor, session, min_idle: int) -> bool:
        # One batch checks and ends (KILL takes no condition of its own, nor a variable: the id is an integer here).
        # KILL is refused inside a transaction: this batch runs in autocommit.
        spid = int(session)
        connection = cursor.connection
        before = connection.autocommit
        connection.autocommit = True
        try:
            cursor.execute(
                "SET NOCOUNT ON; IF EXISTS (SELECT 1 FROM sys.dm_exec_sessions AS s "
                "JOIN sys.dm_tran_locks AS l ON l.request_session_id = s.session_id "
                f"WHERE s.session_id = {spid} AND s.status = 'sleeping' AND s.open_transaction_count = 0 "
                "AND NOT EXISTS (SELECT 1 FROM sys.dm_exec_requests AS r WHERE r.session_id = s.session_id) "
                f"AND s.last_request_end_time <= DATEADD(second, -{int(min_idle)}, GETDATE()) AND {HOLDS_THE_LOCK}) "
                f"BEGIN KILL {spid}; SELECT 1; END ELSE SELECT 0"
            )
            while cursor.description is None:
                if not cursor.nextset():
                    return False
            return cursor.fetchone()[0] == 1
        finally:
            connection.autocommit = before

    def limit_lock_waits(self, cursor, seconds: int) -> None:
        # Error 1222 (lock request time out) instead of the query timeout's HYT00.
        cursor.execute(f"SET LOCK_TIMEOUT {int(seconds) * 1000}")
