# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: running a migration inside a transaction that is always rolled back."""

from __future__ import annotations

import math

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import Rehearsal
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    REHEARSAL_ENGINE_MARGIN,
)


class MssqlRehearsal(Rehearsal):
    # DEADLOCK_PRIORITY HIGH would make production's sessions the deadlock victims instead of the rehearsal.
    # statement_timeout: Babelfish's set_config('statement_timeout', ...).
    guarded_settings = ("lock_timeout", "query_governor_cost_limit", "deadlock_priority", "statement_timeout")

    def sets_only_settings(self, tokens) -> bool:
        words = [token.up for token in tokens]
        return (
            words[:1] == ["SET"]
            and len(tokens) > 1
            and tokens[1].text.lower() in self.guarded_settings
            and "SELECT" not in words
        )

    def rehearsal_blocker(self, connection, statements) -> str | None:
        del connection
        # The script runs as one batch with Prisma's wrapper (BEGIN TRAN ... COMMIT TRAN inside our transaction only
        # lowers @@TRANCOUNT to ours); any other transaction control could commit ours.
        for statement in statements:
            if statement.transaction_control:
                return (
                    f"statement {statement.index} ({statement.transaction_control}) controls the transaction itself "
                    "beyond Prisma's wrapper; a rehearsal could not roll it back."
                )
        return None

    def begin_rehearsal(self, connection, cursor, *, statement_timeout: int, lock_wait: int) -> bool:
        # pyodbc has begun our transaction (autocommit off). The batch's own BEGIN TRAN nests in it, its COMMIT TRAN
        # only lowers @@TRANCOUNT back to ours, and its CATCH's ROLLBACK TRAN undoes everything: our rollback (or
        # that one) leaves nothing behind.
        connection.timeout = statement_timeout
        cursor.execute(f"SET LOCK_TIMEOUT {int(lock_wait) * 1000}")
        return self.lock.begin_locked(cursor, lock_wait)

    def rehearsal_batches(self, script: str, statements, left_out=frozenset()) -> list[tuple[int | None, str]]:
        # Exactly what Prisma sends: the whole file as one batch, wrapper included.
        return [(None, without_statements(script, statements, left_out) if left_out else script)]

    def end_rehearsal(self, connection) -> None:
        connection.timeout = 0

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        # pyodbc's Cursor.cancel() is ODBC's SQLCancel, meant to be called from another thread while the statement
        # runs: the driver sends an attention, the server ends the batch, and T-SQL's TRY/CATCH (Prisma's wrapper)
        # cannot catch it. Ending the session (KILL) needs ALTER ANY CONNECTION, which a migration login lacks.
        del connection
        return cursor.cancel, None

    def bound_rehearsal(
        self, connection, cursor, *, seconds_left: float, lock_wait: int, statement_timeout: int
    ) -> None:
        # The driver's query timeout (whole seconds) also sends an attention when it runs out.
        with_margin = seconds_left + REHEARSAL_ENGINE_MARGIN
        connection.timeout = max(1, math.ceil(min(statement_timeout, with_margin)))
        cursor.execute(f"SET LOCK_TIMEOUT {max(1, int(min(lock_wait, with_margin) * 1000))}")
        cursor.execute("SELECT CASE WHEN @@VERSION LIKE 'Babelfish%' THEN 1 ELSE 0 END")
        if cursor.fetchone()[0] == 1:
            # Babelfish (SQL Server's protocol on PostgreSQL) reads an attention only once the running statement has
            # ended (measured on 4.3), so neither the watchdog nor the query timeout can stop it; PostgreSQL's own
            # statement_timeout, which Babelfish honours for the batch, does, and lock waits end at the deadline too.
            # (A T-SQL WHILE loop never checks for either on 4.3.)
            cursor.execute(f"SET LOCK_TIMEOUT {max(1, int(min(lock_wait, seconds_left) * 1000))}")
            cursor.execute(
                "SELECT set_config('statement_timeout', ?, 'true')",
                (f"{max(1, int(min(statement_timeout, seconds_left) * 1000))}ms",),
            )
            cursor.fetchall()


def without_statements(script: str, statements, indexes) -> str:
    """The script with the text of the statements numbered in `indexes` replaced by a statement that does nothing:
    the script goes as one batch. Each statement's text is found in order, as the splitter cut it."""
    out, copied, searched = [], 0, 0
    for statement in statements:
        start = script.find(statement.text, searched)
        if start < 0:
            continue
        searched = start + len(statement.text)
        if statement.index in indexes:
            out.append(script[copied:start])
            # A declaration has no effect; the name is unique per statement, so two never clash.
            out.append(f"DECLARE @dbops_not_sent_{statement.index} INT")
            copied = searched
    out.append(script[copied:])
    return "".join(out)
