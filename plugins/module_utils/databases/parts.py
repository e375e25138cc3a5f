# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts a database is made of, each what its users need and nothing more (Prisma's schema engine has a pure
`SqlDialect` beside a connection-holding connector; Atlas composes a driver of small parts).

- Dialect: names and SQL text (quoting, folding, the default schema, LIMIT).
- Driver: connecting, and what the driver's errors mean (connection problems, lock and statement timeouts).
- HistoryTable: Prisma's `_prisma_migrations`: DDL, statements, timestamps.
- MigrateLock: Prisma's migrate lock: take it, release it, who holds it.
- CodeTable: the database's error codes as cause kinds, and what its engine adds to Prisma's failure logs.
- Catalog, Rehearsal (databases/preflight_parts.py, imported only when a preflight or a repair asks): what the live
  catalog says, and running a migration in a transaction that is always rolled back, bounded.
- LockImpact (sql/lock_impact.py, pure): what each statement locks, rewrites or scans while it runs.
- Inverses (databases/inverses.py, pure): what undoes each change a statement made, as the database's SQL.
Each database has a folder (databases/<name>/) with a subclass of each part it needs to change; its family module
(databases/<name>/__init__.py) puts them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import ConnectionProblem
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    COLUMNS,
    TABLE,
    classify_message,
    truncate,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import DatabaseTarget
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.syntax import Syntax


class Part:
    """A part of one database, bound to its parsed DATABASE_URL and its dialect."""

    def __init__(self, target: DatabaseTarget, dialect: Dialect):
        self.target = target
        self.dialect = dialect


class Dialect:
    """Names and SQL text as the database takes them (pure)."""

    # Prisma's provider name, and how migration.sql is read.
    provider: ClassVar[str]
    # What migration_lock.toml may say for this database; the first is the schema engine's connector type.
    lockfile_providers: ClassVar[tuple[str, ...]]
    syntax: ClassVar[Syntax]
    placeholder: ClassVar[str] = "%s"
    # A unique index lets any number of NULL rows through (SQL Server's counts NULL as one value).
    unique_ignores_nulls: ClassVar[bool] = True
    # Whether DDL (CREATE TABLE) is undone by a rollback; MySQL commits DDL at once.
    transactional_ddl: ClassVar[bool] = True

    def __init__(self, target: DatabaseTarget):
        self.target = target

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


class Driver(Part):
    """Connecting, and what the driver's errors mean."""

    # Azure SQL speaks this protocol: it takes Entra ID access tokens, and its gateway refuses a client it does not
    # admit.
    azure_sql: ClassVar[bool] = False

    def __init__(self, target: DatabaseTarget, dialect: Dialect, options):
        super().__init__(target, dialect)
        # database.ConnectOptions: what connecting needs beyond the URL (an ODBC driver, an access token).
        self.options = options

    def connect(self, *, read_only: bool, lock_timeout: int, statement_timeout: int | None = None):
        """A DB-API connection in manual-commit mode; driver errors propagate as they are.

        `statement_timeout` (seconds) bounds every statement, where a caller must never wait on a slow server."""
        raise NotImplementedError

    def classify_connection_error(self, error: BaseException) -> ConnectionProblem | None:
        """The kind of a failed connection, from the driver's error; None when it is none of the known kinds."""
        del error
        return None

    def is_statement_timeout(self, error: BaseException) -> bool:
        """Whether a statement was cut off by the statement_timeout given to connect()."""
        del error
        return False

    def is_lock_timeout(self, error: BaseException) -> bool:
        """Whether a statement failed because a lock wait ran out."""
        del error
        return False

    def denied_privilege(self, error: BaseException) -> str | None:
        """The privilege a statement was refused for lack of (INSERT, ...), when the error says so."""
        del error
        return None

    def error_code(self, error: BaseException) -> str | None:
        """The database's own code for a driver exception, as text."""
        del error
        return None

    def error_text(self, error: BaseException) -> str:
        """The database's message for a driver exception, on one line, without the driver's decoration."""
        return " ".join(str(error).split())


