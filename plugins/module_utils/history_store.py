# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The small executor that reads and writes `_prisma_migrations`.

Writes happen in one transaction while Prisma's own migrate lock is held, and the history a plan
is computed from is read inside that lock, so a concurrent `prisma migrate deploy` cannot race us.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils import sql_dialects
from ansible_collections.backoffice.dbops.plugins.module_utils.connections import connect, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.database_url import DatabaseTarget
from ansible_collections.backoffice.dbops.plugins.module_utils.migration_history import MigrationRecord
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma_errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.resolve_plan import ResolvePlan, apply_plan
from ansible_collections.backoffice.dbops.plugins.module_utils.sql_dialects import COLUMNS

DEFAULT_LOCK_TIMEOUT = 10


class LockTimeout(DbopsError):
    pass


class DatabaseError(DbopsError):
    pass


@dataclass(frozen=True)
class ResolveOutcome:
    before: list[MigrationRecord] | None
    plan: ResolvePlan
    after: list[MigrationRecord]


class HistoryStore:
    def __init__(
        self,
        target: DatabaseTarget,
        *,
        lock_timeout: int = DEFAULT_LOCK_TIMEOUT,
        odbc_driver: str | None = None,
        access_token: str | None = None,
    ):
        self.target = target
        self.dialect = sql_dialects.for_target(target.provider, target.schema)
        self.lock_timeout = lock_timeout
        self._options = {}
        if target.provider == "sqlserver":
            self._options = {"odbc_driver": odbc_driver, "access_token": access_token}
        self._secrets = [access_token]
        # Whether the history's own SQLite rows keep timestamps as text; what we write follows them.
        self._sqlite_text_timestamps = False

    @contextmanager
    def _connection(self, read_only: bool):
        connection = connect(
            self.target, read_only=read_only, lock_timeout=self.lock_timeout, secrets=self._secrets, **self._options
        )
        try:
            yield connection
        except DbopsError:
            raise
        except Exception as exc:  # drivers raise their own classes; report them uniformly, without secrets
            detail = redact(" ".join(str(exc).split()), [self.target.password, *self._secrets])
            raise DatabaseError(f"{self.target.describe()}: {detail}") from None
        finally:
            connection.close()

    def read(self) -> list[MigrationRecord] | None:
        """The history in Prisma's order, or None when the table does not exist (never initialised)."""
        with self._connection(read_only=True) as connection:
            cursor = connection.cursor()
            try:
                return self._read(cursor)
            finally:
                connection.rollback()

    def resolve(
        self, planner: Callable[[list[MigrationRecord] | None], ResolvePlan], *, check_mode: bool
    ) -> ResolveOutcome:
        """Plan against the current history and, unless check_mode, carry the plan out atomically."""
        if check_mode:
            before = self.read()
            plan = planner(before)
            return ResolveOutcome(before, plan, apply_plan(before, plan, self.dialect.now()))
        with self._connection(read_only=False) as connection:
            cursor = connection.cursor()
            with self._locked_transaction(connection, cursor):
                before = self._read(cursor)
                plan = planner(before)
                now = self.dialect.now()
                self._write(cursor, plan, now)
            return ResolveOutcome(before, plan, apply_plan(before, plan, now))

    def _read(self, cursor) -> list[MigrationRecord] | None:
        dialect = self.dialect
        if dialect.provider in ("postgresql", "sqlserver"):
            cursor.execute(dialect.table_exists, (self.target.schema,))
        else:
            cursor.execute(dialect.table_exists)
        if cursor.fetchone() is None:
            return None
        cursor.execute(dialect.select_history)
        rows = cursor.fetchall()
        self._sqlite_text_timestamps = bool(rows) and isinstance(rows[-1][COLUMNS.index("started_at")], str)
        return [_record(row) for row in rows]

    def _write(self, cursor, plan: ResolvePlan, now) -> None:
        dialect = self.dialect
        if plan.create_table:
            for statement in dialect.prepare_table:
                cursor.execute(statement)
            cursor.execute(dialect.create_table)
        text = self._sqlite_text_timestamps
        stamp = dialect.bind_timestamp(now, sqlite_text=text)
        for record in plan.roll_back:
            cursor.execute(dialect.mark_rolled_back, (stamp, record.id))
        if plan.insert is not None:
            row = plan.insert
            cursor.execute(
                dialect.insert_applied,
                (
                    row.id,
                    row.checksum,
                    row.logs,
                    dialect.bind_timestamp(row.started_at, sqlite_text=text),
                    dialect.bind_timestamp(row.finished_at, sqlite_text=text),
                    row.migration_name,
                ),
            )

    @contextmanager
    def _locked_transaction(self, connection, cursor):
        """Prisma's lock and one transaction around the body: commit on success, roll back otherwise.

        A lock wait that runs out, at any statement or at commit, is reported as such; nothing was written.
        """
        provider = self.dialect.provider
        try:
            if provider == "mysql":
                # GET_LOCK belongs to the session, not the transaction: released in the `finally` below.
                cursor.execute(sql_dialects.MYSQL_LOCK, (self.lock_timeout,))
                if cursor.fetchone()[0] != 1:
                    raise self._lock_timeout()
                cursor.execute("START TRANSACTION")
            elif provider == "postgresql":
                cursor.execute(sql_dialects.POSTGRES_SET_LOCK_TIMEOUT, (f"{self.lock_timeout * 1000}ms",))
                cursor.execute(sql_dialects.POSTGRES_LOCK)
            elif provider == "sqlite":
                cursor.execute(sql_dialects.SQLITE_BEGIN)
            else:
                cursor.execute(sql_dialects.SQLSERVER_LOCK, (self.lock_timeout * 1000,))
                if cursor.fetchone()[0] < 0:
                    raise self._lock_timeout()
            yield
            connection.commit()
        except BaseException as exc:
            connection.rollback()
            if _is_lock_wait_timeout(exc):
                raise self._lock_timeout() from None
            raise
        finally:
            if provider == "mysql":
                cursor.execute(sql_dialects.MYSQL_UNLOCK)

    def _lock_timeout(self) -> LockTimeout:
        return LockTimeout(
            f"Timed out after {self.lock_timeout}s waiting for Prisma's migrate lock on {self.target.describe()}; "
            "nothing was changed.",
            hint="Another `prisma migrate` (or a deployment) is running against this database. "
            "Let it finish, or raise lock_timeout, then run again.",
        )


def _is_lock_wait_timeout(exc: BaseException) -> bool:
    # PostgreSQL: lock_not_available (55P03) under lock_timeout; SQLite: the busy timeout ran out.
    if getattr(exc, "sqlstate", None) == "55P03":
        return True
    return type(exc).__module__.startswith("sqlite3") and any(
        word in str(exc) for word in ("database is locked", "database is busy")
    )


def _record(row) -> MigrationRecord:
    (id_, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) = row
    return MigrationRecord(
        id=str(id_),
        migration_name=migration_name,
        checksum=checksum,
        started_at=sql_dialects.read_timestamp(started_at),
        finished_at=sql_dialects.read_timestamp(finished_at),
        rolled_back_at=sql_dialects.read_timestamp(rolled_back_at),
        applied_steps_count=int(applied_steps_count or 0),
        logs=logs,
    )
