# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait until a database accepts a connection: a new firewall rule takes up to five minutes to reach Azure SQL.

Only what can pass by itself is waited for: a firewall rule that was just opened (its propagation), and an Azure SQL
serverless database resuming (40613). Anything else - a refused port with no rule just opened, a wrong password -
fails at the first attempt with its error_kind.

The schedule (`backoff_delays`), the loop (`wait_until`) and the lines the action plugin prints during a long wait
(`announcement`, `progress`) are pure, with the clock and the sleep injected; `connect_once` is the only I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.validation import require_range
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import ConnectionFailed
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import FIREWALL_CLOSED, UNREACHABLE

# Never poll faster than this: a refusal comes back in microseconds, and thousands of logins a second only load the
# server (and the firewall's gateway) without noticing the rule any sooner.
MIN_DELAY = 0.1
MAX_DELAY = 60.0
MAX_TIMEOUT = 86400.0
# The action plugin runs the module in slices of at most this long and prints a line between two: with a module's
# start-up in between, a line comes at least every 30 s.
MAX_PROGRESS_INTERVAL = 25.0
MIN_PROGRESS_INTERVAL = 1.0

# Why a wait may be long, said before it starts.
PROPAGATION = (
    "a firewall rule was just opened for this runner, and Azure documents up to five minutes for a firewall change "
    "to reach the database"
)
RESUMING = (
    "Azure SQL says the database is not available yet (error 40613): a paused serverless database resumes within "
    "a minute or so"
)
# Failures a rule that is still propagating produces: the gateway's refusal, a dropped or refused connection, and an
# error no flavour recognises (which the drivers give for a half-open path).
PROPAGATION_KINDS = (FIREWALL_CLOSED, UNREACHABLE, None)


def validate_schedule(params: dict) -> None:
    """wait_for_database's timeout, delays and progress interval, refused unless they make a sane schedule."""
    hint = "The defaults suit a new Azure SQL firewall rule: timeout 300, initial_delay 0.25, max_delay 1.5."
    require_range("timeout", params["timeout"], minimum=0, maximum=MAX_TIMEOUT, unit=" s", hint=hint)
    initial = require_range(
        "initial_delay", params["initial_delay"], minimum=MIN_DELAY, maximum=MAX_DELAY, unit=" s", hint=hint
    )
    require_range("max_delay", params["max_delay"], minimum=initial, maximum=MAX_DELAY, unit=" s", hint=hint)
    require_range(
        "progress_interval",
        params["progress_interval"],
        minimum=MIN_PROGRESS_INTERVAL,
        maximum=MAX_PROGRESS_INTERVAL,
        unit=" s",
        hint="A progress line at least every 30 s needs at most 25 s between two (the default is 20).",
    )


def worth_waiting(failure: ConnectionFailed, firewall_rule_opened: bool) -> str | None:
    """Why waiting may let this failure pass, or None when it cannot: a rule still propagating (only when one was just
    opened), or a resuming serverless database (the one transient failure of another kind: 40613)."""
    if not failure.transient:
        return None
    if failure.error_kind in PROPAGATION_KINDS:
        return PROPAGATION if firewall_rule_opened else None
    return RESUMING


def not_ready_message(timeout: float, attempts: int, last_error: str) -> str:
    return (
        f"The database did not accept a connection within {timeout:g} s ({attempts} attempts). Last error: {last_error}"
    )


class DatabaseNotReady(DbopsError):
    """The wait ran out while waiting could still help: its attempts, why it waited, and the last error."""

    def __init__(self, timeout: float, attempts: int, elapsed: float, failure: ConnectionFailed, reason: str):
        super().__init__(
            not_ready_message(timeout, attempts, failure.message), hint=failure.hint, error_kind=failure.error_kind
        )
        self.facts = {
            **failure.facts,
            "attempts": attempts,
            "elapsed": elapsed,
            "waiting_for": reason,
            "last_error": failure.message,
        }

    def as_result(self) -> dict:
        return {**self.facts, **super().as_result()}


@dataclass(frozen=True)
class Waited:
    attempts: int
    elapsed: float


def backoff_delays(initial: float, maximum: float, factor: float = 1.5) -> Iterator[float]:
    """Pauses between attempts: growing from `initial` by `factor`, capped at `maximum` so the end of a
    propagation delay is noticed within `maximum` seconds."""
    delay = max(initial, MIN_DELAY)
    while True:
        yield max(min(delay, maximum), MIN_DELAY)
        delay *= factor


def wait_until(
    attempt: Callable[[], ConnectionFailed | None],
    *,
    timeout: float,
    initial_delay: float,
    max_delay: float,
    firewall_rule_opened: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Waited:
    """Call `attempt` (None on success, else its failure) until it succeeds or `timeout` seconds have passed.

    Only a failure that may pass by itself is retried (`worth_waiting`); any other fails at once, whatever the
    timeout, with the number of attempts made.
    """
    started = clock()
    delays = backoff_delays(initial_delay, max_delay)
    attempts = 0
    while True:
        attempts += 1
        failure = attempt()
        elapsed = clock() - started
        if failure is None:
            return Waited(attempts, round(elapsed, 3))
        reason = worth_waiting(failure, firewall_rule_opened)
        if reason is None:
            failure.facts["attempts"] = attempts
            raise failure
        remaining = timeout - elapsed
        if remaining <= 0:
            raise DatabaseNotReady(timeout, attempts, round(elapsed, 3), failure, reason)
        sleep(min(next(delays), remaining))


def wait_for(database, params: dict) -> Waited:
    """wait_for_database: `wait_until` over `connect_once`, every failure naming where it tried to connect."""
    try:
        return wait_until(
            lambda: connect_once(database),
            timeout=params["timeout"],
            initial_delay=params["initial_delay"],
            max_delay=params["max_delay"],
            firewall_rule_opened=params["firewall_rule_opened"],
        )
    except (ConnectionFailed, DatabaseNotReady) as failure:
        failure.facts["database"] = database.target.describe()
        raise


def announcement(database: str, timeout: float, reason: str, interval: float) -> str:
    """Said once, before a wait that may be long: how long at most, and why."""
    return (
        f"wait_for_database: waiting up to {timeout:g} s for {database} to accept a connection: {reason}. "
        f"Progress every {interval:g} s."
    )


def progress(database: str, elapsed: float, timeout: float, attempts: int, error_kind: str | None) -> str:
    return (
        f"wait_for_database: {database} still refuses ({error_kind or 'unclassified error'}) after {elapsed:.0f} s of "
        f"up to {timeout:g} s, {attempts} attempts."
    )


def connect_once(database) -> ConnectionFailed | None:
    """None when a read-only connection opens, else why not (credentials redacted, classified)."""
    try:
        connection = database.connect(read_only=True, lock_timeout=0)
    except ConnectionFailed as exc:
        return exc
    connection.close()
    return None
