"""Prisma's own schema engine as the referee, on PostgreSQL and SQLite.

Genuine failure states are made by Prisma's engine applying migrations whose data violates a new constraint. Each
state is cloned into twins: our module resolves one, Prisma's engine the other, and the two must end with the same
history (ids and timestamps aside), the same refusals with the same codes, and the same answer from Prisma's
diagnose and deploy afterwards. Our reading of the history must also match what Prisma prints for P3009.

On SQL Server (Babelfish, with FreeTDS and with Microsoft's Driver 18) Prisma's engine cannot run here: the same
four states are built as its SQL Server flavour builds them (tests/support/backends/mssql.py), and each action's
outcome and the history it leaves are compared with the PostgreSQL twin's, which Prisma's own engine resolves.
"""

from __future__ import annotations

from functools import cache

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum
from ansible_collections.backoffice.dbops.tests.support import backends
from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import Backend, DeployFailed, unavailable
from ansible_collections.backoffice.dbops.tests.support.backends.postgres import PostgresBackend
from ansible_collections.backoffice.dbops.tests.support.parity import (
    ACTIONS,
    SCENARIOS,
    Twin,
    deploy,
    prisma_outcome,
    single_failure,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import RefereeError, referee_available
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, INIT, LATER


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def provider(request):
    return request.param


@pytest.fixture(scope="module")
def scenario_templates(provider, tmp_path_factory, request):
    """Each scenario built once by Prisma's engine; tests get clones of it."""
    folder = tmp_path_factory.mktemp(f"templates-{provider}")
    cleanups = []
    templates = {name: backends.fresh(provider, request, folder, cleanups) for name in SCENARIOS}
    # Every template is of one database: any of them writes its seed migrations.
    any_template = templates["single_failure"]
    migrations = any_template.write_migrations(folder / "migrations", any_template.seed_scripts())
    for name, build in SCENARIOS.items():
        build(Twin(templates[name]), migrations)
    yield migrations, templates
    for cleanup in cleanups:
        cleanup()


@pytest.fixture
def twins(provider, scenario_templates, make_backend):
    migrations, templates = scenario_templates

    def clone(scenario: str) -> tuple[Twin, Twin]:
        template = templates[scenario]
        return Twin(make_backend(provider, template=template)), Twin(make_backend(provider, template=template))

    return migrations, clone


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize(("state", "migration"), ACTIONS)
def test_resolve_leaves_the_history_prisma_leaves(twins, scenario, state, migration):
    migrations, clone = twins
    ours, prismas = clone(scenario)

    run = run_module(
        "prisma_migration_resolve", ours.module_args(migration=migration, state=state, migrations_dir=str(migrations))
    )
    mark = prismas.prisma.mark_rolled_back if state == "rolled_back" else prismas.prisma.mark_applied
    expected = prisma_outcome(mark, migrations, migration)

    if expected[0] == "ok":
        assert run.rc == 0, run.output
    else:
        assert run.rc != 0 and run.result.get("code") == expected[1], (expected, run.output)
    assert ours.history() == prismas.history()
    assert ours.prisma.diagnose(migrations) == prismas.prisma.diagnose(migrations)
    assert deploy(ours, migrations)[:2] == deploy(prismas, migrations)[:2]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_info_reads_the_history_as_prisma_does(twins, scenario):
    migrations, clone = twins
    ours = clone(scenario)[0]
    diagnosis = ours.prisma.diagnose(migrations)
    info = run_module("prisma_migration_info", ours.module_args(migrations_dir=str(migrations)))
    assert info.rc == 0, info.output
    result = info.result
    assert [m["migration_name"] for m in result["failed_migrations"]] == diagnosis["failedMigrationNames"]
    assert result["edited"] == diagnosis["editedMigrationNames"]
    outcome = deploy(ours, migrations)
    if result["blocked"]:
        # Byte for byte what `prisma migrate deploy` prints, timestamps included.
        assert outcome == ("error", "P3009", result["p3009_message"])
    else:
        assert outcome[0] == "applied"
        assert outcome[1] == result["pending"]


def test_after_our_rollback_prisma_reattempts_and_then_deploys(twins):
    migrations, clone = twins
    ours = clone("single_failure")[0]
    run = run_module("prisma_migration_resolve", ours.module_args(migration=BIO_INDEX))
    assert run.rc == 0, run.output
    info = run_module("prisma_migration_info", ours.module_args(migrations_dir=str(migrations)))
    assert info.result["blocked"] is False
    assert info.result["pending"] == [BIO_INDEX, LATER]
    # The data still violates the index: Prisma re-attempts the migration (not P3009) and fails on the data again.
    assert deploy(ours, migrations)[1] != "P3009"
    run_module("prisma_migration_resolve", ours.module_args(migration=BIO_INDEX))
    ours.backend.execute(ours.backend.fix_data)
    assert deploy(ours, migrations) == ("applied", [BIO_INDEX, LATER])
    assert ours.prisma.diagnose(migrations)["failedMigrationNames"] == []


def test_after_our_applied_deploy_proceeds_and_checksums_match(twins):
    migrations, clone = twins
    ours = clone("single_failure")[0]
    ours.backend.execute(ours.backend.fix_data)
    ours.backend.execute('CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")')
    run = run_module(
        "prisma_migration_resolve",
        ours.module_args(migration=BIO_INDEX, state="applied", migrations_dir=str(migrations)),
    )
    assert run.rc == 0, run.output
    diagnosis = ours.prisma.diagnose(migrations)
    assert diagnosis["failedMigrationNames"] == [] and diagnosis["editedMigrationNames"] == []
    assert deploy(ours, migrations) == ("applied", [LATER])


@pytest.mark.parametrize(("variant", "kwargs"), [("crlf", {"crlf": True}), ("edited", {"edited": INIT})])
def test_edited_detection_matches_prisma(twins, tmp_path, variant, kwargs):
    clone = twins[1]
    ours = clone("recovered_then_applied")[0]
    local = ours.backend.write_migrations(tmp_path / variant, ours.backend.seed_scripts(), **kwargs)
    diagnosis = ours.prisma.diagnose(local)
    info = run_module("prisma_migration_info", ours.module_args(migrations_dir=str(local)))
    assert info.result["edited"] == diagnosis["editedMigrationNames"]
    assert info.result["edited"] == ([INIT] if variant == "edited" else [])


def test_provider_switch_is_p3019_like_prisma(twins, tmp_path):
    clone = twins[1]
    ours, prismas = clone("single_failure")
    foreign = ours.backend.write_migrations(tmp_path / "foreign", ours.backend.seed_scripts())
    (foreign / "migration_lock.toml").write_text('provider = "mysql"\n')
    run = run_module(
        "prisma_migration_resolve", ours.module_args(migration=BIO_INDEX, state="applied", migrations_dir=str(foreign))
    )
    with pytest.raises(RefereeError) as prisma_error:
        prismas.prisma.mark_applied(foreign, BIO_INDEX)
    assert run.result["code"] == prisma_error.value.code == "P3019"
    assert run.result["msg"].startswith(prisma_error.value.message)
    assert ours.history() == prismas.history()


def table_shape(backend: Backend, schema: str):
    return backend.execute(
        "SELECT column_name, data_type, is_nullable, column_default, character_maximum_length "
        "FROM information_schema.columns WHERE table_schema = %s AND table_name = '_prisma_migrations' "
        "ORDER BY ordinal_position",
        (schema,),
    )


def test_applied_on_an_empty_postgres_database_creates_prismas_own_table(make_backend, tmp_path):
    ours, prismas = Twin(make_backend("postgresql")), Twin(make_backend("postgresql"))
    migrations = ours.backend.write_migrations(tmp_path / "migrations", ours.backend.seed_scripts())
    run = run_module(
        "prisma_migration_resolve", ours.module_args(migration=INIT, state="applied", migrations_dir=str(migrations))
    )
    assert run.rc == 0, run.output
    prismas.prisma.mark_applied(migrations, INIT)
    assert table_shape(ours.backend, "public") == table_shape(prismas.backend, "public")
    assert ours.history() == prismas.history()


def test_a_non_default_postgres_schema_is_where_prisma_keeps_the_history(make_backend, tmp_path):
    ours = Twin(make_backend("postgresql", schema="tenant_a"))
    prismas = Twin(make_backend("postgresql", schema="tenant_a"))
    migrations = ours.backend.write_migrations(tmp_path / "migrations", ours.backend.seed_scripts())
    for twin in (ours, prismas):
        single_failure(twin, migrations)
    assert ours.backend.execute("SELECT count(*) FROM tenant_a._prisma_migrations") == [(2,)]
    info = run_module("prisma_migration_info", ours.module_args(migrations_dir=str(migrations)))
    assert info.result["blocked"] is True
    assert deploy(ours, migrations) == ("error", "P3009", info.result["p3009_message"])
    run = run_module("prisma_migration_resolve", ours.module_args(migration=BIO_INDEX))
    assert run.rc == 0, run.output
    prismas.prisma.mark_rolled_back(migrations, BIO_INDEX)
    assert ours.history() == prismas.history()
    assert deploy(ours, migrations)[:2] == deploy(prismas, migrations)[:2]


@pytest.mark.parametrize("state", ["rolled_back", "applied"])
def test_sqlite_history_kept_as_text_stays_text_and_in_order(make_backend, tmp_path, state):
    ours, prismas = (Twin(make_backend("sqlite"), sqlite_timestamp_format="iso8601") for _twin in range(2))
    migrations = ours.backend.write_migrations(tmp_path / "migrations", ours.backend.seed_scripts())
    for twin in (ours, prismas):
        single_failure(twin, migrations)
    run = run_module(
        "prisma_migration_resolve", ours.module_args(migration=BIO_INDEX, state=state, migrations_dir=str(migrations))
    )
    assert run.rc == 0, run.output
    getattr(prismas.prisma, f"mark_{state}")(migrations, BIO_INDEX)
    storage = (
        "SELECT migration_name, typeof(started_at), typeof(finished_at), typeof(rolled_back_at) "
        "FROM _prisma_migrations ORDER BY started_at"
    )
    assert ours.backend.execute(storage) == prismas.backend.execute(storage)
    assert ours.history() == prismas.history()
    assert ours.prisma.diagnose(migrations) == prismas.prisma.diagnose(migrations)


# Each state with one driver, so that every action runs on both drivers without doubling the suite's time.
DRIVER_OF_SCENARIO = {
    "single_failure": "freetds",
    "refailed_after_rollback": "driver18",
    "two_open_failures_of_one_name": "freetds",
    "recovered_then_applied": "driver18",
}


def sqlserver_deploy(backend, migrations):
    try:
        return ("applied", backend.deploy(migrations))
    except DeployFailed as error:
        return ("error", error.code)


def sqlserver_single_failure(backend, migrations):
    assert sqlserver_deploy(backend, migrations) == ("error", "P3018")


def sqlserver_refailed_after_rollback(backend, migrations):
    sqlserver_single_failure(backend, migrations)
    backend.mark_rolled_back(BIO_INDEX)
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
    backend.mark_rolled_back(BIO_INDEX)
    backend.execute(backend.fix_data)
    assert sqlserver_deploy(backend, migrations) == ("applied", [BIO_INDEX, LATER])


SQLSERVER_SCENARIOS = {
    "single_failure": sqlserver_single_failure,
    "refailed_after_rollback": sqlserver_refailed_after_rollback,
    "two_open_failures_of_one_name": sqlserver_two_open_failures_of_one_name,
    "recovered_then_applied": sqlserver_recovered_then_applied,
}


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


@pytest.fixture(scope="module")
def prismas_answer(postgres_server, tmp_path_factory):
    """What Prisma's engine does on PostgreSQL for (scenario, state, migration): its outcome, the history it leaves
    and what its next deploy says."""
    folder = tmp_path_factory.mktemp("postgres-twins")
    cleanups = []

    @cache
    def answer(scenario: str, state: str, migration: str):
        twin = Twin(PostgresBackend.create(postgres_server, folder, cleanups))
        migrations = twin.backend.write_migrations(folder / "migrations", twin.backend.seed_scripts())
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
    for cleanup in cleanups:
        cleanup()


@pytest.mark.mssql
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize(("state", "migration"), ACTIONS)
def test_sqlserver_resolve_leaves_the_history_prisma_leaves(
    make_backend, tmp_path, prismas_answer, scenario, state, migration
):
    backend = make_backend("sqlserver", driver=DRIVER_OF_SCENARIO[scenario])
    migrations = backend.write_migrations(tmp_path / "migrations", backend.seed_scripts())
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
