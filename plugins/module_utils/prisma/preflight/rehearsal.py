# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a migration as Prisma would, inside a transaction that is always rolled back: will it succeed now?

Small and the same for every database; the flavour says how to begin (Prisma's lock, timeouts, search path), what to
send (statement by statement, or SQL Server's one batch with Prisma's own wrapper) and why it cannot rehearse.
Each statement runs after a savepoint, so when one fails on data the rows in its way can still be counted in the
state the earlier statements left, before everything is rolled back.
"""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import redact
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import locate_statement
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import mentioned_names

SAVEPOINT = "dbops_rehearsal"


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
        }


def skipped(reason: str) -> Rehearsal:
    return Rehearsal(ran=False, skipped_reason=reason)


def rehearse(connection, flavour, script, statements, *, statement_timeout, lock_wait, secrets=(), on_failure=None):
    """(Rehearsal, what on_failure(cursor, statement_index, kind) returned or None). Never commits."""
    cursor = connection.cursor()
    started = time.monotonic()
    found = None
    try:
        try:
            granted = flavour.begin_rehearsal(
                connection, cursor, statement_timeout=statement_timeout, lock_wait=lock_wait
            )
        except Exception as error:  # the drivers share no base class
            if not flavour.is_lock_timeout(error) and flavour.classify_error(flavour.error_code(error), str(error)) != (
                "lock_timeout"
            ):
                raise
            granted = False
        if not granted:
            return skipped(
                f"Prisma's migrate lock stayed taken for {lock_wait}s: a deployment is running against this "
                "database; run the preflight again when it has finished."
            ), None
        for index, sql in flavour.rehearsal_batches(script, statements):
            per_statement = index is not None
            if per_statement:
                cursor.execute(f"SAVEPOINT {SAVEPOINT}")
            try:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
            except Exception as error:  # the drivers share no base class
                code = flavour.error_code(error)
                text = redact(flavour.error_text(error), secrets)
                kind = flavour.classify_error(code, text)
                failed = index if per_statement else locate_statement(kind, mentioned_names(text), statements)
                if per_statement and on_failure is not None and failed is not None:
                    found = _after_failure(connection, cursor, on_failure, failed, kind)
                return Rehearsal(
                    ran=True,
                    succeeded=False,
                    failed_statement_index=failed,
                    error=text,
                    error_kind=kind,
                    database_code=code,
                    seconds=round(time.monotonic() - started, 3),
                ), found
        return Rehearsal(ran=True, succeeded=True, seconds=round(time.monotonic() - started, 3)), None
    finally:
        # Always: whatever ran, nothing stays. A rollback that fails (the server already ended the transaction, as
        # SQL Server's CATCH block does) leaves nothing either.
        with suppress(Exception):
            connection.rollback()
        with suppress(Exception):
            flavour.end_rehearsal(connection)


def _after_failure(connection, cursor, on_failure, index, kind):
    """Count the rows in the way as the earlier statements left them; a transaction the server already aborted
    (SQLite interrupts roll back everything) just gives nothing."""
    del connection
    try:
        cursor.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
        return on_failure(cursor, index, kind)
    except Exception:  # the drivers share no base class; the rehearsal's own answer stands
        return None
