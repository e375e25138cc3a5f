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
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connector import flavour_for, open_connection
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import ConnectionFailed


class DatabaseNotReady(DbopsError):
    pass


@dataclass(frozen=True)
class Waited:
    attempts: int
    elapsed: float


def backoff_delays(initial: float, maximum: float, factor: float = 1.5) -> Iterator[float]:
    """Pauses between attempts: growing from `initial` by `factor`, capped at `maximum` so the end of a
    propagation delay is noticed within `maximum` seconds."""
    delay = initial
    while True:
        yield min(delay, maximum)
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


def connect_once(target, secrets) -> ConnectionFailed | None:
    """None when a read-only connection opens, else why not (credentials redacted, classified)."""
    try:
        connection = open_connection(flavour_for(target), read_only=True, lock_timeout=0, secrets=secrets)
    except ConnectionFailed as exc:
        return exc
    connection.close()
    return None
