"""prisma_migration_preflight on SQL Server: Prisma wraps every migration in BEGIN TRY / BEGIN TRAN ... COMMIT TRAN /
CATCH ... ROLLBACK TRAN; THROW. The rehearsal sends that batch as is inside its own transaction: the inner COMMIT
only lowers @@TRANCOUNT to ours, the CATCH's ROLLBACK undoes everything, and our rollback leaves nothing either way.

Runs where DBOPS_TEST_MSSQL_URL names a server (as the rest of the SQL Server suite). Verified against a throwaway
Babelfish 4.3 (/work/shared/babelfish/start-babelfish); the shared Babelfish fixture of tests/support (issue 7) is
meant to provide that URL in CI.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.tests.support.preflight import (
    P3018_HEAD,
    preflight,
    write_migrations,
)

NAME = "20201201000000_nick_and_bio"


def wrapped(schema: str) -> str:
    return (
        "BEGIN TRY\n\nBEGIN TRAN;\n\n-- AlterTable\n"
        f"ALTER TABLE [{schema}].[User] ADD [nick] NVARCHAR(1000);\n\n-- CreateIndex\n"
        f"ALTER TABLE [{schema}].[User] ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio]);\n\n"
        "COMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n    ROLLBACK TRAN;\nEND;\nTHROW\n\n"
        "END CATCH\n"
    )


def snapshot(backend, schema):
    """Columns, constraints and rows of the table, and the history: what a rehearsal must leave as it was."""
    table = f"{schema}.User"
    return (
        backend.execute("SELECT name FROM sys.columns WHERE object_id = OBJECT_ID(?) ORDER BY name", (table,)),
        backend.execute("SELECT name FROM sys.objects WHERE parent_object_id = OBJECT_ID(?) ORDER BY name", (table,)),
        backend.execute(f"SELECT * FROM [{schema}].[User] ORDER BY id"),
        backend.execute(
            "SELECT count(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (schema, "_prisma_migrations"),
        ),
    )


def test_prisma_wrapped_migration_rehearses_and_leaves_nothing(make_backend, tmp_path):
    backend = make_backend("sqlserver")
    schema = backend.target.schema
    backend.execute(f"CREATE TABLE [{schema}].[User] ([id] INT NOT NULL PRIMARY KEY, [bio] NVARCHAR(1000) NULL)")
    backend.execute(f"INSERT INTO [{schema}].[User] VALUES (1, 'same'), (2, 'same'), (3, NULL)")
    migrations = write_migrations(tmp_path / "migrations", "sqlserver", {NAME: wrapped(schema)})
    before = snapshot(backend, schema)

    failing = preflight(backend, migrations, NAME).result
    assert [s["kind"] for s in failing["statements"]] == ["add_column", "add_constraint"]
    rehearsal = failing["rehearsal"]
    assert rehearsal["ran"] is True and rehearsal["succeeded"] is False
    assert (rehearsal["failed_statement_index"], rehearsal["database_code"]) == (2, "1505")
    assert failing["cause"]["kind"] == "unique_violation" and failing["offending"]["count"] == 2
    assert failing["advice"] == "fix_data_then_retry"
    assert snapshot(backend, schema) == before

    # SQL Server's unique constraint lets one NULL through: the fixed data has a single NULL.
    backend.execute(f"DELETE FROM [{schema}].[User] WHERE id IN (2, 3)")
    fixed = snapshot(backend, schema)
    passing = preflight(backend, migrations, NAME).result
    assert passing["rehearsal"]["succeeded"] is True and passing["advice"] == "retry"
    # The script's own COMMIT TRAN ran: still nothing, because it only closed its nested transaction.
    assert snapshot(backend, schema) == fixed


def test_cause_from_prisma_logs_on_sql_server(make_backend, tmp_path):
    backend = make_backend("sqlserver")
    schema = backend.target.schema
    backend.execute(f"CREATE TABLE [{schema}].[User] ([id] INT NOT NULL PRIMARY KEY, [bio] NVARCHAR(1000) NULL)")
    backend.execute(f"INSERT INTO [{schema}].[User] VALUES (1, 'same'), (2, 'same')")
    migrations = write_migrations(tmp_path / "migrations", "sqlserver", {NAME: wrapped(schema)})
    history = backend.database.history
    backend.execute(history.create_table)
    logs = (
        f"{P3018_HEAD}Migration name: {NAME}\n\nDatabase error code: 1505\n\nDatabase error:\n"
        "The CREATE UNIQUE INDEX statement terminated because a duplicate key was found for the object name "
        f"'{schema}.User' and the index name 'User_bio_key'. The duplicate key value is (same).\n"
    )
    backend.execute(
        f"INSERT INTO {history.table} (id, checksum, logs, started_at, migration_name) "
        "VALUES (?, ?, ?, SYSDATETIMEOFFSET(), ?)",
        ("00000000-0000-4000-8000-000000000001", "0" * 64, logs, NAME),
    )
    result = preflight(backend, migrations, NAME, rehearse=False).result
    assert result["migration_state"] == "failed"
    assert result["cause"]["kind"] == "unique_violation" and result["cause"]["statement_index"] == 2
    assert result["cause"]["database_code"] == "1505"
    assert result["verdict"] == "none" and result["offending"]["count"] == 2
