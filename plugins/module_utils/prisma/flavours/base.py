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
        """Who holds Prisma's migrate lock right now: session, user, application, client address, and when it took
        the lock: `since` where the engine records it, else null with `since_earliest`/`since_latest` bounding it."""
        del cursor
        return []

    def limit_lock_waits(self, cursor, seconds: int) -> None:
        """Make a read that waits `seconds` for another session's lock fail with a lock-wait error (is_lock_timeout,
        or an error classified `lock_timeout`), before the statement's own limit cuts it off."""
        del cursor, seconds

    def history_lock_holders(self, cursor) -> list[dict]:
        """The sessions holding (or queued for) a lock on `_prisma_migrations` that keeps it from being read, where
        the engine tells them; keys as lock_holders', plus `granted` (false: queued, `since` when it began to wait)."""
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

    # The verdict's catalog: tables, types and other objects, and how to compare what migration.sql writes with
    # what the catalog shows.
    # A PRIMARY KEY makes its columns NOT NULL (SQLite keeps what the column declares).
    primary_key_implies_not_null: ClassVar[bool] = True
    # sqlglot type names the catalog shows as another type (PostgreSQL's SERIAL is an integer column).
    type_synonyms: ClassVar[dict[str, str]] = {}
    # sqlglot type names the catalog may show as another type (MariaDB's JSON is a LONGTEXT): never "different".
    uncomparable_types: ClassVar[frozenset[str]] = frozenset()
    # Integer display widths (MySQL's INT(11)) carry no meaning.
    display_widths: ClassVar[bool] = False

    def catalog_table(self, cursor, table) -> TableInfo | None:
        """What the live catalog holds about a table of migration.sql, or None when it does not exist."""
        raise NotImplementedError

    def catalog_type(self, cursor, schema: str | None, name: str):
        """A type's enum labels in order, () for a type that is not an enum, None when there is no such type, or
        UNREADABLE where the database has no types of its own."""
        del cursor, schema, name
        return UNREADABLE

    def catalog_thing(self, cursor, kind: str, schema: str | None, name: str):
        """Whether a function, procedure, view, materialized_view, sequence, extension or schema of that name exists;
        UNREADABLE for kinds this database's catalog read does not cover."""
        del cursor, kind, schema, name
        return UNREADABLE

    def compare_types(self, expected: str, live: str) -> bool | None:
        from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.sql_types import compare_types

        return compare_types(
            expected,
            live,
            self.sqlglot_dialect,
            self.type_synonyms,
            self.uncomparable_types,
            self.display_widths,
        )

    def same_default(self, expected: str, live: str) -> bool:
        from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.sql_types import same_default

        return same_default(expected, live, self.sqlglot_dialect)

    def live_default(self, text: str | None) -> str | None:
        """A default the catalog shows, None for none; DEFAULT NULL is none."""
        from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.sql_types import (
            is_null_default,
        )

        return None if text is None or is_null_default(text, self.sqlglot_dialect) else text

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

    # Rehearsal bounds and lock impact (issue 15) --------------------------------------------------------------------

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        """(cancel, terminate): what the rehearsal's watchdog calls from another thread at its deadline. `cancel`
        stops the statement running on `cursor`; `terminate` (or None) ends the session when cancels were not
        enough."""
        del connection, cursor
        return None, None

    def bound_rehearsal(
        self, connection, cursor, *, seconds_left: float, lock_wait: int, statement_timeout: int
    ) -> None:
        """Bound the rehearsal's next statement with the database's own timeouts too: it runs at most
        min(statement_timeout, seconds_left) and waits for a lock at most min(lock_wait, seconds_left), plus
        REHEARSAL_ENGINE_MARGIN where the watchdog's cancel works (it then acts first)."""
        del connection, cursor, seconds_left, lock_wait, statement_timeout

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        """(rows, bytes) of a table of migration.sql as the catalog estimates them, without reading the table;
        None when there is no such table. Either may be None where the catalog keeps no estimate."""
        del cursor, table
        return None

    def count_up_to(self, cursor, table, limit: int) -> int:
        """The table's rows, counted no further than `limit`: for a table the catalog has no estimate of."""
        query = self.limited_select("1 AS one", f"FROM {self.qualified(table)}", limit)
        cursor.execute(f"SELECT count(*) FROM ({query}) AS counted")
        return cursor.fetchone()[0]

    def impact_facts(self, cursor) -> dict:
        """What the lock-impact plan needs to know about the database beyond its tables (SQLite's journal mode)."""
        del cursor
        return {}


class _Unreadable:
    def __repr__(self) -> str:
        return "UNREADABLE"


# What a flavour answers for a kind of object it does not read from its catalog.
UNREADABLE = _Unreadable()


@dataclass(frozen=True)
class ColumnInfo:
    # The type as the catalog shows it (format_type, COLUMN_TYPE, the declared type, sys.types).
    type: str | None
    nullable: bool
    # The default expression as the catalog shows it; None: no default (DEFAULT NULL included).
    default: str | None = None
    # IDENTITY / AUTO_INCREMENT / generated columns: values the database makes.
    generated: bool = False


@dataclass(frozen=True)
class ObjectInfo:
    """An index or a constraint as the catalog shows it. kind: index, unique, primary_key, foreign_key, check,
    default, other. columns None: on expressions."""

    kind: str
    columns: tuple[str, ...] | None = None
    unique: bool = False
    # PostgreSQL's indisvalid and indisready, SQL Server's is_disabled: an index that does not work is not valid.
    valid: bool = True
    # PostgreSQL's convalidated, SQL Server's is_not_trusted: a NOT VALID constraint.
    validated: bool = True
    partial: bool = False
    ref_table: tuple | None = None
    ref_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableInfo:
    """A table as the live catalog knows it; every name folded as the database compares names."""

    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    # Indexes and the constraints an index backs (unique, primary key), by name.
    indexes: dict[str, ObjectInfo] = field(default_factory=dict)
    # Foreign keys, checks, named defaults, by name.
    constraints: dict[str, ObjectInfo] = field(default_factory=dict)
    # The primary key's columns in key order.
    primary_key: tuple[str, ...] = ()
    # Names of its triggers; None: not read.
    triggers: frozenset[str] | None = None
    # Names an index and a constraint of another kind share (PostgreSQL allows it): which one a statement means
    # cannot be told.
    ambiguous: frozenset[str] = frozenset()


# How far past the rehearsal's deadline the database's own timeouts are set where the watchdog's cancel works.
REHEARSAL_ENGINE_MARGIN = 0.5

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
