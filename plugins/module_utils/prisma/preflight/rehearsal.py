# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a migration as Prisma would, inside a transaction that is always rolled back: will it succeed now?

Small and the same for every database; the database's Rehearsal part says how to begin (Prisma's lock, timeouts, search
path), what to send (statement by statement, or SQL Server's one batch with Prisma's own wrapper), why it cannot
rehearse, and how to stop it from another thread. Each statement runs after a savepoint, so when one fails on data the
rows in its way can still be counted in the state the earlier statements left, before everything is rolled back. One
overall deadline bounds it: `rehearsal_timeout` seconds from the first lock taken (Prisma's, when the transaction
begins) to the rollback. A watchdog thread enforces it from outside the rehearsing session (the Rehearsal part's cancel:
PostgreSQL's cancel request, SQLite's interrupt, ODBC's SQLCancel; then, on PostgreSQL, ending the session from a second
connection when a cancel was not enough), so whatever the migration contains (several table rewrites, waits on locks,
sleeps, an exception handler that swallows the cancel) no other session waits on it for longer than the deadline plus
about a second. The database's own statement and lock timeouts, set before each statement to what is left (plus a margin
where the watchdog acts first), bound it too should the watchdog not.
"""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field

from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import redact
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import locate_statement
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import mentioned_names

SAVEPOINT = "dbops_rehearsal"
# The watchdog repeats its cancel this often until the rehearsal has stopped (a cancel that lands between two
# statements is lost), and ends the session this long after the deadline when cancelling has not stopped it.
CANCEL_REPEAT = 0.1
TERMINATE_AFTER = 0.5


@dataclass(frozen=True)
class Rehearsal:
    ran: bool
    succeeded: bool | None = None
    failed_statement_index: int | None = None
    error: str | None = None
    skipped_reason: str | None = None
    error_kind: str | None = None
    database_code: str | None = None
    seconds: float | None = None
    # The deadline stopped it: whether the migration would succeed is not known.
    timed_out: bool = False
    # How the watchdog stopped it: cancel or terminate (None: it was not needed).
    stopped_by: str | None = None
    neutralised: tuple = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "ran": self.ran,
            "succeeded": self.succeeded,
            "failed_statement_index": self.failed_statement_index,
            "error": self.error,
            "error_kind": self.error_kind,
            "database_code": self.database_code,
            "skipped_reason": self.skipped_reason,
            "seconds": self.seconds,
            "timed_out": self.timed_out,
            "stopped_by": self.stopped_by,
            "neutralised": [entry.as_dict() for entry in self.neutralised],
        }


def skipped(reason: str, neutralised=()) -> Rehearsal:
    return Rehearsal(ran=False, skipped_reason=reason, neutralised=tuple(neutralised))


class Watchdog:
    """Enforces one deadline on a session from another thread: at the deadline it calls `cancel` (again every
    CANCEL_REPEAT seconds) and, TERMINATE_AFTER seconds later, `terminate` (when given), until `finish()`."""

    def __init__(self, seconds: float, cancel, terminate=None):
        self.seconds = seconds
        self._cancel = cancel
        self._terminate = terminate
        self._finished = threading.Event()
        # Held while a cancel or terminate is being sent, so that none starts after finish() returned.
        self._sending = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="dbops-rehearsal-watchdog", daemon=True)
        self.started = None
        self.fired = False
        self.stopped_by = None

    def start(self) -> Watchdog:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    @property
    def expired(self) -> bool:
        """The deadline has passed: whatever stopped a statement since (the watchdog, or the database's own
        timeouts set from the same deadline), the deadline did."""
        return self.fired or self.left() <= 0

    def finish(self) -> None:
        with self._sending:
            self._finished.set()
        self._thread.join()

    def _watch(self) -> None:
        if self._finished.wait(max(0.0, self.left())):
            return
        terminate_at = time.monotonic() + TERMINATE_AFTER
        while True:
            with self._sending:
                if self._finished.is_set():
                    return
                self.fired = True
                if self._terminate is not None and time.monotonic() >= terminate_at:
                    self.stopped_by = "terminate"
                    # Any failure here leaves the session to the cancels and the database's own timeouts.
                    with suppress(Exception):
                        self._terminate()
                    self._terminate = None
                else:
                    self.stopped_by = self.stopped_by or "cancel"
                    with suppress(Exception):
                        self._cancel()
            if self._finished.wait(CANCEL_REPEAT):
                return


def rehearse(
    connection,
    database,
    script,
    statements,
    *,
    statement_timeout,
    lock_wait,
    rehearsal_timeout,
    secrets=(),
    on_failure=None,
    neutralised=(),
):
    """(Rehearsal, what on_failure(cursor, statement_index, kind) returned or None). Never commits.

    The statements in `neutralised` are not sent."""
    cursor = connection.cursor()
    started = time.monotonic()
    left_out = {entry.index for entry in neutralised}
    batches = database.rehearsal.rehearsal_batches(script, statements, left_out)
    found = None
    watchdog = None

    def outcome(**values) -> Rehearsal:
        return Rehearsal(
            ran=True,
            seconds=round(time.monotonic() - started, 3),
            neutralised=tuple(neutralised),
            stopped_by=watchdog.stopped_by if watchdog else None,
            **values,
        )

    def timed_out(index) -> Rehearsal:
        return outcome(
            succeeded=None,
            failed_statement_index=index,
            error=f"rehearsal_timeout ({rehearsal_timeout} s) reached",
            error_kind="rehearsal_timeout",
            timed_out=True,
        )

    try:
        try:
            granted = database.rehearsal.begin_rehearsal(
                connection, cursor, statement_timeout=statement_timeout, lock_wait=lock_wait
            )
        except Exception as error:  # the drivers share no base class
            if not database.driver.is_lock_timeout(error) and database.codes.classify_error(
                database.driver.error_code(error), str(error)
            ) != ("lock_timeout"):
                raise
            granted = False
        if not granted:
            return skipped(
                f"Prisma's migrate lock stayed taken for {lock_wait}s: a deployment is running against this "
                "database; run the preflight again when it has finished.",
                neutralised,
            ), None
        # From here on the transaction holds locks: the deadline runs.
        cancel, terminate = database.rehearsal.rehearsal_stopper(connection, cursor)
        watchdog = Watchdog(rehearsal_timeout, cancel, terminate).start()
        try:
            for index, sql in batches:
                per_statement = index is not None
                left = watchdog.left()
                if watchdog.expired:
                    return timed_out(index), None
                try:
                    database.rehearsal.bound_rehearsal(
                        connection,
                        cursor,
                        seconds_left=left,
                        lock_wait=lock_wait,
                        statement_timeout=statement_timeout,
                    )
                    if per_statement:
                        cursor.execute(f"SAVEPOINT {SAVEPOINT}")
                except Exception:  # the drivers share no base class
                    if watchdog.expired:
                        return timed_out(index), None
                    raise
                try:
                    cursor.execute(sql)
                    drain(cursor)
                except Exception as error:  # the drivers share no base class
                    if watchdog.expired:
                        return timed_out(index), None
                    code = database.driver.error_code(error)
                    text = redact(database.driver.error_text(error), secrets)
                    kind = database.codes.classify_error(code, text)
                    failed = index if per_statement else locate_statement(kind, mentioned_names(text), statements)
                    if per_statement and on_failure is not None and failed is not None:
                        # Counted under the same deadline: a count it cuts short gives nothing, the failure stands.
                        found = _after_failure(cursor, on_failure, failed, kind)
                    return outcome(
                        succeeded=False,
                        failed_statement_index=failed,
                        error=text,
                        error_kind=kind,
                        database_code=code,
                    ), found
            return outcome(succeeded=True), None
        finally:
            # No cancel may reach the session once its rollback begins.
            watchdog.finish()
    finally:
        # Always: whatever ran, nothing stays.
        roll_back(connection)
        with suppress(Exception):
            database.rehearsal.end_rehearsal(connection)


def roll_back(connection) -> None:
    """Roll the transaction back. A rollback that fails (the server already ended the transaction, as SQL Server's
    CATCH block does, or a last cancel reached it) leaves nothing either; a second one makes sure the connection is
    usable for what follows."""
    for _attempt in range(2):
        try:
            connection.rollback()
            return
        except Exception:  # the drivers share no base class
            continue


def drain(cursor) -> None:
    """Read every result of what was sent: a batch (SQL Server) answers statement by statement, and an error of a
    later statement only shows when its result is read."""
    while True:
        if cursor.description is not None:
            cursor.fetchall()
        following = getattr(cursor, "nextset", None)
        if following is None or not following():
            return


def _after_failure(cursor, on_failure, index, kind):
    """Count the rows in the way as the earlier statements left them; a transaction the server already aborted
    (SQLite interrupts roll back everything) just gives nothing."""
    try:
        cursor.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
        return on_failure(cursor, index, kind)
    except Exception:  # the drivers share no base class; the rehearsal's own answer stands
        return None
