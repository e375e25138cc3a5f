# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""prisma_migration_repair's executor: a repair derived again inside Prisma's lock, run under the preflight's bounds,
then the migration resolved - rolled back after a revert (the redeploy runs all of it again), applied after a
completion - as `prisma migrate resolve` does.

Inside the lock the history and the catalog are read again and the script derived again from the verdict; a script
different from the one shown (`expected_sha256`: another session changed the schema since) or a verdict that no longer
allows the repair stops the run before the first statement. Where DDL is transactional (PostgreSQL, SQLite, SQL
Server) the script and the history rows are one transaction, bounded as the rehearsal is (one deadline from the lock
to the commit, enforced from outside the session; each statement's own timeouts; the migration's settings that
would loosen them left out): all of it commits, or none. MySQL and MariaDB commit every DDL statement: the statements
run one by one under the same deadline (its watchdog ends a running statement with KILL QUERY from a second session),
each waiting for a metadata lock at most LOCK_WAIT seconds, and after each schema statement the verdict is read again:
a catalog that shows it not done stops the run; a failure reports the statements that ran, and a rerun derives the
rest from the verdict.
"""

from __future__ import annotations

from contextlib import suppress

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import FAILED, RESOLVED_AS
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history_reader import (
    read_history,
    records_of,
    secrets_of,
    session,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.bounds import guard_settings
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.rehearsal import (
    Watchdog,
    drain,
    roll_back,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.repair import REPAIRS, plan_repair
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.run import Preflight, load_migration
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.resolve_plan import plan_applied, plan_rolled_back
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.store import HistoryStore

# A table lock is waited for at most this long by each statement: production queues behind a waiting ALTER.
LOCK_WAIT = 5


class RepairStopped(DbopsError):
    """The repair stopped; `ran` lists the statements of migration.sql whose repair statements ran (and committed,
    on MySQL/MariaDB)."""

    def __init__(self, message: str, *, hint: str, error_kind: str, ran=()):
        super().__init__(message, hint=hint, error_kind=error_kind)
        self.ran = list(ran)

    def as_result(self) -> dict:
        return {**super().as_result(), "ran": self.ran}


def run_repair(
    database,
    *,
    migration: str,
    migrations_dir: str,
    repair: str,
    expected_sha256: str | None = None,
    statement_timeout: int = 30,
    lock_timeout: int = 10,
    repair_timeout: int = 60,
    check_mode: bool = False,
    new_id=None,
) -> dict:
    """Everything prisma_migration_repair returns. `new_id()` gives the id of the row a completion inserts."""
    if repair not in REPAIRS:
        raise DbopsError(f"repair must be revert or complete, not {str(repair)[:40]!r}.", error_kind="invalid_option")
    if statement_timeout < 1 or repair_timeout < 1 or lock_timeout < 1:
        raise DbopsError(
            "statement_timeout, repair_timeout and lock_timeout must each be at least 1 (seconds).",
            error_kind="invalid_option",
        )
    directory, script, statements = load_migration(database, migrations_dir, migration)
    neutralised, _refusal = guard_settings(statements, database.rehearsal)
    left_out = {entry.index for entry in neutralised}
    lock_wait = min(LOCK_WAIT, statement_timeout)
    run = _Run(database, migration, repair, statements, script, left_out, expected_sha256, lock_timeout)
    if check_mode:
        with session(database, read_only=True, lock_timeout=lock_wait) as connection:
            database.rehearsal.limit_reads(
                connection.cursor(), statement_timeout=statement_timeout, lock_wait=lock_wait
            )
            derived = run.derive(connection)
        run.check(derived)
        return run.result(derived, ran=[], resolved=False)
    with session(database, read_only=False, lock_timeout=lock_wait, commits=True) as connection:
        if database.dialect.transactional_ddl:
            return run.in_one_transaction(
                connection, statement_timeout, lock_timeout, lock_wait, repair_timeout, directory, new_id
            )
        return run.statement_by_statement(
            connection, statement_timeout, lock_timeout, lock_wait, repair_timeout, directory, new_id
        )


class _Run:
    def __init__(self, database, migration, repair, statements, script, left_out, expected_sha256, lock_timeout):
        self.database = database
        # Prisma's history table, written as prisma_migration_resolve writes it.
        self.store = HistoryStore(database, lock_timeout=lock_timeout)
        self.migration = migration
        self.repair = repair
        self.statements = statements
        self.script = script
        self.left_out = left_out
        self.expected = expected_sha256

    def derive(self, connection):
        """(state, judgement, Repair) as the database is now."""
        reader = Preflight(self.database, connection, self.statements, self.script, secrets_of(self.database))
        state, _log, _cause, judgement = reader.verdict(self.migration)
        derived = plan_repair(self.statements, judgement, self.database.inverses, self.left_out)
        return state, judgement, derived

    def check(self, derived) -> None:
        """Stop unless the repair can run as shown."""
        state, judgement, planned = derived
        name = self.migration
        if state != FAILED:
            raise RepairStopped(
                f"{name} is {state}, not failed: there is nothing to repair. Nothing was written.",
                hint="Read the history (prisma_migration_info); a repair is for a failed migration (P3009).",
                error_kind="not_failed",
            )
        if planned is None:
            raise RepairStopped(
                f"What {name} left behind cannot be told from the catalog (verdict unknown): no repair is derived. "
                "Nothing was written.",
                hint="Run prisma_migration_preflight for the statements it could not judge; a person decides.",
                error_kind="verdict_unknown",
            )
        if self.repair == "revert" and not planned.lossless:
            refused = "; ".join(f"statement {refusal.index}: {refusal.reason}" for refusal in planned.refused)
            raise RepairStopped(
                f"{name} cannot be reverted without losing what it changed ({refused}). Nothing was written.",
                hint="Complete it instead (repair=complete), or restore by hand what the statement removed.",
                error_kind="revert_not_lossless",
            )
        chosen = planned.script(self.repair)
        if self.expected and chosen.sha256 != self.expected:
            raise RepairStopped(
                f"The {self.repair} script of {name} is not the one shown (SHA-256 {self.expected[:12]}...): the "
                f"schema changed since - now statement(s) {_indexes(judgement.applied) or 'none'} in effect (verdict "
                f"{judgement.verdict}), and the script would be SHA-256 {str(chosen.sha256)[:12]}... Nothing was "
                "written.",
                hint="Another session changed the schema: run the dry run (--check) again and review the new script.",
                error_kind="repair_changed",
            )

    def check_transaction(self, connection, planned) -> None:
        """Stop when a statement of the completion cannot run inside the repair's transaction (PostgreSQL's CREATE
        INDEX CONCURRENTLY, a statement that ends the transaction itself)."""
        if self.repair != "complete":
            return
        running = {index for index, _sqls in planned.complete.steps}
        reason = self.database.rehearsal.rehearsal_blocker(
            connection, [statement for statement in self.statements if statement.index in running]
        )
        if reason:
            raise RepairStopped(
                f"The completion of {self.migration} cannot run in one transaction: {reason} Nothing was written.",
                hint="Run the completion script by hand (it is shown by the preflight), then resolve the migration as "
                "applied (prisma_migration_resolve).",
                error_kind="repair_not_transactional",
            )

    def in_one_transaction(
        self, connection, statement_timeout, lock_timeout, lock_wait, repair_timeout, directory, new_id
    ):
        database = self.database
        rehearsal = database.rehearsal
        cursor = connection.cursor()
        watchdog = None
        ran = []
        try:
            # Prisma's lock, the search path and the timeouts, as the rehearsal begins (its transaction is ours).
            if not rehearsal.begin_rehearsal(
                connection, cursor, statement_timeout=statement_timeout, lock_wait=lock_timeout
            ):
                raise self.store.lock_timeout_error()
            # The reads that follow use cursors of their own: SQL Server's drivers allow one active result at a time.
            drain(cursor)
            derived = self.derive(connection)
            self.check(derived)
            planned = derived[2]
            self.check_transaction(connection, planned)
            cancel, terminate = rehearsal.rehearsal_stopper(connection, cursor)
            watchdog = Watchdog(repair_timeout, cancel, terminate).start()
            for index, sqls in planned.script(self.repair).steps:
                for sql in sqls:
                    if watchdog.expired:
                        raise self._timed_out(repair_timeout, index, [])
                    rehearsal.bound_rehearsal(
                        connection,
                        cursor,
                        seconds_left=watchdog.left(),
                        lock_wait=lock_wait,
                        statement_timeout=statement_timeout,
                    )
                    self._execute(cursor, sql, index, watchdog, repair_timeout, [])
                ran.append(index)
            self._resolve(cursor, directory, new_id)
            connection.commit()
        except BaseException:
            if watchdog is not None:
                watchdog.finish()
                watchdog = None
            roll_back(connection)
            raise
        finally:
            if watchdog is not None:
                watchdog.finish()
            with suppress(Exception):
                rehearsal.end_rehearsal(connection)
        return self.result(derived, ran=ran, resolved=True)

    def statement_by_statement(
        self, connection, statement_timeout, lock_timeout, lock_wait, repair_timeout, directory, new_id
    ):
        database = self.database
        lock = database.lock
        cursor = connection.cursor()
        ran = []
        watchdog = None
        if not lock.begin_locked(cursor, lock_timeout):
            raise self.store.lock_timeout_error()
        try:
            database.rehearsal.limit_reads(cursor, statement_timeout=statement_timeout, lock_wait=lock_wait)
            lock.limit_lock_waits(cursor, lock_wait)
            derived = self.derive(connection)
            connection.rollback()
            self.check(derived)
            done = self.repair == "complete"
            # From here on statements take locks: the deadline runs, enforced from another session (KILL QUERY).
            cancel, terminate = database.rehearsal.rehearsal_stopper(connection, cursor)
            watchdog = Watchdog(repair_timeout, cancel, terminate).start()
            for index, sqls in derived[2].script(self.repair).steps:
                for sql in sqls:
                    if watchdog.expired:
                        raise self._timed_out(repair_timeout, index, ran)
                    self._execute(cursor, sql, index, watchdog, repair_timeout, ran)
                    connection.commit()
                ran.append(index)
                if self.statements[index - 1].category != "schema":
                    # Rows changed, or what the parser does not model: the catalog cannot show it done.
                    continue
                # DDL committed: the catalog must now show this statement done (undone for a revert).
                try:
                    _state, judgement, _planned = self.derive(connection)
                except Exception:  # the drivers share no base class
                    if watchdog.expired:
                        raise self._timed_out(repair_timeout, index, ran) from None
                    raise
                connection.rollback()
                # Only a contradiction stops it: a statement the catalog cannot tell about (None) committed without
                # an error, which is what running it can say.
                if judgement.present.get(index) is (not done):
                    raise RepairStopped(
                        f"After repairing statement {index} of {self.migration} the catalog shows it "
                        f"{'not in effect' if done else 'still in effect'} (verdict {judgement.verdict}); stopped. "
                        "Statements "
                        f"repaired and committed: {_indexes(ran)}.",
                        hint="Run prisma_migration_preflight to see the state now; a rerun continues from the verdict.",
                        error_kind="repair_not_confirmed",
                        ran=ran,
                    )
            watchdog.finish()
            watchdog = None
            cursor.execute("START TRANSACTION")
            self._resolve(cursor, directory, new_id)
            connection.commit()
        except BaseException:
            if watchdog is not None:
                watchdog.finish()
            with suppress(Exception):
                connection.rollback()
            raise
        finally:
            with suppress(Exception):
                lock.end_locked(cursor)
        return self.result(derived, ran=ran, resolved=True)

    def _execute(self, cursor, sql, index, watchdog, repair_timeout, ran) -> None:
        database = self.database
        try:
            cursor.execute(sql)
            drain(cursor)
        except Exception as error:  # the drivers share no base class
            if watchdog is not None and watchdog.expired:
                raise self._timed_out(repair_timeout, index, ran) from None
            text = redact(one_line(database.driver.error_text(error)), secrets_of(database))
            kind = database.codes.classify_error(database.driver.error_code(error), text)
            committed = f" Statements repaired and committed before it: {_indexes(ran)}." if ran else ""
            undone = "" if ran or not database.dialect.transactional_ddl else " Everything was rolled back."
            raise RepairStopped(
                f"The {self.repair} of {self.migration} failed at statement {index}'s repair ({kind}: {text})."
                f"{undone}{committed}",
                hint="Fix the cause (the rows in the way, a lock held elsewhere), then run again: the repair is "
                "derived again from what is in effect.",
                error_kind=kind if kind and kind != "unknown" else "repair_failed",
                ran=ran,
            ) from None

    def _resolve(self, cursor, directory, new_id):
        """Resolve the migration as `prisma migrate resolve` would, in the caller's transaction."""
        history = self.database.history
        rows = read_history(cursor, history)
        before = records_of(rows)
        now = history.now()
        if self.repair == "revert":
            plan = plan_rolled_back(before, self.migration)
        else:
            plan = plan_applied(before, self.migration, directory.migrations, new_id=new_id(), now=now)
        self.store.write(cursor, plan, now, history.timestamp_binder(rows))

    def result(self, derived, *, ran, resolved) -> dict:
        state, judgement, planned = derived
        chosen = planned.script(self.repair)
        steps = chosen.steps
        return {
            "changed": True,
            "migration": self.migration,
            "repair": self.repair,
            "resolved_as": RESOLVED_AS[self.repair],
            "verdict": judgement.verdict,
            "script": chosen.sql,
            "sha256": chosen.sha256,
            "statement_count": sum(len(sqls) for _index, sqls in steps),
            "statements": [index for index, _sqls in steps],
            "ran": ran,
            "migration_state": (RESOLVED_AS[self.repair] if resolved else state),
            "diff": {
                "before": _effects(self.statements, judgement.present),
                "after": _effects(
                    self.statements,
                    {index: self.repair == "complete" for index in judgement.present},
                ),
            },
        }

    def _timed_out(self, seconds, index, ran) -> RepairStopped:
        committed = (
            f" Statements repaired and committed before it: {_indexes(ran)}." if ran else " Nothing was written."
        )
        return RepairStopped(
            f"The {self.repair} of {self.migration} reached repair_timeout ({seconds} s) at statement {index}'s "
            f"repair and stopped.{committed}",
            hint="Run it again when the database is quiet, or with a larger repair_timeout.",
            error_kind="repair_timeout",
            ran=ran,
        )


def _effects(statements, present) -> str:
    lines = []
    for statement in statements:
        if not statement.lasting:
            continue
        effect = present.get(statement.index)
        shown = "in effect" if effect else ("not in effect" if effect is False else "not judged")
        lines.append(f"statement {statement.index} ({statement.kind}): {shown}\n")
    return "".join(lines)


def _indexes(indexes) -> str:
    return ", ".join(map(str, indexes))
