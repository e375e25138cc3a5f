# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: running a migration inside a transaction that is always rolled back."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.dialect import quote
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.lock import ADVISORY_LOCK_KEY
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import Rehearsal
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    REHEARSAL_ENGINE_MARGIN,
)


def _milliseconds(seconds: float) -> str:
    # 0 would mean no timeout at all.
    return f"{max(1, int(seconds * 1000))}ms"


class PostgresRehearsal(Rehearsal):
    guarded_settings = (
        "statement_timeout",
        "lock_timeout",
        "idle_in_transaction_session_timeout",
        "idle_session_timeout",
        "transaction_timeout",
    )

    def sets_only_settings(self, tokens) -> bool:
        words = [token.up for token in tokens]
        if words[:1] in (["SET"], ["RESET"]):
            position = 2 if words[1:2] in (["SESSION"], ["LOCAL"]) else 1
            return position < len(tokens) and tokens[position].text.lower() in self.guarded_settings
        # SELECT set_config('lock_timeout', '0', false) [, set_config(...)]: settings and nothing else.
        if words[:1] == ["SELECT"]:
            called = {token.text.lower() for token in tokens if token.kind == "word"} - {"select", "true", "false"}
            return called <= {"set_config"}
        return False

    def resets_every_setting(self, tokens) -> bool:
        return [token.up for token in tokens[:2]] == ["RESET", "ALL"]

    def rehearsal_blocker(self, connection, statements) -> str | None:
        for statement in statements:
            if statement.concurrently:
                return (
                    f"statement {statement.index} builds an index CONCURRENTLY, which PostgreSQL cannot run inside "
                    "a transaction."
                )
            words = statement.text.upper().split()
            if words[:2] == ["ALTER", "TYPE"] and "ADD" in words and connection.info.server_version < 120000:
                return (
                    f"statement {statement.index} adds an enum value, which PostgreSQL before 12 cannot do inside "
                    "a transaction."
                )
        return super().rehearsal_blocker(connection, statements)

    def limit_reads(self, cursor, *, statement_timeout: int, lock_wait: int) -> None:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false)",
            (f"{statement_timeout * 1000}ms", f"{lock_wait * 1000}ms"),
        )

    def begin_rehearsal(self, connection, cursor, *, statement_timeout: int, lock_wait: int) -> bool:
        # Prisma's key, transaction-scoped: a running `migrate deploy` holds it; our rollback releases it.
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", (f"{lock_wait * 1000}ms",))
        cursor.execute(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        # As Prisma's connector: unqualified names resolve to the URL's schema. Each statement gets
        # statement_timeout; a table lock is waited for at most lock_wait, so production is never queued behind us
        # for long.
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true), set_config('search_path', %s, true)",
            (f"{statement_timeout * 1000}ms", quote(self.target.schema)),
        )
        return True

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        del cursor
        pid = connection.info.backend_pid

        def cancel():
            # PostgreSQL's cancel request: a separate connection carrying this session's key (no login, no
            # privilege), which psycopg lets another thread send while the session is busy. A cancel that lands
            # between two statements is lost: the watchdog repeats it.
            connection.cancel_safe(timeout=1.0)

        def terminate():
            # A DO block can catch query_canceled and carry on; the end of its backend cannot be caught, and rolls
            # its transaction back. A role may end its own sessions (pg_terminate_backend needs no other privilege).
            other = self.driver.connect(read_only=True, lock_timeout=1, statement_timeout=5)
            try:
                other.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
                other.commit()
            finally:
                other.close()

        return cancel, terminate

    def bound_rehearsal(
        self, connection, cursor, *, seconds_left: float, lock_wait: int, statement_timeout: int
    ) -> None:
        del connection
        seconds_left += REHEARSAL_ENGINE_MARGIN
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)",
            (_milliseconds(min(statement_timeout, seconds_left)), _milliseconds(min(lock_wait, seconds_left))),
        )
