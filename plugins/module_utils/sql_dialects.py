# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exact SQL each database needs for `_prisma_migrations`, as Prisma's schema engine writes it.

Pure text: unit tests pin every statement, including the SQL Server ones that no server here runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

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
# Prisma's advisory lock: key 72707369 on PostgreSQL, the name `prisma_migrate` elsewhere.
POSTGRES_LOCK_KEY = 72707369
LOCK_NAME = "prisma_migrate"


def quote_postgres(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def quote_sqlserver(identifier: str) -> str:
    return "[" + identifier.replace("]", "]]") + "]"


@dataclass(frozen=True)
class Dialect:
    provider: str
    table: str
    placeholder: str
    create_table: str
    table_exists: str
    # Statements run before CREATE TABLE (PostgreSQL: Prisma creates a missing schema when it connects).
    prepare_table: tuple[str, ...]
    # Digits of second fractions the timestamp columns keep: what we write is what reads back.
    fraction_digits: int

    @property
    def select_history(self) -> str:
        columns = ", ".join(COLUMNS)
        return f"SELECT {columns} FROM {self.table} ORDER BY started_at ASC"

    @property
    def mark_rolled_back(self) -> str:
        p = self.placeholder
        return f"UPDATE {self.table} SET rolled_back_at = {self.timestamp_parameter(p)} WHERE id = {p}"

    @property
    def insert_applied(self) -> str:
        """Prisma's `mark_migration_applied_impl`: applied_steps_count keeps its default of 0."""
        p = self.placeholder
        stamp = self.timestamp_parameter(p)
        return (
            f"INSERT INTO {self.table} (id, checksum, logs, started_at, finished_at, migration_name) "
            f"VALUES ({p}, {p}, {p}, {stamp}, {stamp}, {p})"
        )

    def timestamp_parameter(self, placeholder: str) -> str:
        if self.provider == "sqlserver":
            # pyodbc cannot bind an offset-aware datetime; pass text and let the server parse it exactly.
            return f"CAST({placeholder} AS DATETIMEOFFSET)"
        return placeholder

    def now(self) -> datetime:
        return truncate(datetime.now(UTC), self.fraction_digits)

    def bind_timestamp(self, value: datetime, *, sqlite_text: bool = False):
        """The parameter value for a timestamp column, in the form this database stores Prisma's.

        SQLite has no timestamp type: Prisma's native engine stores integer epoch milliseconds, its driver adapters
        (libsql, D1) RFC 3339 text. `sqlite_text` follows the history's own rows, so `ORDER BY started_at` keeps
        one storage class and stays chronological.
        """
        value = value.astimezone(UTC)
        if self.provider == "mysql":
            return value.replace(tzinfo=None)
        if self.provider == "sqlite":
            if sqlite_text:
                return value.isoformat(timespec="milliseconds")
            return int(value.timestamp() * 1000)
        if self.provider == "sqlserver":
            return value.strftime("%Y-%m-%d %H:%M:%S.%f") + " +00:00"
        return value


def truncate(value: datetime, digits: int) -> datetime:
    step = 10 ** (6 - digits)
    return value.replace(microsecond=value.microsecond - value.microsecond % step)


def postgresql(schema: str) -> Dialect:
    table = f"{quote_postgres(schema)}.{quote_postgres(TABLE)}"
    return Dialect(
        provider="postgresql",
        table=table,
        placeholder="%s",
        create_table=(
            f"CREATE TABLE {table} (\n"
            '    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,\n'
            '    "checksum"              VARCHAR(64) NOT NULL,\n'
            '    "finished_at"           TIMESTAMPTZ,\n'
            '    "migration_name"        VARCHAR(255) NOT NULL,\n'
            '    "logs"                  TEXT,\n'
            '    "rolled_back_at"        TIMESTAMPTZ,\n'
            '    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),\n'
            '    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0\n'
            ")"
        ),
        table_exists=(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = '_prisma_migrations'"
        ),
        prepare_table=(f"CREATE SCHEMA IF NOT EXISTS {quote_postgres(schema)}",),
        fraction_digits=6,
    )


def mysql() -> Dialect:
    table = f"`{TABLE}`"
    return Dialect(
        provider="mysql",
        table=table,
        placeholder="%s",
        create_table=(
            f"CREATE TABLE {table} (\n"
            "    id                      VARCHAR(36) PRIMARY KEY NOT NULL,\n"
            "    checksum                VARCHAR(64) NOT NULL,\n"
            "    finished_at             DATETIME(3),\n"
            "    migration_name          VARCHAR(255) NOT NULL,\n"
            "    logs                    TEXT,\n"
            "    rolled_back_at          DATETIME(3),\n"
            "    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),\n"
            "    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0\n"
            ") DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ),
        table_exists=(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations'"
        ),
        prepare_table=(),
        fraction_digits=3,
    )


def sqlite() -> Dialect:
    table = f'"{TABLE}"'
    return Dialect(
        provider="sqlite",
        table=table,
        placeholder="?",
        create_table=(
            f"CREATE TABLE {table} (\n"
            '    "id"                    TEXT PRIMARY KEY NOT NULL,\n'
            '    "checksum"              TEXT NOT NULL,\n'
            '    "finished_at"           DATETIME,\n'
            '    "migration_name"        TEXT NOT NULL,\n'
            '    "logs"                  TEXT,\n'
            '    "rolled_back_at"        DATETIME,\n'
            '    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,\n'
            '    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0\n'
            ")"
        ),
        table_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'",
        prepare_table=(),
        fraction_digits=3,
    )


def sqlserver(schema: str) -> Dialect:
    table = f"{quote_sqlserver(schema)}.{quote_sqlserver(TABLE)}"
    return Dialect(
        provider="sqlserver",
        table=table,
        placeholder="?",
        create_table=(
            f"CREATE TABLE {table} (\n"
            "    id                      VARCHAR(36) PRIMARY KEY NOT NULL,\n"
            "    checksum                VARCHAR(64) NOT NULL,\n"
            "    finished_at             DATETIMEOFFSET,\n"
            "    migration_name          NVARCHAR(250) NOT NULL,\n"
            "    logs                    NVARCHAR(MAX) NULL,\n"
            "    rolled_back_at          DATETIMEOFFSET,\n"
            "    started_at              DATETIMEOFFSET NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
            "    applied_steps_count     INT NOT NULL DEFAULT 0\n"
            ")"
        ),
        table_exists=(
            "SELECT 1 FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations'"
        ),
        prepare_table=(),
        fraction_digits=6,
    )


def for_target(provider: str, schema: str | None) -> Dialect:
    if provider == "postgresql":
        return postgresql(schema or "public")
    if provider == "mysql":
        return mysql()
    if provider == "sqlite":
        return sqlite()
    if provider == "sqlserver":
        return sqlserver(schema or "dbo")
    raise ValueError(f"unknown provider {provider}")


# Lock statements. Each takes the timeout in the unit the database wants and says whether it got the lock.
POSTGRES_SET_LOCK_TIMEOUT = "SELECT set_config('lock_timeout', %s, true)"
POSTGRES_LOCK = f"SELECT pg_advisory_xact_lock({POSTGRES_LOCK_KEY})"
MYSQL_LOCK = f"SELECT GET_LOCK('{LOCK_NAME}', %s)"
MYSQL_UNLOCK = f"SELECT RELEASE_LOCK('{LOCK_NAME}')"
SQLSERVER_LOCK = (
    "SET NOCOUNT ON; DECLARE @result INT; "
    f"EXEC @result = sp_getapplock @Resource = N'{LOCK_NAME}', @LockMode = 'Exclusive', "
    "@LockOwner = 'Transaction', @LockTimeout = ?; SELECT @result"
)
SQLITE_BEGIN = "BEGIN IMMEDIATE"


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
