# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The small executor that reads and writes `_prisma_migrations`, the same way for every database.

Writes happen in one transaction while Prisma's own migrate lock is held, and the history a plan is computed from
is read inside that lock, so a concurrent `prisma migrate deploy` cannot race us. What differs per database is its
parts' business (databases/). The history is read, and the session opened, by history_reader.py, as the preflight
and triage read it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseError, LockTimeout
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import MigrationRecord
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history_reader import (
    read_history,
    read_records,
    records_of,
    secrets_of,
    session,
)
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

    def read(self) -> list[MigrationRecord] | None:
        """The history in Prisma's order, or None when the table does not exist (never initialised)."""
        with session(self.database, read_only=True, lock_timeout=self.lock_timeout) as connection:
            return read_records(connection.cursor(), self.database.history)

    def resolve(
        self, planner: Callable[[list[MigrationRecord] | None], ResolvePlan], *, check_mode: bool
    ) -> ResolveOutcome:
        """Plan against the current history and, unless check_mode, carry the plan out atomically."""
        if check_mode:
            before = self.read()
            plan = planner(before)
            return ResolveOutcome(before, plan, apply_plan(before, plan, self.database.history.now()))
        with session(self.database, read_only=False, lock_timeout=self.lock_timeout, commits=True) as connection:
            cursor = connection.cursor()
            with self._locked_transaction(connection, cursor):
                rows = read_history(cursor, self.database.history)
                before = records_of(rows)
                plan = planner(before)
                history = self.database.history
                now = history.now()
                self.write(cursor, plan, now, history.timestamp_binder(rows))
            return ResolveOutcome(before, plan, apply_plan(before, plan, now))

    def write(self, cursor, plan: ResolvePlan, now, bind) -> None:
        """The plan's writes, inside the caller's transaction under Prisma's lock (`bind`: the history's
        timestamp_binder for the rows read)."""
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
            else redact(one_line(error), secrets_of(self.database))
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
                raise self.lock_timeout_error()
            yield
            connection.commit()
        except BaseException as exc:
            failed = True
            # The rollback or the release can fail in turn (a killed connection, a transaction the server already
            # ended): the error that made us roll back is the one to report.
            with suppress(Exception):
                connection.rollback()
            if self.database.driver.is_lock_timeout(exc):
                raise self.lock_timeout_error() from None
            raise
        finally:
            try:
                lock.end_locked(cursor)
            except Exception:
                if not failed:
                    raise

    def lock_timeout_error(self) -> LockTimeout:
        """Prisma's lock stayed taken for lock_timeout seconds: nothing was changed."""
        return LockTimeout(
            f"Timed out after {self.lock_timeout}s waiting for Prisma's migrate lock on {self.target.describe()}; "
            "nothing was changed.",
            hint="Another `prisma migrate` (or a deployment) is running against this database. "
            "Let it finish, or raise lock_timeout, then run again.",
        )
