# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the session holding Prisma's migrate lock may be ended, and why not (pure).

A deploy killed mid-way (a cancelled pipeline, an evicted container) can leave Prisma's migrate lock in a session
nobody owns: every later deploy waits for it and fails (P1002). Ending that session is safe only when it is not doing
anything: not running a statement, no transaction open, and idle for long enough that it is not between two
statements of a live deploy. The holders come from the database's MigrateLock part (lock_holders), with `state` one
of HOLDER_STATES (None: the engine does not say), `idle_seconds` while it idles and `running_seconds` and
`statement_kind` while it runs a statement.
"""

from __future__ import annotations

import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.common.validation import OptionError, require_range
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import iso_utc

IDLE = "idle"
RUNNING = "running"
IDLE_IN_TRANSACTION = "idle_in_transaction"
HOLDER_STATES = (IDLE, RUNNING, IDLE_IN_TRANSACTION)

DEFAULT_MIN_IDLE = 300
# A year: anything longer is a typo, not a policy.
MAX_MIN_IDLE = 365 * 86400

# Why a holder is not ended (error_kind).
BUSY = "lock_holder_busy"
IN_TRANSACTION = "lock_holder_in_transaction"
RECENTLY_ACTIVE = "lock_holder_recently_active"
OTHER_SESSION = "lock_holder_changed"
UNKNOWN_HOLDER = "lock_holder_unknown"
SEVERAL_HOLDERS = "lock_holder_ambiguous"
REFUSALS = (BUSY, IN_TRANSACTION, RECENTLY_ACTIVE, OTHER_SESSION, UNKNOWN_HOLDER, SEVERAL_HOLDERS)

NOTHING_ENDED = "Nothing was ended."


class HolderNotReleasable(DbopsError):
    """The lock holder must not be ended now; error_kind says why (one of REFUSALS)."""


@dataclass(frozen=True)
class ReleaseDecision:
    """What `state: released` does: end `holder` (a lock_holders entry), or nothing when nobody holds the lock."""

    holder: dict | None

    @property
    def session(self):
        return None if self.holder is None else self.holder["session"]


# What prisma_migration_lock does: read who holds the lock, or end that session.
LOCK_STATES = ("info", "released")


def lock_state(value: str) -> str:
    """`state` itself when it is one of LOCK_STATES. Checked here rather than by the argument spec's choices: Ansible's
    sanity rules keep `info` out of a `state` option's choices, and `state: info` is this module's interface."""
    if value not in LOCK_STATES:
        raise OptionError(
            f"state must be info or released, got {value}.",
            hint="state: info reads who holds Prisma's migrate lock; state: released ends that session.",
        )
    return value


def min_idle(value) -> int:
    return require_range(
        "min_idle",
        value,
        minimum=0,
        maximum=MAX_MIN_IDLE,
        unit=" s",
        hint="Pass how many seconds the lock holder must have been idle before it may be ended (default 300).",
    )


def same_session(holder_session, requested) -> bool:
    """Whether a holder's session id is the one the operator named (ids compare as text: 42 == '42')."""
    return holder_session is not None and str(holder_session).strip() == str(requested).strip()


def describe_activity(holder: dict) -> str:
    """What the holder is doing, in one phrase, without any value of its statement."""
    state = holder.get("state")
    if state == RUNNING:
        kind = holder.get("statement_kind")
        what = f"running a {kind} statement" if kind and kind != "other" else "running a statement"
        return what + _for_seconds(holder.get("running_seconds"))
    if state == IDLE_IN_TRANSACTION:
        return "idle inside an open transaction" + _for_seconds(holder.get("idle_seconds"))
    if state == IDLE:
        return "idle" + _for_seconds(holder.get("idle_seconds"))
    return "in a state the database does not tell"


def _for_seconds(seconds) -> str:
    return "" if seconds is None else f" for {float(seconds):.0f} s"


def refusal(holder: dict, minimum_idle: int, session=None) -> HolderNotReleasable | None:
    """Why `holder` must not be ended now, or None when it may be: the session the operator named (if any), idle (no
    statement running, no transaction open) for at least `minimum_idle` seconds."""
    who = holder.get("session")
    if who is None:
        detail = holder.get("detail") or "a session this login cannot see"
        return HolderNotReleasable(
            f"Prisma's migrate lock is held by {detail}: it cannot be told which session to end. {NOTHING_ENDED}",
            hint="Connect with a login that sees other sessions (PostgreSQL: pg_read_all_stats or the holder's role; "
            "MySQL/MariaDB: PROCESS; SQL Server: VIEW SERVER STATE) and run again.",
            error_kind=UNKNOWN_HOLDER,
        )
    if session is not None and not same_session(who, session):
        return HolderNotReleasable(
            f"Prisma's migrate lock is now held by session {who}, not by session {session} as given. {NOTHING_ENDED}",
            hint="Look at the holder again (state: info) before ending anything: the lock changed hands.",
            error_kind=OTHER_SESSION,
        )
    doing = describe_activity(holder)
    state = holder.get("state")
    if state == RUNNING:
        return HolderNotReleasable(
            f"Session {who} holds Prisma's migrate lock and is {doing}: a deploy at work is never ended. "
            + NOTHING_ENDED,
            hint="Let it finish (prisma migrate deploy waits for it), or find out what runs it before ending it "
            "yourself.",
            error_kind=BUSY,
        )
    if state == IDLE_IN_TRANSACTION:
        return HolderNotReleasable(
            f"Session {who} holds Prisma's migrate lock and is {doing}: ending it would roll that transaction back. "
            + NOTHING_ENDED,
            hint="Find out what the transaction did (and who runs it) before ending the session yourself.",
            error_kind=IN_TRANSACTION,
        )
    if state != IDLE:
        return HolderNotReleasable(
            f"Session {who} holds Prisma's migrate lock and the database does not tell whether it is running a "
            f"statement. {NOTHING_ENDED}",
            hint="Connect with a login that sees other sessions' activity and run again.",
            error_kind=BUSY,
        )
    idle = holder.get("idle_seconds")
    if idle is None or float(idle) < minimum_idle:
        return HolderNotReleasable(
            f"Session {who} holds Prisma's migrate lock and has been {doing}, less than min_idle ({minimum_idle} s): "
            f"it may be between two statements of a live deploy. {NOTHING_ENDED}",
            hint="Wait, and run again once it has been idle for min_idle; lower min_idle only when you know the "
            "deploy that took the lock is gone.",
            error_kind=RECENTLY_ACTIVE,
        )
    return None


