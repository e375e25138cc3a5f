# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every Prisma history module shares: its options' validation, and opening the history store."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.validation import migration_name, require_range
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.options import open_module_database
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.store import HistoryStore

DEFAULT_LOCK_TIMEOUT = 10
# PostgreSQL's lock_timeout holds milliseconds in a 32-bit integer (24.8 days); a day is more than any deploy.
MAX_LOCK_TIMEOUT = 86400
DEFAULT_HISTORY_LIMIT = 500


def history_limit(params: dict) -> int:
    return require_range(
        "history_limit",
        params["history_limit"],
        minimum=0,
        hint="Pass how many of the most recent rows to list (0 lists them all).",
    )


def lock_timeout(params: dict) -> int:
    # 0 would mean "wait forever" to PostgreSQL and "do not wait" to MySQL: not a value to guess about.
    return require_range(
        "lock_timeout",
        params["lock_timeout"],
        minimum=1,
        maximum=MAX_LOCK_TIMEOUT,
        unit=" s",
        hint="Pass how many seconds to wait for Prisma's migrate lock (the default is 10).",
    )


def requested_migration(module, secrets) -> str | None:
    """The `migration` option, refused unless it is one folder name; it is never masked in the result."""
    value = module.params.get("migration")
    if value is None:
        return None
    name = migration_name(value)
    secrets.keep([name])
    return name


def new_migration_id() -> str:
    """The id of a `_prisma_migrations` row the collection inserts: a UUID v4, as Prisma's engine writes."""
    import uuid

    return str(uuid.uuid4())


def open_history_store(module, secrets, lock_timeout: int = DEFAULT_LOCK_TIMEOUT) -> HistoryStore:
    return HistoryStore(open_module_database(module, secrets), lock_timeout=lock_timeout)
