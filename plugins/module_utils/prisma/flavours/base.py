# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every database has in common, and the hooks each flavour fills in (Prisma's own `SqlFlavour` idea).

A flavour owns everything that depends on the kind of database: its URL form, connecting, the DDL and statements of
`_prisma_migrations`, timestamp binding and reading, and Prisma's migrate lock. Nothing outside the flavour modules
(and the URL parser that picks one) branches on the kind of database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    # Whether CREATE TABLE is undone by a rollback; MySQL commits DDL at once.
    transactional_ddl: ClassVar[bool] = True

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

    def denied_privilege(self, error: BaseException) -> str | None:
        """The privilege a statement was refused for lack of (INSERT, ...), when the error says so."""
        del error
        return None

    @property
    def drop_table(self) -> str:
        """Undoes our own CREATE TABLE where DDL is not transactional."""
        return f"DROP TABLE {self.table}"

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

    # Preflight (issue 9): SQL dialect, error kinds, catalog and rehearsal ------------------------------------------
    # Keep this section last in the class: what prisma_migration_preflight asks of a database.

    # sqlglot's name for the dialect migration.sql is written in.
    sqlglot_dialect: ClassVar[str] = ""
    # Database error code (as text) -> cause kind; codes not listed are classified by their message.
    error_kinds: ClassVar[dict[str, str]] = {}
    # A unique index lets any number of NULL rows through (SQL Server's counts NULL as one value).
    unique_ignores_nulls: ClassVar[bool] = True

    def quote_name(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def default_schema(self) -> str | None:
        """The schema an unqualified name in migration.sql resolves to (None: the connection's database)."""
        return None

    def qualified(self, table) -> str:
        """A TableName of migration.sql as this database must be told, schema included where Prisma's is implied."""
        schema = table.schema or self.default_schema()
        return f"{self.quote_name(schema)}.{self.quote_name(table.name)}" if schema else self.quote_name(table.name)

    def fold(self, name: str) -> str:
        """A catalog name as this database compares it."""
        return name

    def limited_select(self, columns: str, rest: str, limit: int) -> str:
        return f"SELECT {columns} {rest} LIMIT {limit}"

    def classify_error(self, code: str | None, message: str) -> str:
        """The cause kind of a database error: by its code where this database has one for it, else by its words."""
        if code is not None and str(code) in self.error_kinds:
            return self.error_kinds[str(code)]
        return classify_message(message)

    def error_code(self, error: BaseException) -> str | None:
        """The database's own code for a driver exception, as text."""
        del error
        return None

    def error_text(self, error: BaseException) -> str:
        """The database's message for a driver exception, on one line, without the driver's decoration."""
        return " ".join(str(error).split())

    def catalog_table(self, cursor, table) -> TableFacts | None:
        """What the live catalog holds about a table of migration.sql, or None when it does not exist."""
        raise NotImplementedError

    def catalog_index_table(self, cursor, schema: str | None, index: str) -> str | None:
        """The table an index named without its table belongs to (databases where index names are per schema)."""
        del cursor, schema, index
        return None

    def rehearsal_blocker(self, connection, statements) -> str | None:
        """Why this migration cannot be rehearsed in a transaction that is rolled back, or None."""
        del connection
        for statement in statements:
            if statement.transaction_control and statement.transaction_control not in NOOP_TRANSACTION_CONTROL:
                return (
                    f"statement {statement.index} ({statement.transaction_control}) controls the transaction itself; "
                    "a rehearsal could not roll it back."
                )
        return None

    def limit_reads(self, cursor, *, statement_timeout: int, lock_wait: int) -> None:
        """Bound the preflight's own reads (catalog, offending rows) so that they never wait long behind a lock."""
        del cursor, statement_timeout, lock_wait

    def begin_rehearsal(self, connection, cursor, *, statement_timeout: int, lock_wait: int) -> bool:
        """Start the transaction the rehearsal runs in, under Prisma's lock and with the timeouts; False when
        Prisma's lock stayed taken."""
        raise NotImplementedError

    def rehearsal_batches(self, script: str, statements) -> list[tuple[int | None, str]]:
        """What the rehearsal sends, as (statement index or None for several, SQL): statement by statement, where
        that is what running the script in one transaction amounts to."""
        del script
        return [(statement.index, statement.text) for statement in statements if not statement.transaction_control]

    def end_rehearsal(self, connection) -> None:
        """Undo connection settings the rehearsal made (after its rollback)."""
        del connection


@dataclass(frozen=True)
class TableFacts:
    """A table as the live catalog knows it; names folded as the database compares them."""

    # folded column name -> whether it accepts NULL
    columns: dict[str, bool] = field(default_factory=dict)
    # folded names of its indexes and constraints (one namespace: a unique constraint is also an index)
    objects: frozenset[str] = frozenset()
    # the primary key's columns, as the catalog spells them, in key order
    primary_key: tuple[str, ...] = ()


# Transaction control Prisma's own migrations contain (PostgreSQL enum changes: BEGIN; ...; COMMIT;): inside the
# rehearsal's transaction they are no-ops; anything else (ROLLBACK, SAVEPOINT) blocks a rehearsal.
NOOP_TRANSACTION_CONTROL = ("BEGIN", "START", "COMMIT", "END")

# English phrases of the databases' messages -> cause kind, first match wins; for messages without a code (Prisma's
# driver adapters record none) and codes a flavour does not list.
MESSAGE_KINDS = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"duplicate key name|duplicate column|already exists|there is already an object", "duplicate_object"),
        (r"duplicate key|duplicate entry|unique constraint|unique index|UNIQUE constraint failed", "unique_violation"),
        (
            r"null values|not-null constraint|NOT NULL constraint|NOT NULL column|value NULL|use of NULL",
            "not_null_violation",
        ),
        (r"foreign key", "foreign_key_violation"),
        (r"check constraint|CONSTRAINT `[^`]+` failed", "check_violation"),
        (
            r"cannot be cast|invalid input syntax|conversion failed|datatype mismatch|truncated|out of range"
            r"|incorrect \w+ value|error converting",
            "type_conversion",
        ),
        (
            r"does not exist|doesn't exist|no such|not found|unknown column|invalid (object|column) name",
            "missing_object",
        ),
        (r"permission denied|command denied|access denied|must be owner|not authori[sz]ed", "permission_denied"),
        (
            r"lock timeout|lock wait timeout|could not obtain lock|deadlock|database is locked|lock request time",
            "lock_timeout",
        ),
        (
            r"statement timeout|canceling statement|max_statement_time|maximum statement execution time"
            r"|query timeout expired|operation cancell?ed|cancell?ed by user|interrupted",
            "statement_timeout",
        ),
        (
            r"syntax error|error in your SQL syntax|incorrect syntax|unterminated (?:dollar-)?quoted|unterminated /\*",
            "syntax_error",
        ),
    )
)


def classify_message(message: str) -> str:
    for pattern, kind in MESSAGE_KINDS:
        if pattern.search(message or ""):
            return kind
    return "unknown"


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
    if value.__class__ is int:
        # Checked first: SQLite's epoch milliseconds are the common case of a long history.
        return datetime.fromtimestamp(value / 1000, tz=UTC)
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