def decide_release(holders: list[dict], minimum_idle: int, session=None) -> ReleaseDecision:
    """The holder `state: released` ends, or no holder when nobody holds the lock; HolderNotReleasable when the
    holder must not be ended (checked again by the database at the moment it is ended)."""
    if not holders:
        return ReleaseDecision(None)
    if len(holders) > 1:
        chosen = [holder for holder in holders if session is not None and same_session(holder.get("session"), session)]
        if not chosen:
            sessions = ", ".join(str(holder.get("session")) for holder in holders)
            return_kind = OTHER_SESSION if session is not None else SEVERAL_HOLDERS
            raise HolderNotReleasable(
                f"Prisma's migrate lock is held by several sessions ({sessions}). {NOTHING_ENDED}",
                hint="Pass session: the one holder to end, as state: info shows it.",
                error_kind=return_kind,
            )
        holders = chosen
    (holder,) = holders
    problem = refusal(holder, minimum_idle, session)
    if problem is not None:
        raise problem
    return ReleaseDecision(holder)


def plain_holder(holder: dict) -> dict:
    """A lock holder as a module returns it (timestamps as ISO 8601 UTC)."""
    return {key: _plain(value) for key, value in holder.items()}


def _plain(value):
    if isinstance(value, datetime):
        return iso_utc(value if value.tzinfo else value.replace(tzinfo=UTC))
    return value


# What a module connecting for the lock waits at most: reading the catalog views never waits for a lock.
STATEMENT_TIMEOUT = 30
# How long after ending the holder the lock is watched until it is free (the server cleans the session up).
FREE_WAIT = 10.0


@dataclass(frozen=True)
class ReleaseOutcome:
    """What `state: released` found and did: the holders before, the session ended (or that would be in check
    mode), and the holders after (None in check mode or when nothing was ended)."""

    holders: list[dict]
    ended: object = None
    holders_after: list[dict] | None = None


class MigrateLockRelease:
    """Prisma's migrate lock on one Database: who holds it, and ending an orphaned holder."""

    def __init__(self, database, *, clock=time.monotonic, sleep=time.sleep):
        self.database = database
        self.clock = clock
        self.sleep = sleep

    @property
    def named_lock(self) -> bool:
        return self.database.lock.named_lock

    @contextmanager
    def _cursor(self, read_only: bool):
        database = self.database
        connection = database.connect(read_only=read_only, lock_timeout=10, statement_timeout=STATEMENT_TIMEOUT)
        try:
            yield connection.cursor()
        except DbopsError:
            raise
        except Exception as exc:  # drivers raise their own classes; report them uniformly, without secrets
            secrets = [database.target.password, database.options.access_token, *database.secrets]
            raise DatabaseError(
                f"{database.target.describe()}: {redact(one_line(exc), secrets)}",
                hint="Ending another session needs the right to (PostgreSQL: the holder's role or pg_signal_backend; "
                "MySQL/MariaDB: CONNECTION_ADMIN or SUPER for another user's session; SQL Server: ALTER ANY "
                "CONNECTION).",
            ) from None
        finally:
            with suppress(Exception):
                connection.rollback()
            with suppress(Exception):
                connection.close()

    def holders(self) -> list[dict]:
        if not self.named_lock:
            return []
        with self._cursor(read_only=True) as cursor:
            return [plain_holder(holder) for holder in self.database.lock.lock_holders(cursor)]

    def release(self, minimum_idle: int, session=None, *, check_mode: bool) -> ReleaseOutcome:
        """End the holder decide_release picks; HolderNotReleasable (nothing ended) when it must not be, also when
        the database's own check at the moment of ending finds it no longer qualifies."""
        if not self.named_lock:
            return ReleaseOutcome([])
        with self._cursor(read_only=check_mode) as cursor:
            lock = self.database.lock
            holders = [plain_holder(holder) for holder in lock.lock_holders(cursor)]
            decision = decide_release(holders, minimum_idle, session)
            if decision.holder is None or check_mode:
                return ReleaseOutcome(holders, decision.session)
            if not lock.release_holder(cursor, decision.session, minimum_idle):
                # Something changed between the look and the end (it started a statement, or let go of the lock):
                # say what it is doing now.
                now = [plain_holder(holder) for holder in lock.lock_holders(cursor)]
                decide_release(now, minimum_idle, decision.session)
                return ReleaseOutcome(holders, None, now)
            return ReleaseOutcome(holders, decision.session, self._free_after(cursor, decision.session))

    def _free_after(self, cursor, session) -> list[dict]:
        """The holders once `session` is gone (it leaves as the server handles the end), at most FREE_WAIT s."""
        deadline = self.clock() + FREE_WAIT
        while True:
            holders = [plain_holder(holder) for holder in self.database.lock.lock_holders(cursor)]
            if not any(same_session(holder.get("session"), session) for holder in holders):
                return holders
            if self.clock() >= deadline:
                return holders
            self.sleep(0.1)
