# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The small executor that reads and writes `_prisma_migrations`, the same way for every database.

Writes happen in one transaction while Prisma's own migrate lock is held, and the history a plan is computed from
is read inside that lock, so a concurrent `prisma migrate deploy` cannot race us. What differs per database is its
parts' business (databases/). read_history is the one reader of the history: resolve, info, the preflight and triage
all read it through it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseError, LockTimeout
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import read_timestamp
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import MigrationRecord
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.resolve_plan import ResolvePlan, apply_plan


@dataclass(frozen=True)
class ResolveOutcome:
    before: list[MigrationRecord] | None
    plan: ResolvePlan
    after: list[MigrationRecord]


class HistoryStore:
    """`_prisma_migrations` of one Database (opened where the module starts, with its secrets)."""

    def __init__(self, database, *, lock_timeout: int):
        self.database = database
        self.target = database.target
        self.lock_timeout = lock_timeout

    @contextmanager
    def _connection(self, read_only: bool):
        connection = self.database.connect(read_only=read_only, lock_timeout=self.lock_timeout)
        try:
            yield connection
        except DbopsError:
            raise
        except Exception as exc:  # drivers raise their own classes; report them uniformly, without secrets
            raise DatabaseError(f"{self.target.describe()}: {redact(one_line(exc), self._secrets)}") from None
        finally:
            # A connection the server already dropped may fail to close; that is never the news.
            with suppress(Exception):
                connection.close()

    @property
    def _secrets(self):
        return [self.target.password, self.database.options.access_token, *self.database.secrets]

    def read(self) -> list[MigrationRecord] | None:
        """The history in Prisma's order, or None when the table does not exist (never initialised)."""
        with self._connection(read_only=True) as connection:
            try:
                rows = read_history(connection.cursor(), self.database.history)
            finally:
                connection.rollback()
        return records_of(rows)

    def resolve(
        self, planner: Callable[[list[MigrationRecord] | None], ResolvePlan], *, check_mode: bool
    ) -> ResolveOutcome:
        """Plan against the current history and, unless check_mode, carry the plan out atomically."""
        if check_mode:
            before = self.read()
            plan = planner(before)
            return ResolveOutcome(before, plan, apply_plan(before, plan, self.database.history.now()))
        with self._connection(read_only=False) as connection:
            cursor = connection.cursor()
            with self._locked_transaction(connection, cursor):
                rows = read_history(cursor, self.database.history)
                before = records_of(rows)
                plan = planner(before)
                history = self.database.history
                now = history.now()
                self._write(cursor, plan, now, history.timestamp_binder(rows))
            return ResolveOutcome(before, plan, apply_plan(before, plan, now))

    def _write(self, cursor, plan: ResolvePlan, now, bind) -> None:
        history = self.database.history
        if plan.create_table:
            for statement in history.prepare_table:
                cursor.execute(statement)
            cursor.execute(history.create_table)
        try:
            self._write_rows(cursor, plan, now, bind)
        except Exception as exc:
            if plan.create_table and not self.database.dialect.transactional_ddl:
                # The CREATE TABLE committed itself (MySQL): without this, a refused INSERT left an empty table.
                raise self._undo_create(cursor, exc) from None
            raise

    def _write_rows(self, cursor, plan: ResolvePlan, now, bind) -> None:
        history = self.database.history
        for record in plan.roll_back:
            cursor.execute(history.mark_rolled_back, (bind(now), record.id))
        if plan.insert is not None:
            row = plan.insert
            cursor.execute(
                history.insert_applied,
                (row.id, row.checksum, row.logs, bind(row.started_at), bind(row.finished_at), row.migration_name),
            )

    def _undo_create(self, cursor, error: Exception) -> DatabaseError:
        """Drop the table this resolve created (still under Prisma's lock, still empty) and say why it failed."""
        history = self.database.history
        privilege = self.database.driver.denied_privilege(error)
        reason = (
            f"the user needs the {privilege} privilege on {history.table}"
            if privilege
            else redact(one_line(error), self._secrets)
        )
        try:
            cursor.execute(f"SELECT 1 FROM {history.table}")
            if cursor.fetchone() is not None:
                raise RuntimeError("rows appeared")
            cursor.execute(history.drop_table)
            left = "The _prisma_migrations table created for it was dropped again: nothing was changed."
            hint = f"Grant {privilege or 'the missing privilege'} on the database to this user, then run again."
        except Exception:
            left = "The _prisma_migrations table created for it could not be dropped and is left empty."
            hint = (
                f"Drop it (DROP TABLE {history.table}) or grant {privilege or 'the missing privilege'} on the "
                "database to this user, then run again."
            )
        return DatabaseError(
            f"{self.target.describe()}: cannot record the migration: {reason}. {left}",
            hint=hint,
            error_kind="missing_privilege" if privilege else None,
        )

    @contextmanager
    def _locked_transaction(self, connection, cursor):
        """Prisma's lock and one transaction around the body: commit on success, roll back otherwise.

        A lock wait that runs out, at any statement or at commit, is reported as such; nothing was written.
        """
        lock = self.database.lock
        failed = False
        try:
            if not lock.begin_locked(cursor, self.lock_timeout):
                raise self._lock_timeout()
            yield
            connection.commit()
        except BaseException as exc:
            failed = True
            # The rollback or the release can fail in turn (a killed connection, a transaction the server already
            # ended): the error that made us roll back is the one to report.
            with suppress(Exception):
                connection.rollback()
            if self.database.driver.is_lock_timeout(exc):
                raise self._lock_timeout() from None
            raise
        finally:
            try:
                lock.end_locked(cursor)
            except Exception:
                if not failed:
                    raise

    def _lock_timeout(self) -> LockTimeout:
        return LockTimeout(
            f"Timed out after {self.lock_timeout}s waiting for Prisma's migrate lock on {self.target.describe()}; "
            "nothing was changed.",
            hint="Another `prisma migrate` (or a deployment) is running against this database. "
            "Let it finish, or raise lock_timeout, then run again.",
        )


def read_history(cursor, history) -> list | None:
    """The stored rows of `_prisma_migrations` in Prisma's order, or None when there is no such table (never
    initialised): the one reader of the history. `history` is the database's HistoryTable part."""
    cursor.execute(*history.table_exists_query())
    if cursor.fetchone() is None:
        return None
    cursor.execute(history.select_history)
    return cursor.fetchall()


def records_of(rows) -> list[MigrationRecord] | None:
    return None if rows is None else [_record(row) for row in rows]


def _record(row) -> MigrationRecord:
    (id_, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) = row
    # Positional: this runs once per row of histories 100,000 rows long.
    return MigrationRecord(
        str(id_),
        migration_name,
        checksum,
        read_timestamp(started_at),
        read_timestamp(finished_at),
        read_timestamp(rolled_back_at),
        int(applied_steps_count or 0),
        logs,
    )
