# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check many databases at once, each with its own connection and timeouts: prisma_migration_status's executor.

One database's failure is that database's outcome, never the fleet's; what a database answers is judged by status.py.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import without_values
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import ConnectOptions, Database
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import ConnectionFailed
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import UNREACHABLE
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import DatabaseTarget
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import LocalMigration, iso_utc
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history_reader import (
    read_records,
    secrets_of,
    session,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status import (
    PRISMA_TABLE,
    connection_status,
    history_status,
    lock_wait_status,
    read_failure_status,
    shape_of,
)

# Seconds a statement runs beyond statement_timeout, the limit of its lock waits (see _status).
LOCK_WAIT_MARGIN = 1


@dataclass(frozen=True)
class FleetMember:
    """One database to check: its name in the report, where it is, and its local migrations (None: not given)."""

    name: str
    target: DatabaseTarget
    migrations: list[LocalMigration] | None = None


@dataclass(frozen=True)
class CheckSettings:
    connect_timeout: int
    statement_timeout: int
    odbc_driver: str | None = None
    access_token: str | None = None


def check_fleet(members: list[FleetMember], settings: CheckSettings, concurrency: int) -> list[dict]:
    """Every member's status, in the members' order, checked `concurrency` at a time."""
    if not members:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(members)))) as pool:
        return list(pool.map(lambda member: check_member(member, settings), members))


def check_member(member: FleetMember, settings: CheckSettings) -> dict:
    started = time.monotonic()
    target = replace(member.target, connect_timeout=settings.connect_timeout)
    try:
        database = Database(
            target, ConnectOptions(settings.odbc_driver, settings.access_token), [settings.access_token]
        )
        status = _status(database, member, settings)
    except ConnectionFailed as exc:
        status = connection_status(exc.error_kind, exc.message, exc.hint, exc.facts)
    return {
        "name": member.name,
        "database": target.describe(),
        **status,
        "elapsed": round(time.monotonic() - started, 3),
    }


def _status(database, member: FleetMember, settings: CheckSettings) -> dict:
    # A wait for a lock on the history ends at statement_timeout, told apart from a server that does not answer: the
    # statements themselves get one second more, so the server's lock-wait error always arrives first.
    with session(
        database,
        read_only=True,
        lock_timeout=settings.statement_timeout,
        statement_timeout=settings.statement_timeout + LOCK_WAIT_MARGIN,
    ) as connection:
        try:
            cursor = connection.cursor()
            database.lock.limit_lock_waits(cursor, settings.statement_timeout)
            return _read_status(database, cursor, member)
        except DbopsError:
            raise
        except Exception as exc:  # a driver error once connected: this database's answer, not the fleet's failure
            return _failed_read(database, connection, exc, settings)


def _failed_read(database, connection, exc, settings: CheckSettings) -> dict:
    driver = database.driver
    detail = without_values(redact(one_line(exc), secrets_of(database)))
    if driver.is_statement_timeout(exc):
        limit = settings.statement_timeout + LOCK_WAIT_MARGIN
        return connection_status(UNREACHABLE, f"No answer within {limit} s: {detail}", None, {})
    kind = database.codes.classify_error(driver.error_code(exc), driver.error_text(exc))
    if driver.is_lock_timeout(exc) or kind == "lock_timeout":
        message = f"Reading _prisma_migrations waited {settings.statement_timeout} s for a lock: {detail}"
        return lock_wait_status(message, _table_lock_holders(database, connection))
    return read_failure_status(f"Cannot read the migration history: {detail}", kind)


def _table_lock_holders(database, connection) -> list[dict]:
    """Who holds the lock the history read waited for, where the engine tells it; nothing when it cannot be read."""
    with suppress(Exception):
        connection.rollback()
    try:
        holders = database.lock.history_lock_holders(connection.cursor())
    except Exception:  # naming the holder is a courtesy: the outcome stands without it
        return []
    return [{key: _plain(value) for key, value in holder.items()} for holder in holders]


def _read_status(database, cursor, member: FleetMember) -> dict:
    history = database.history
    cursor.execute(*history.history_columns_query())
    columns = [row[0] for row in cursor.fetchall()]
    prisma_next = []
    query = history.prisma_next_tables_query()
    if query:
        cursor.execute(*query)
        prisma_next = [row[0] for row in cursor.fetchall()]
    shape = shape_of(columns, prisma_next)
    records = None
    if shape.table == PRISMA_TABLE and not shape.prisma_next_tables:
        records = read_records(cursor, history)
    holders = [{key: _plain(value) for key, value in holder.items()} for holder in database.lock.lock_holders(cursor)]
    return history_status(records, member.migrations, holders, shape)


def _plain(value):
    """A lock holder's value as JSON can carry it (timestamps as ISO 8601 UTC)."""
    if isinstance(value, datetime):
        return iso_utc(value if value.tzinfo else value.replace(tzinfo=UTC))
    return value
