"""SQL Server parity: the four genuine failure states and six resolve actions of the PostgreSQL/SQLite parity suite,
on a SQL Server engine (Babelfish), with FreeTDS and with Microsoft's Driver 18.

Prisma's engine cannot drive SQL Server here, so the states are built the way its SQL Server flavour writes them
(tests/support/prisma_like.sqlserver_deploy: its table, its session lock, its BEGIN TRY / BEGIN TRAN ... THROW
migrations run for real, its P3018 logs with the server's error number), and each action's outcome and the history
it leaves are compared with the PostgreSQL twin's, which Prisma's own engine builds and resolves.
"""

from __future__ import annotations

import uuid
from functools import cache

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum
from ansible_collections.backoffice.dbops.tests.support import prisma_like
from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import Backend, unavailable, with_database
from ansible_collections.backoffice.dbops.tests.support.parity import ACTIONS, SCENARIOS, Twin, deploy, prisma_outcome
from ansible_collections.backoffice.dbops.tests.support.prisma_like import PrismaDeployError
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.scenarios import (
    BIO_INDEX,
    LATER,
    sqlserver_fix_data,
    sqlserver_scripts,
    write_migrations,
)

pytestmark = pytest.mark.mssql
# Each state with one driver, so that every action runs on both drivers without doubling the suite's time.
DRIVER_OF_SCENARIO = {
    "single_failure": "freetds",
    "refailed_after_rollback": "driver18",
    "two_open_failures_of_one_name": "freetds",
    "recovered_then_applied": "driver18",
}


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


# -- the SQL Server side: the states as Prisma's SQL Server flavour leaves them ----------------------------------


def sqlserver_deploy(backend, migrations):
    try:
        return ("applied", prisma_like.sqlserver_deploy(backend, migrations))
    except PrismaDeployError as error:
        return ("error", error.code)


def sqlserver_single_failure(backend, migrations):
    assert sqlserver_deploy(backend, migrations) == ("error", "P3018")


def sqlserver_refailed_after_rollback(backend, migrations):
    sqlserver_single_failure(backend, migrations)
    prisma_like.sqlserver_mark_rolled_back(backend, BIO_INDEX)
    assert sqlserver_deploy(backend, migrations) == ("error", "P3018")


def sqlserver_two_open_failures_of_one_name(backend, migrations):
    sqlserver_single_failure(backend, migrations)
    backend.execute(f"UPDATE {backend.table} SET rolled_back_at = SYSDATETIMEOFFSET() WHERE finished_at IS NULL")
    assert sqlserver_deploy(backend, migrations) == ("error", "P3018")
    backend.execute(
        f"UPDATE {backend.table} SET rolled_back_at = NULL WHERE migration_name = ? AND finished_at IS NULL",
        (BIO_INDEX,),
    )


def sqlserver_recovered_then_applied(backend, migrations):
    sqlserver_single_failure(backend, migrations)
    prisma_like.sqlserver_mark_rolled_back(backend, BIO_INDEX)
    backend.execute(sqlserver_fix_data(backend.target.schema))
    assert sqlserver_deploy(backend, migrations) == ("applied", [BIO_INDEX, LATER])


SQLSERVER_SCENARIOS = {
    "single_failure": sqlserver_single_failure,
    "refailed_after_rollback": sqlserver_refailed_after_rollback,
    "two_open_failures_of_one_name": sqlserver_two_open_failures_of_one_name,
    "recovered_then_applied": sqlserver_recovered_then_applied,
}
assert SQLSERVER_SCENARIOS.keys() == SCENARIOS.keys()


def normalised_history(backend: Backend, migrations) -> list[tuple]:
    """The history with what differs by nature reduced: ids and timestamps to presence, a checksum to the local
    migration it is the checksum of, logs to none / empty / an error text."""
    names_by_checksum = {
        compute_checksum((folder / "migration.sql").read_text()): folder.name
        for folder in migrations.iterdir()
        if folder.is_dir()
    }
    rows = backend.execute(
        f"SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs "
        f"FROM {backend.table} ORDER BY started_at, migration_name"
    )
    return [
        (
            name,
            names_by_checksum.get(checksum, "other"),
            finished is not None,
            rolled_back is not None,
            steps,
            None if logs is None else ("" if logs == "" else "error"),
        )
        for (name, checksum, finished, rolled_back, steps, logs) in rows
    ]


# -- the PostgreSQL twin: built and resolved by Prisma's engine, once per scenario and action ----------------------


@pytest.fixture(scope="module")
def prismas_answer(postgres_server, tmp_path_factory):
    """What Prisma's engine does on PostgreSQL for (scenario, state, migration): its outcome, the history it leaves
    and what its next deploy says."""
    folder = tmp_path_factory.mktemp("postgres-twins")
    migrations = write_migrations(folder / "migrations", "postgresql")
    admin = Backend("postgresql", with_database(postgres_server, "postgres"), str(folder))
    databases = []

    @cache
    def answer(scenario: str, state: str, migration: str):
        name = f"dbops_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        databases.append(name)
        twin = Twin(Backend("postgresql", with_database(postgres_server, name, "schema=public"), str(folder)))
        SCENARIOS[scenario](twin, migrations)
        mark = twin.prisma.mark_rolled_back if state == "rolled_back" else twin.prisma.mark_applied
        outcome = prisma_outcome(mark, migrations, migration)
        history = normalised_history(twin.backend, migrations)
        next_deploy = deploy(twin, migrations)[:2]
        # The referee's WASM engine reports a migration that fails to apply without the P3018 code the native
        # engine (and so a real SQL Server deploy) gives it.
        if next_deploy == ("error", None):
            next_deploy = ("error", "P3018")
        return outcome[0] if outcome[0] == "ok" else outcome, history, next_deploy

    yield answer
    for name in databases:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize(("state", "migration"), ACTIONS)
def test_resolve_leaves_the_history_prisma_leaves(make_backend, tmp_path, prismas_answer, scenario, state, migration):
    backend = make_backend("sqlserver", driver=DRIVER_OF_SCENARIO[scenario])
    migrations = write_migrations(
        tmp_path / "migrations",
        "sqlserver",
        scripts=sqlserver_scripts(backend.target.schema),
        lockfile_provider="sqlserver",
    )
    SQLSERVER_SCENARIOS[scenario](backend, migrations)
    expected_outcome, expected_history, expected_deploy = prismas_answer(scenario, state, migration)

    run = run_module(
        "prisma_migration_resolve",
        {
            "database_url": backend.url,
            "migration": migration,
            "state": state,
            "migrations_dir": str(migrations),
            **backend.module_options,
        },
    )
    if expected_outcome == "ok":
        assert run.rc == 0, run.output
    else:
        assert run.rc != 0 and run.result.get("code") == expected_outcome[1], (expected_outcome, run.output)
    assert normalised_history(backend, migrations) == expected_history
    assert sqlserver_deploy(backend, migrations) == expected_deploy
