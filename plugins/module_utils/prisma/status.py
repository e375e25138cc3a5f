# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One database's migration state as a single outcome, the way an operator triages a fleet.

Pure: the history, the local migrations, the lock holders and the shape of the history table in; the outcome and its
details out. prisma_migration_status gathers the facts (fleet.py); this decides what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import (
    CONNECTION_KINDS,
    UNREACHABLE,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import COLUMNS
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import (
    LocalMigration,
    MigrationRecord,
    edited_migrations,
    failed_migration_names,
    failed_migrations,
    missing_locally,
    p3009_message,
    pending_migrations,
)

OK = "ok"
PENDING = "pending"
BLOCKED = "blocked"
EDITED = "edited"
MISSING_LOCALLY = "missing_locally"
LOCK_HELD = "lock_held"
UNSUPPORTED = "unsupported"
# Another session's lock on `_prisma_migrations` kept the history from being read (a deploy would wait on it too).
LOCK_WAIT = "lock_wait"
HISTORY_OUTCOMES = (OK, PENDING, BLOCKED, EDITED, MISSING_LOCALLY, LOCK_HELD, UNSUPPORTED)
OUTCOMES = (*HISTORY_OUTCOMES, LOCK_WAIT, *CONNECTION_KINDS)
# What stops `prisma migrate deploy` (or makes reading the history unsafe): the fleet check fails on these.
FAILING_OUTCOMES = (BLOCKED, LOCK_HELD, UNSUPPORTED)
# Databases whose history could not be read at all: their state is unknown, so a fleet check cannot pass on them.
UNCHECKED_OUTCOMES = (LOCK_WAIT, *CONNECTION_KINDS)
LOCK_WAIT_HINT = (
    "Another session holds (or is queued for) a lock on _prisma_migrations that blocks reading it: a migration or a "
    "hand-run ALTER/LOCK TABLE in an open transaction. prisma migrate deploy would wait on it too. Let that "
    "transaction finish (or end it) and check again; a longer statement_timeout only waits longer."
)
# How a lock nobody owns any more is released (the lock_held outcome's detail ends with it).
RELEASE_LOCK_HOW = (
    "If the deploy that took it is gone, backoffice.dbops.prisma_migration_lock with state: released ends the holder "
    "once it has been idle for min_idle (default 300 s)."
)

# The shapes a database's history can have.
PRISMA_TABLE = "prisma"
NO_TABLE = "absent"
FOREIGN_TABLE = "foreign"


@dataclass(frozen=True)
class HistoryShape:
    """What holds the history: Prisma's `_prisma_migrations` (possibly absent), a table of that name Prisma did not
    make, and Prisma 8's marker and ledger tables if any."""

    table: str
    columns: tuple[str, ...] = ()
    prisma_next_tables: tuple[str, ...] = ()


def shape_of(columns, prisma_next_tables) -> HistoryShape:
    names = tuple(sorted(str(column).lower() for column in columns))
    if not names:
        return HistoryShape(NO_TABLE, prisma_next_tables=tuple(prisma_next_tables))
    missing = [column for column in COLUMNS if column not in names]
    return HistoryShape(FOREIGN_TABLE if missing else PRISMA_TABLE, names, tuple(prisma_next_tables))


def unsupported_reason(shape: HistoryShape) -> str | None:
    """Why this history must not be read as Prisma's, or None when it can be."""
    if shape.prisma_next_tables:
        tables = ", ".join(shape.prisma_next_tables)
        return (
            f"Prisma 8 (Prisma Next) keeps this database's history in {tables}, not in _prisma_migrations; "
            "this collection reads Prisma 7 and earlier histories only."
        )
    if shape.table == FOREIGN_TABLE:
        missing = ", ".join(column for column in COLUMNS if column not in shape.columns)
        return f"_prisma_migrations exists but is not Prisma's table (missing columns: {missing})."
    return None


def history_status(
    records: list[MigrationRecord] | None,
    local: list[LocalMigration] | None,
    lock_holders: list[dict],
    shape: HistoryShape,
) -> dict:
    """The outcome of a database that answered, with what explains it.

    Precedence follows what stops a deploy first for the operator: a history we must not read, failed migrations
    (P3009), Prisma's lock held by someone (a deploy would wait and time out), then what deploy tolerates (edited or
    missing local migrations), then pending work.
    """
    reason = unsupported_reason(shape)
    if reason:
        return {"outcome": UNSUPPORTED, "detail": reason, "lock_holders": lock_holders}
    records = records or []
    failed = failed_migrations(records)
    status = {
        "has_migrations_table": shape.table == PRISMA_TABLE,
        "migrations_count": len(records),
        "failed_migrations": failed_migration_names(records),
        "p3009_message": p3009_message(failed),
        "lock_holders": lock_holders,
    }
    if local is not None:
        status.update(
            pending=pending_migrations(records, local),
            edited=edited_migrations(records, local),
            missing_locally=missing_locally(records, local),
        )
    status["outcome"], status["detail"] = _outcome(status)
    return status


def _outcome(status: dict) -> tuple[str, str]:
    if status["failed_migrations"]:
        names = ", ".join(status["failed_migrations"])
        return BLOCKED, f"deploy stops with P3009: failed {names}"
    if status["lock_holders"]:
        holders = ", ".join(map(describe_holder, status["lock_holders"]))
        return LOCK_HELD, f"Prisma's migrate lock is held by {holders}. {RELEASE_LOCK_HOW}"
    if status.get("edited"):
        return EDITED, "applied migrations changed since: " + ", ".join(status["edited"])
    if status.get("missing_locally"):
        return MISSING_LOCALLY, "applied migrations with no local folder: " + ", ".join(status["missing_locally"])
    if status.get("pending"):
        return PENDING, f"{len(status['pending'])} to apply: " + ", ".join(status["pending"])
    if not status["has_migrations_table"]:
        return OK, "no _prisma_migrations table: Prisma never migrated this database"
    return OK, f"{status['migrations_count']} migrations, none failed" + (
        ", nothing pending" if "pending" in status else ""
    )


def describe_holder(holder: dict) -> str:
    """A lock holder in one phrase. `since` is when it took the lock, where the engine records that; otherwise
    `since_earliest`/`since_latest` bound it (the session's start; the end of its last statement while it idles)."""
    if holder.get("session") is None:
        return holder.get("detail") or "an unknown session"
    parts = [f"session {holder['session']}"]
    for key, label in (("application", "application"), ("client_address", "from"), ("user", "user")):
        if holder.get(key):
            parts.append(f"{label} {holder[key]}")
    earliest, latest = holder.get("since_earliest"), holder.get("since_latest")
    if holder.get("granted") is False:
        parts.append("queued for it" + (f" since {holder['since']}" if holder.get("since") else ""))
    elif holder.get("since"):
        parts.append(f"since {holder['since']}")
    elif earliest and latest:
        parts.append(f"took it between {earliest} and {latest}")
    elif latest:
        parts.append(f"took it at {latest} or before")
    elif earliest:
        parts.append(f"took it after {earliest}")
    return " ".join(parts)


def connection_status(kind: str | None, message: str, hint: str | None, facts: dict) -> dict:
    """The outcome of a database that could not be reached; an unclassified failure counts as unreachable."""
    return {"outcome": kind or UNREACHABLE, "error_kind": kind or UNREACHABLE, "detail": message, "hint": hint, **facts}


def lock_wait_status(message: str, holders: list[dict]) -> dict:
    """The outcome of a database whose history read waited for another session's lock on the table until the
    limit; `holders` are the sessions whose lock it waited behind, where the engine tells them."""
    detail = message
    if holders:
        detail += "; the table is locked by " + ", ".join(map(describe_holder, holders))
    return {
        "outcome": LOCK_WAIT,
        "error_kind": "lock_timeout",
        "detail": detail,
        "hint": LOCK_WAIT_HINT,
        "lock_holders": holders,
    }


def read_failure_status(message: str, error_kind: str | None) -> dict:
    """The outcome of a database that answered but whose history could not be read (a missing privilege, ...)."""
    return {"outcome": UNSUPPORTED, "error_kind": error_kind, "detail": message, "lock_holders": []}


def identifiers_of(statuses: list[dict]) -> list[str]:
    """The names a fleet report carries: each database's name and where it is, and the migrations it lists."""
    names = []
    for status in statuses:
        names += [status.get("name"), status.get("database")]
        for key in ("failed_migrations", "pending", "edited", "missing_locally"):
            names += status.get(key) or []
    return [name for name in names if isinstance(name, str)]


def counts(statuses: list[dict]) -> dict:
    """How many databases have each outcome (every outcome present, zeros included)."""
    tally = dict.fromkeys(OUTCOMES, 0)
    for status in statuses:
        tally[status["outcome"]] += 1
    return tally


def fleet_tally(statuses: list[dict]) -> dict:
    """What a fleet check adds up, in the order of `statuses`: `counts`, the names that are `failing` and those left
    `unchecked`. The status module returns it and the report carries it: the one place it is computed."""
    return {
        "counts": counts(statuses),
        "failing": [status["name"] for status in statuses if status["outcome"] in FAILING_OUTCOMES],
        "unchecked": [status["name"] for status in statuses if status["outcome"] in UNCHECKED_OUTCOMES],
    }
