# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: Prisma's migrate lock: take it, and who holds it."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import MigrateLock
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    TABLE,
    rows_as_dicts,
    statement_kind,
)

# The key of Prisma's advisory lock (`pg_advisory_lock(72707369)` in its schema engine).
ADVISORY_LOCK_KEY = 72707369


# When a lock holder of pg_stat_activity `a` took its lock, at the latest: the end of its last statement while it
# idles, else now (its running statement may be the one that took it). At the earliest: when its session started.
HOLD_BOUNDS = (
    "a.backend_start AS since_earliest, "
    "CASE WHEN a.state = 'active' THEN statement_timestamp() ELSE a.state_change END AS since_latest"
)


# A session of pg_stat_activity `a` holding Prisma's lock, pg_locks `l`, in the current database.
HOLDS_THE_LOCK = (
    "l.locktype = 'advisory' AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND ((l.classid::bigint << 32) | l.objid::bigint) = %s AND l.objsubid = 1"
)
# pg_stat_activity's state in lock_holders' words (null: another role's session, without pg_read_all_stats).
ACTIVITY = (
    "CASE WHEN a.state IN ('active', 'fastpath function call') THEN 'running' WHEN a.state = 'idle' THEN 'idle' "
    "WHEN a.state LIKE 'idle in transaction%%' THEN 'idle_in_transaction' END AS state, "
    "CASE WHEN a.state LIKE 'idle%%' THEN extract(epoch FROM clock_timestamp() - a.state_change) END "
    "AS idle_seconds, "
    "CASE WHEN a.state = 'active' THEN extract(epoch FROM clock_timestamp() - a.query_start) END AS running_seconds"
)


class PostgresMigrateLock(MigrateLock):
    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        # A transaction-scoped lock on Prisma's key: released at commit or rollback, whatever happens to us.
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", (f"{lock_timeout * 1000}ms",))
        cursor.execute(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        return True

    def lock_holders(self, cursor) -> list[dict]:
        # An advisory lock on a bigint key shows as classid = key >> 32, objid = key & 0xFFFFFFFF, objsubid = 1,
        # in the database it was taken in. Reading pg_locks never takes the lock (pg_try_advisory_lock would).
        # PostgreSQL does not record when a lock was granted (pg_locks.waitstart is null once it is): Prisma's
        # session-level lock was taken after the session started, and no later than the end of its last statement
        # while the session idles (or than now while it runs one).
        # pg_stat_activity is read once per transaction and kept: a fresh look, whatever this transaction read before.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT l.pid AS session, a.usename AS user, a.application_name AS application, "
            f"host(a.client_addr) AS client_address, NULL::timestamptz AS since, {HOLD_BOUNDS}, {ACTIVITY}, "
            "CASE WHEN a.state = 'active' THEN a.query END AS query "
            f"FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid WHERE {HOLDS_THE_LOCK} ORDER BY l.pid",
            (ADVISORY_LOCK_KEY,),
        )
        holders = rows_as_dicts(cursor)
        for holder in holders:
            # The statement's text carries its values: only its kind leaves this function.
            holder["statement_kind"] = statement_kind(holder.pop("query"))
            for key in ("idle_seconds", "running_seconds"):
                holder[key] = None if holder[key] is None else round(float(holder[key]), 3)
        return holders

    def release_holder(self, cursor, session, min_idle: int) -> bool:
        # One statement checks and ends: pg_terminate_backend runs only for a session that, as this statement sees it,
        # holds Prisma's lock, is idle (not running, no transaction open) and has been for min_idle seconds.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity AS a JOIN pg_locks AS l ON l.pid = a.pid "
            "WHERE a.pid = %s AND a.state = 'idle' "
            f"AND a.state_change <= clock_timestamp() - make_interval(secs => %s) AND {HOLDS_THE_LOCK}",
            (int(session), min_idle, ADVISORY_LOCK_KEY),
        )
        row = cursor.fetchone()
        return bool(row and row[0])

    def limit_lock_waits(self, cursor, seconds: int) -> None:
        # Session-level for the reads that follow; the transaction they run in is rolled back, which undoes it too.
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", (f"{seconds * 1000}ms",))

    def history_lock_holders(self, cursor) -> list[dict]:
        # Reading a table conflicts only with ACCESS EXCLUSIVE (ALTER/DROP/LOCK TABLE, VACUUM FULL), granted or queued
        # ahead of the read. A table lock lives as long as its transaction: taken after the transaction began.
        cursor.execute(
            "SELECT l.pid AS session, a.usename AS user, a.application_name AS application, "
            "host(a.client_addr) AS client_address, l.granted AS granted, l.waitstart AS since, "
            "a.xact_start AS since_earliest, "
            "CASE WHEN NOT l.granted THEN NULL WHEN a.state = 'active' THEN statement_timestamp() "
            "ELSE a.state_change END AS since_latest, a.state AS state "
            "FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'relation' AND l.relation = to_regclass(%s) AND l.mode = 'AccessExclusiveLock' "
            "AND l.pid <> pg_backend_pid() ORDER BY l.granted DESC, l.pid",
            (f"{self.dialect.quote_name(self.target.schema)}.{self.dialect.quote_name(TABLE)}",),
        )
        return rows_as_dicts(cursor)
