"""Write history rows the way Prisma's deploy does, for databases the referee cannot drive (MySQL, SQL Server).

From Prisma's `sql_migration_persistence.rs`: deploy inserts (id, checksum, started_at, migration_name), then on
success bumps applied_steps_count and sets finished_at, on failure writes logs; a rollback sets rolled_back_at.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum


def create_history_table(backend) -> None:
    backend.execute(backend.database.history.create_table)


def record(backend, name: str, script: str, *, state: str, started_at: datetime, logs: str | None = None) -> str:
    history = backend.database.history
    p = history.dialect.placeholder
    row_id = str(uuid.uuid4())
    stamp = history.timestamp_parameter
    backend.execute(
        f"INSERT INTO {history.table} (id, checksum, started_at, migration_name) VALUES ({p}, {p}, {stamp}, {p})",
        (row_id, compute_checksum(script), history.bind_timestamp(started_at), name),
    )
    if state in ("applied", "applied_then_rolled_back"):
        backend.execute(
            f"UPDATE {history.table} SET applied_steps_count = applied_steps_count + 1, finished_at = {stamp} "
            f"WHERE id = {p}",
            (history.bind_timestamp(started_at + timedelta(milliseconds=40)), row_id),
        )
    else:
        backend.execute(f"UPDATE {history.table} SET logs = {p} WHERE id = {p}", (logs or "", row_id))
    if state in ("rolled_back", "applied_then_rolled_back"):
        backend.execute(
            f"UPDATE {history.table} SET rolled_back_at = {stamp} WHERE id = {p}",
            (history.bind_timestamp(started_at + timedelta(seconds=30)), row_id),
        )
    return row_id


# When the seed scenario's first migration started.
START = datetime(2020, 11, 27, 13, 49, 37, 250000, tzinfo=UTC)
SCRIPTS = {
    "20201127134937_init": "CREATE TABLE User (id INT PRIMARY KEY, bio VARCHAR(191));\n",
    "20201127134938_added_bio_index": "CREATE UNIQUE INDEX User_bio_key ON User(bio);\n",
}


def p3009_history(backend) -> dict:
    """The seed scenario: init applied, then the bio index failed on duplicate data."""
    create_history_table(backend)
    start = START
    init = record(backend, "20201127134937_init", SCRIPTS["20201127134937_init"], state="applied", started_at=start)
    failed = record(
        backend,
        "20201127134938_added_bio_index",
        SCRIPTS["20201127134938_added_bio_index"],
        state="failed",
        started_at=start + timedelta(seconds=1),
        logs="A migration failed to apply.\n\nDatabase error code: 1062\n\n"
        "Database error:\nDuplicate entry 'same' for key 'User_bio_key'\n",
    )
    return {"init": init, "failed": failed}


# -- SQL Server: Prisma's deploy as its `mssql` flavour runs it (prisma-engines apply_migrations.rs, flavour/mssql.rs,
# sql_migration_persistence.rs), for the engine the referee cannot drive.

P3018 = (
    "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more "
    "about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n"
    "Migration name: {name}\n\nDatabase error code: {code}\n\nDatabase error:\n{error}\n"
)
# The span trace Prisma appends to the error text it stores (frames vary across versions; this is 6.x's).
SPAN_TRACE = (
    "\n   0: sql_schema_connector::apply_migration::apply_script\n"
    '           with migration_name="{name}"\n'
    "             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113\n"
    "   1: schema_commands::commands::apply_migrations::Applying migration\n"
    '           with migration_name="{name}"\n'
    "             at schema-engine/commands/src/commands/apply_migrations.rs:95\n"
    "   2: schema_core::state::ApplyMigrations\n"
    "             at schema-engine/core/src/state.rs:260"
)
PRISMA_LOCK = "sp_getapplock @Resource = 'prisma_migrate', @LockMode = 'Exclusive', @LockOwner = 'Session'"
_ODBC_ERROR = re.compile(r"^(?:\[[^\]]*\]\s*)+(?P<message>.*?)\s*\((?P<code>-?\d+)\)\s*\(SQL\w+\)$", re.DOTALL)


class PrismaDeployError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def server_error(exc: Exception) -> tuple[int, str]:
    """The server's error number and message from a pyodbc error, as Prisma's driver reports them."""
    text = exc.args[1] if len(exc.args) > 1 else str(exc)
    match = _ODBC_ERROR.match(text.strip())
    assert match, text
    return int(match["code"]), match["message"]


def prisma_sqlserver_migration(steps: list[tuple[str, list[str]]], warnings: list[str] = ()) -> str:
    """A migration.sql as Prisma's SQL Server renderer writes it: every step inside BEGIN TRY / BEGIN TRAN, and a
    CATCH that rolls back and re-THROWs (flavour/mssql/renderer.rs)."""
    text = "/*\n  Warnings:\n\n" + "".join(f"  - {w}\n" for w in warnings) + "\n*/\n" if warnings else ""
    body = "\n".join(
        f"-- {description}\n" + "".join(f"{statement};\n" for statement in statements)
        for description, statements in steps
    )
    return (
        text + "BEGIN TRY\n\nBEGIN TRAN;\n\n" + body + "\nCOMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\n"
        "IF @@TRANCOUNT > 0\nBEGIN\n    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
    )


def _now(history):
    """Prisma's chrono Utc::now(), bound as the database binds timestamps."""
    return history.bind_timestamp(datetime.now(UTC))


