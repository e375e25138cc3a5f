# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one reader of `_prisma_migrations`, shared by resolve and info (store.py), the preflight (preflight/run.py)
and triage (fleet.py): a session on a Database (connect, report driver errors without secrets, roll back, close)
and the history read in Prisma's order.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseError
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import read_timestamp
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import MigrationRecord


def secrets_of(database) -> list:
    """What no message about `database` may show: its password, its access token, the module's other secrets."""
    return [database.target.password, database.options.access_token, *database.secrets]


@contextmanager
def session(
    database, *, read_only: bool, lock_timeout: int, statement_timeout: int | None = None, commits: bool = False
):
    """A connection to `database` for the body. A driver error in the body is reported as a DatabaseError naming the
    target, without secrets; the connection is closed after it. What the body read is rolled back, unless it
    `commits`: a writer ends its own transaction (commit, or rollback under Prisma's lock)."""
    connection = database.connect(read_only=read_only, lock_timeout=lock_timeout, statement_timeout=statement_timeout)
    try:
        yield connection
    except DbopsError:
        raise
    except Exception as exc:  # drivers raise their own classes; report them uniformly, without secrets
        raise DatabaseError(f"{database.target.describe()}: {redact(one_line(exc), secrets_of(database))}") from None
    finally:
        # A connection the server already dropped may fail to roll back or close; that is never the news.
        if not commits:
            with suppress(Exception):
                connection.rollback()
        with suppress(Exception):
            connection.close()


def read_history(cursor, history) -> list | None:
    """The stored rows of `_prisma_migrations` in Prisma's order, or None when there is no such table (never
    initialised). `history` is the database's HistoryTable part."""
    cursor.execute(*history.table_exists_query())
    if cursor.fetchone() is None:
        return None
    cursor.execute(history.select_history)
    return cursor.fetchall()


def read_records(cursor, history) -> list[MigrationRecord] | None:
    """The history as MigrationRecords, or None when the table does not exist."""
    return records_of(read_history(cursor, history))


def records_of(rows) -> list[MigrationRecord] | None:
    return None if rows is None else [_record(row) for row in rows]


def _record(row) -> MigrationRecord:
    (id_, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) = row
    # Positional: this runs once per row of histories 100,000 rows long.
    return MigrationRecord(
        str(id_),
        migration_name,
        checksum,
        read_timestamp(started_at),
        read_timestamp(finished_at),
        read_timestamp(rolled_back_at),
        int(applied_steps_count or 0),
        logs,
    )
