"""Causes a retry cannot fix, made as Prisma makes them: a `$$` function Prisma 7's driver adapter cut at a `;` inside
it (the referee, through adapter-pg), and statements cancelled by a statement timeout (the referee on PostgreSQL,
Prisma's native deploy on MariaDB). The preflight names the kind and the statement, and never advises `retry`, even
where its own rehearsal, which sends each statement whole under its own limits, succeeds. On SQL Server, the cause
is read from the P3018 logs Prisma's SQL Server flavour writes."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.preflight import (
    WRAPPED,
    digest,
    failed_deploy,
    preflight,
    wrapped,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_like import P3018_HEAD
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available

INIT = "20240101000000_init"


FAILING = "20240102000000_failing"


FUNCTION = (
    'CREATE FUNCTION "audit_count"() RETURNS integer AS $$\nBEGIN\n  RETURN (SELECT count(*) FROM "T");\nEND;\n'
    "$$ LANGUAGE plpgsql;\n"
)


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def failed_by_prisma(backend, tmp_path, script: str, init='CREATE TABLE "T" ("a" TEXT);\n'):
    migrations = backend.write_migrations(tmp_path / "migrations", {INIT: init, FAILING: script})
    failed_deploy(backend, migrations)
    return migrations


@pytest.mark.postgresql
def test_a_statement_the_adapter_cut_in_two_is_unsupported_by_the_adapter_never_retried(make_backend, tmp_path):
    backend = make_backend("postgresql")
    migrations = failed_by_prisma(
        backend, tmp_path, 'CREATE TABLE "Note" ("body" TEXT NOT NULL DEFAULT \'n/a; none\');\n'
    )
    (logs,) = backend.execute('SELECT logs FROM "_prisma_migrations" WHERE finished_at IS NULL')[0]
    assert "unterminated quoted string at or near" in logs  # the database got a fragment
    before = digest(backend)
    result = preflight(backend, migrations, FAILING, via_ansible=True).result
    cause = result["cause"]
    assert (cause["kind"], cause["statement_index"]) == ("unsupported_by_adapter", 1)
    assert result["verdict"] == "none"
    # Sent whole, the statement is fine: the rehearsal succeeds, and says nothing about the adapter.
    assert result["rehearsal"]["succeeded"] is True
    assert result["advice"] == "investigate"
    assert 'Statement 1 (`CREATE TABLE "Note" ("body" TEXT NOT NULL DEFAULT \'n/a; none\')`)' in result["advice_text"]
    assert "driver adapter" in result["advice_text"]
    assert digest(backend) == before


@pytest.mark.postgresql
def test_statements_before_the_cut_one_ran_and_the_cut_one_is_named(make_backend, tmp_path):
    backend = make_backend("postgresql")
    migrations = failed_by_prisma(backend, tmp_path, 'CREATE TABLE "Audit" ("id" INTEGER);\n\n' + FUNCTION)
    # The adapter committed statement 1 before it sent the fragment of statement 2.
    assert backend.execute("SELECT to_regclass('public.\"Audit\"') IS NOT NULL") == [(True,)]
    result = preflight(backend, migrations, FAILING).result
    assert (result["cause"]["kind"], result["cause"]["statement_index"]) == ("unsupported_by_adapter", 2)
    assert result["cause"]["statement"].startswith('CREATE FUNCTION "audit_count"()')
    assert result["advice"] not in ("retry", "fix_data_then_retry")


@pytest.mark.postgresql
def test_a_statement_cancelled_by_the_databases_statement_timeout_is_never_retried(make_backend, tmp_path):
    backend = make_backend("postgresql")
    # The deploy's connections get the database's own limit, as a managed database's settings give it.
    backend.execute(f'ALTER DATABASE "{backend.target.database}" SET statement_timeout = 200')
    migrations = failed_by_prisma(backend, tmp_path, 'CREATE TABLE "Slow" AS SELECT 1 AS "x" FROM pg_sleep(1);\n')
    backend.execute(f'ALTER DATABASE "{backend.target.database}" RESET statement_timeout')
    result = preflight(backend, migrations, FAILING, rehearse=False).result
    cause = result["cause"]
    assert (cause["kind"], cause["statement_index"]) == ("statement_timeout", 1)
    assert "canceling statement due to statement timeout" in cause["message"]
    assert result["verdict"] == "none"
    assert result["advice"] == "investigate" and "statement timeout" in result["advice_text"]


@pytest.mark.mysql
def test_a_statement_cut_off_by_max_statement_time_is_a_statement_timeout(make_backend, tmp_path):
    backend = make_backend("mysql")
    init = "CREATE TABLE `T` (`a` TEXT);\nINSERT INTO `T` VALUES ('x');\n"
    script = "SET STATEMENT max_statement_time = 0.1 FOR SELECT SLEEP(1) FROM `T`;\n"
    migrations = failed_by_prisma(backend, tmp_path, script, init)
    result = preflight(backend, migrations, FAILING).result
    assert (result["cause"]["kind"], result["cause"]["database_code"]) == ("statement_timeout", "1969")
    assert result["advice"] == "investigate"


def test_cause_from_prisma_logs_on_sql_server(make_backend, tmp_path):
    backend = make_backend("sqlserver")
    schema = backend.target.schema
    backend.execute(f"CREATE TABLE [{schema}].[User] ([id] INT NOT NULL PRIMARY KEY, [bio] NVARCHAR(1000) NULL)")
    backend.execute(f"INSERT INTO [{schema}].[User] VALUES (1, 'same'), (2, 'same')")
    migrations = backend.write_migrations(tmp_path / "migrations", {WRAPPED: wrapped(schema)})
    history = backend.database.history
    backend.execute(history.create_table)
    logs = (
        f"{P3018_HEAD}Migration name: {WRAPPED}\n\nDatabase error code: 1505\n\nDatabase error:\n"
        "The CREATE UNIQUE INDEX statement terminated because a duplicate key was found for the object name "
        f"'{schema}.User' and the index name 'User_bio_key'. The duplicate key value is (same).\n"
    )
    backend.execute(
        f"INSERT INTO {history.table} (id, checksum, logs, started_at, migration_name) "
        "VALUES (?, ?, ?, SYSDATETIMEOFFSET(), ?)",
        ("00000000-0000-4000-8000-000000000001", "0" * 64, logs, WRAPPED),
    )
    result = preflight(backend, migrations, WRAPPED, rehearse=False).result
    assert result["migration_state"] == "failed"
    assert result["cause"]["kind"] == "unique_violation" and result["cause"]["statement_index"] == 2
    assert result["cause"]["database_code"] == "1505"
    assert result["verdict"] == "none" and result["offending"]["count"] == 2
