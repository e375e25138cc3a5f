# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait until a database accepts a connection: a new firewall rule takes up to five minutes to reach Azure SQL.

The schedule (`backoff_delays`) and the loop (`wait_until`) are pure, with the clock and the sleep injected;
`connect_once` is the only I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.validation import require_range
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connector import flavour_for, open_connection
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import ConnectionFailed

# Never poll faster than this: a refusal comes back in microseconds, and thousands of logins a second only load the
# server (and the firewall's gateway) without noticing the rule any sooner.
MIN_DELAY = 0.1
MAX_DELAY = 60.0
MAX_TIMEOUT = 86400.0


class DatabaseNotReady(DbopsError):
    pass


def validate_schedule(params: dict) -> None:
    """wait_for_database's timeout and delays, refused unless they make a sane schedule."""
    hint = "The defaults suit a new Azure SQL firewall rule: timeout 300, initial_delay 0.25, max_delay 1.5."
    require_range("timeout", params["timeout"], minimum=0, maximum=MAX_TIMEOUT, unit=" s", hint=hint)
    initial = require_range(
        "initial_delay", params["initial_delay"], minimum=MIN_DELAY, maximum=MAX_DELAY, unit=" s", hint=hint
    )
    require_range("max_delay", params["max_delay"], minimum=initial, maximum=MAX_DELAY, unit=" s", hint=hint)


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
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Waited:
    """Call `attempt` (None on success, else its failure) until it succeeds or `timeout` seconds have passed.

    Only a failure that may pass by itself (a firewall rule propagating, the network, a resuming database) is retried;
    a wrong password or a missing database fails at once, whatever the timeout.
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
        if not failure.transient:
            raise failure
        remaining = timeout - elapsed
        if remaining <= 0:
            raise DatabaseNotReady(
                f"The database did not accept a connection within {timeout:g} s ({attempts} attempts). "
                f"Last error: {failure.message}",
                hint=failure.hint,
                error_kind=failure.error_kind,
            )
        sleep(min(next(delays), remaining))


def connect_once(target, secrets, **options) -> ConnectionFailed | None:
    """None when a read-only connection opens, else why not (credentials redacted, classified); `options` are the
    connection options of the Prisma modules (ODBC driver, Entra token)."""
    try:
        connection = open_connection(flavour_for(target), read_only=True, lock_timeout=0, secrets=secrets, **options)
    except ConnectionFailed as exc:
        return exc
    connection.close()
    return None