class HistoryTable(Part):
    """Prisma's `_prisma_migrations`, as its schema engine writes and reads it."""

    # Digits of second fractions the timestamp columns keep: what we write is what reads back.
    fraction_digits: ClassVar[int] = 6

    @property
    def table(self) -> str:
        """`_prisma_migrations` as this database must be told, in the URL's schema where it has schemas."""
        return self.dialect.qualified(TableName(TABLE))

    @property
    def create_table(self) -> str:
        raise NotImplementedError

    @property
    def prepare_table(self) -> tuple[str, ...]:
        """Statements run before CREATE TABLE."""
        return ()

    @property
    def drop_table(self) -> str:
        """Undoes our own CREATE TABLE where DDL is not transactional."""
        return f"DROP TABLE {self.table}"

    def table_exists_query(self) -> tuple[str, tuple]:
        raise NotImplementedError

    @property
    def select_history(self) -> str:
        return f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY started_at ASC"

    @property
    def mark_rolled_back(self) -> str:
        p = self.dialect.placeholder
        return f"UPDATE {self.table} SET rolled_back_at = {self.timestamp_parameter} WHERE id = {p}"

    @property
    def insert_applied(self) -> str:
        """Prisma's `mark_migration_applied_impl`: applied_steps_count keeps its default of 0."""
        p, stamp = self.dialect.placeholder, self.timestamp_parameter
        return (
            f"INSERT INTO {self.table} (id, checksum, logs, started_at, finished_at, migration_name) "
            f"VALUES ({p}, {p}, {p}, {stamp}, {stamp}, {p})"
        )

    @property
    def timestamp_parameter(self) -> str:
        """The SQL expression a bound timestamp goes through."""
        return self.dialect.placeholder

    def now(self) -> datetime:
        return truncate(datetime.now(UTC), self.fraction_digits)

    def bind_timestamp(self, value: datetime):
        """The parameter value for a timestamp column, in the form this database stores Prisma's."""
        return value.astimezone(UTC)

    def timestamp_binder(self, stored_rows):
        """How to bind timestamps next to these stored rows (a database whose storage varies follows its rows)."""
        del stored_rows
        return self.bind_timestamp

    def history_columns_query(self) -> tuple[str, tuple]:
        """The column names of `_prisma_migrations` (no rows when there is no such table)."""
        raise NotImplementedError

    def prisma_next_tables_query(self) -> tuple[str, tuple] | None:
        """The tables of Prisma 8's marker and ledger, which replace `_prisma_migrations`, where Prisma 8 has them."""
        return None


class MigrateLock(Part):
    """Prisma's migrate lock."""

    # Whether Prisma's schema engine takes a named migrate lock on this database (SQLite: no, the write lock only).
    named_lock: ClassVar[bool] = True

    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        """Start the transaction and take Prisma's lock; False when the lock stayed taken for `lock_timeout` s."""
        raise NotImplementedError

    def end_locked(self, cursor) -> None:
        """Release what the transaction's end does not release itself."""
        del cursor

    def lock_holders(self, cursor) -> list[dict]:
        """Who holds Prisma's migrate lock right now: session, user, application, client address, and when it took
        the lock: `since` where the engine records it, else null with `since_earliest`/`since_latest` bounding it.
        What it is doing: `state` (idle, running, idle_in_transaction; None where the engine does not tell),
        `idle_seconds` while it is not running a statement, `running_seconds` and `statement_kind` (keywords only,
        shared.statement_kind) while it runs one."""
        del cursor
        return []

    def release_holder(self, cursor, session, min_idle: int) -> bool:
        """End `session` if, at that moment, it still holds Prisma's lock, runs no statement, has no transaction open
        and has been idle for at least `min_idle` seconds (checked by the database as it ends it, in one statement
        where the engine allows); False when it did not qualify and nothing was ended."""
        del cursor, session, min_idle
        return False

    def limit_lock_waits(self, cursor, seconds: int) -> None:
        """Make a read that waits `seconds` for another session's lock fail with a lock-wait error (is_lock_timeout,
        or an error classified `lock_timeout`), before the statement's own limit cuts it off."""
        del cursor, seconds

    def history_lock_holders(self, cursor) -> list[dict]:
        """The sessions holding (or queued for) a lock on `_prisma_migrations` that keeps it from being read, where
        the engine tells them; keys as lock_holders', plus `granted` (false: queued, `since` when it began to wait)."""
        del cursor
        return []


class CodeTable:
    """The database's error codes as cause kinds, and what Prisma writes around this database's errors."""

    # Database error code (as text) -> cause kind; codes not listed are classified by their message.
    error_kinds: ClassVar[dict[str, str]] = {}
    # How a driver adapter's error starts when it is this database's own (libSQL's "SQLITE_CONSTRAINT: ..."): such a
    # log is an adapter's even without the adapter's "external connector error" line.
    adapter_error_prefixes: ClassVar[tuple[str, ...]] = ()

    def split_native_error(self, error: str) -> tuple[str, int | None, int | None]:
        """The text after `Database error:` in Prisma's native P3018 log, as (the database's message, the 1-based
        statement Prisma reports as failing, the 1-based line of the script marked as failing), where the schema
        engine adds those for this database; here it adds nothing."""
        return error, None, None

    def classify_error(self, code: str | None, message: str) -> str:
        """The cause kind of a database error: by its code where this database has one for it, else by its words."""
        if code is not None and str(code) in self.error_kinds:
            return self.error_kinds[str(code)]
        return classify_message(message)


@dataclass(frozen=True)
class Parts:
    """The parts of one database, as its family module puts them together."""

    dialect: Dialect
    driver: Driver
    history: HistoryTable
    lock: MigrateLock
    codes: CodeTable
    # The database folder whose preflight.py holds its Catalog, Rehearsal, LockImpact and Inverses classes.
    preflight: str


def assemble(target: DatabaseTarget, options, family) -> Parts:
    """A database's parts from its family module's classes (PARTS; the folder's preflight.py for the rest, later)."""
    dialect, driver, history, lock, codes = family.PARTS
    chosen = dialect(target)
    return Parts(
        dialect=chosen,
        driver=driver(target, chosen, options),
        history=history(target, chosen),
        lock=lock(target, chosen),
        codes=codes(),
        preflight=family.__name__.rpartition(".")[2],
    )
