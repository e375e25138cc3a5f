# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every database has in common, and the hooks each flavour fills in (Prisma's own `SqlFlavour` idea).

A flavour owns everything that depends on the kind of database: its URL form, connecting, the DDL and statements of
`_prisma_migrations`, timestamp binding and reading, and Prisma's migrate lock. Nothing outside the flavour modules
(and the URL parser that picks one) branches on the kind of database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connection_problems import ConnectionProblem
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.database_url import DatabaseTarget

TABLE = "_prisma_migrations"
COLUMNS = (
    "id",
    "checksum",
    "finished_at",
    "migration_name",
    "logs",
    "rolled_back_at",
    "started_at",
    "applied_steps_count",
)
STARTED_AT = COLUMNS.index("started_at")
# Prisma's migrate lock: the advisory key 72707369 on PostgreSQL, the name `prisma_migrate` elsewhere.
LOCK_NAME = "prisma_migrate"


class Flavour:
    """One kind of database, bound to one parsed DATABASE_URL."""

    provider: ClassVar[str]
    # URL schemes (lowercase, without `:`) that name this database, as Prisma reads them.
    schemes: ClassVar[tuple[str, ...]]
    # What migration_lock.toml may say for this database; the first is the schema engine's connector type.
    lockfile_providers: ClassVar[tuple[str, ...]]
    placeholder: ClassVar[str] = "%s"
    # Digits of second fractions the timestamp columns keep: what we write is what reads back.
    fraction_digits: ClassVar[int] = 6
    # Azure SQL speaks this protocol: it takes Entra ID access tokens, and its gateway refuses a client it does not
    # admit with error 40615, which quotes the address it saw.
    azure_sql: ClassVar[bool] = False

    def __init__(self, target: DatabaseTarget):
        self.target = target

    @classmethod
    def parse_url(cls, url: str, project_dir: str | None) -> DatabaseTarget:
        raise NotImplementedError

    # Connecting ---------------------------------------------------------------------------------------------------

    def connect(
        self,
        *,
        read_only: bool,
        lock_timeout: int,
        access_token: str | None = None,
        odbc_driver=None,
        statement_timeout: int | None = None,
    ):
        """A DB-API connection in manual-commit mode; driver errors propagate as they are.

        `statement_timeout` (seconds) bounds every statement, where a caller must never wait on a slow server."""
        raise NotImplementedError

    # The history table --------------------------------------------------------------------------------------------

    @property
    def table(self) -> str:
        raise NotImplementedError

    @property
    def create_table(self) -> str:
        raise NotImplementedError

    @property
    def prepare_table(self) -> tuple[str, ...]:
        """Statements run before CREATE TABLE."""
        return ()

    def table_exists_query(self) -> tuple[str, tuple]:
        raise NotImplementedError

    @property
    def select_history(self) -> str:
        return f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY started_at ASC"

    @property
    def mark_rolled_back(self) -> str:
        p = self.placeholder
        return f"UPDATE {self.table} SET rolled_back_at = {self.timestamp_parameter} WHERE id = {p}"

    @property
    def insert_applied(self) -> str:
        """Prisma's `mark_migration_applied_impl`: applied_steps_count keeps its default of 0."""
        p, stamp = self.placeholder, self.timestamp_parameter
        return (
            f"INSERT INTO {self.table} (id, checksum, logs, started_at, finished_at, migration_name) "
            f"VALUES ({p}, {p}, {p}, {stamp}, {stamp}, {p})"
        )

    # Timestamps ---------------------------------------------------------------------------------------------------

    @property
    def timestamp_parameter(self) -> str:
        """The SQL expression a bound timestamp goes through."""
        return self.placeholder

    def now(self) -> datetime:
        return truncate(datetime.now(UTC), self.fraction_digits)

    def bind_timestamp(self, value: datetime):
        """The parameter value for a timestamp column, in the form this database stores Prisma's."""
        return value.astimezone(UTC)

    def timestamp_binder(self, stored_rows):
        """How to bind timestamps next to these stored rows (a database whose storage varies follows its rows)."""
        del stored_rows
        return self.bind_timestamp

    # Prisma's migrate lock ----------------------------------------------------------------------------------------

    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        """Start the transaction and take Prisma's lock; False when the lock stayed taken for `lock_timeout` s."""
        raise NotImplementedError

    def end_locked(self, cursor) -> None:
        """Release what the transaction's end does not release itself."""
        del cursor

    def is_lock_timeout(self, error: BaseException) -> bool:
        """Whether a statement failed because a lock wait ran out."""
        del error
        return False

    # Diagnosing a database (prisma_migration_status) ----------------------------------------------------------------

    def classify_connection_error(self, error: BaseException) -> ConnectionProblem | None:
        """The kind of a failed connection, from the driver's error; None when it is none of the known kinds."""
        del error
        return None

    def is_statement_timeout(self, error: BaseException) -> bool:
        """Whether a statement was cut off by the statement_timeout given to connect()."""
        del error
        return False

    def history_columns_query(self) -> tuple[str, tuple]:
        """The column names of `_prisma_migrations` (no rows when there is no such table)."""
        raise NotImplementedError

    def prisma_next_tables_query(self) -> tuple[str, tuple] | None:
        """The tables of Prisma 8's marker and ledger, which replace `_prisma_migrations`, where Prisma 8 has them."""
        return None

    def lock_holders(self, cursor) -> list[dict]:
        """Who holds Prisma's migrate lock right now: session, user, application, client address, since when."""
        del cursor
        return []


def create_table_statement(table: str, columns: tuple[tuple[str, str], ...], *, quote=str, suffix: str = "") -> str:
    """Prisma's CREATE TABLE of `_prisma_migrations`, laid out as its schema engine writes it."""
    body = ",\n".join(f"    {quote(name):<24}{definition}" for name, definition in columns)
    return f"CREATE TABLE {table} (\n{body}\n){suffix}"


def rows_as_dicts(cursor) -> list[dict]:
    """The fetched rows keyed by column name (lowercase)."""
    names = [column[0].lower() for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def truncate(value: datetime, digits: int) -> datetime:
    step = 10 ** (6 - digits)
    return value.replace(microsecond=value.microsecond - value.microsecond % step)


def read_timestamp(value) -> datetime | None:
    """A stored timestamp as aware UTC, whatever the storage: driver datetimes (naive means UTC),
    SQLite integer epoch milliseconds, or text (`current_timestamp` or RFC 3339)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    text = text.replace(" UTC", "+00:00")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unreadable timestamp {text!r} in _prisma_migrations") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