def _failed_names(rows) -> list[str]:
    return [name for (_id, name, finished, rolled_back) in rows if finished is None and rolled_back is None]


def sqlserver_deploy(backend, migrations) -> list[str]:
    """`prisma migrate deploy` on SQL Server: Prisma's session lock, its table, P3009 on a failed row, then each
    unapplied migration recorded as started, run as one batch, and finished, or its error stored as P3018 logs."""
    history = backend.database.history
    table, stamp = history.table, history.timestamp_parameter
    connection = backend.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(PRISMA_LOCK)
        cursor.execute(*history.table_exists_query())
        if cursor.fetchone() is None:
            cursor.execute(history.create_table)
        rows = cursor.execute(
            f"SELECT id, migration_name, finished_at, rolled_back_at FROM {table} ORDER BY started_at"
        ).fetchall()
        failed = _failed_names(rows)
        if failed:
            raise PrismaDeployError("P3009", f"failed migrations: {failed}")
        done = {name for (_id, name, finished, rolled_back) in rows if finished is not None and rolled_back is None}
        applied = []
        for folder in sorted(path for path in migrations.iterdir() if path.is_dir()):
            if folder.name in done:
                continue
            script = (folder / "migration.sql").read_text()
            row_id = str(uuid.uuid4())
            cursor.execute(
                f"INSERT INTO {table} (id, checksum, started_at, migration_name) VALUES (?, ?, {stamp}, ?)",
                (row_id, compute_checksum(script), _now(history), folder.name),
            )
            try:
                cursor.execute(script)
                while cursor.nextset():
                    pass
            except Exception as exc:  # pyodbc.Error: the driver's classes differ
                code, message = server_error(exc)
                logs = P3018.format(name=folder.name, code=code, error=message) + SPAN_TRACE.format(name=folder.name)
                cursor.execute(f"UPDATE {table} SET logs = ? WHERE id = ?", (logs, row_id))
                raise PrismaDeployError("P3018", message) from None
            cursor.execute(f"UPDATE {table} SET applied_steps_count = applied_steps_count + 1 WHERE id = ?", (row_id,))
            cursor.execute(f"UPDATE {table} SET finished_at = {stamp} WHERE id = ?", (_now(history), row_id))
            applied.append(folder.name)
        return applied
    finally:
        connection.close()


def sqlserver_mark_rolled_back(backend, name: str) -> None:
    """`prisma migrate resolve --rolled-back NAME`: rolled_back_at on its failed rows, under Prisma's lock."""
    history = backend.database.history
    connection = backend.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(PRISMA_LOCK)
        rows = cursor.execute(
            f"SELECT id, migration_name, finished_at, rolled_back_at FROM {history.table} WHERE migration_name = ?",
            (name,),
        ).fetchall()
        for row_id, *_rest in [row for row in rows if row[2] is None and row[3] is None]:
            cursor.execute(
                f"UPDATE {history.table} SET rolled_back_at = {history.timestamp_parameter} WHERE id = ?",
                (history.bind_timestamp(datetime.now(UTC)), row_id),
            )
    finally:
        connection.close()
