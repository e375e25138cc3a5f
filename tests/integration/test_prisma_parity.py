"""Prisma's own schema engine as the referee, on PostgreSQL and SQLite.

Genuine failure states are made by Prisma's engine applying migrations whose data violates a new constraint. Each
state is cloned into twins: our module resolves one, Prisma's engine the other, and the two must end with the same
history (ids and timestamps aside), the same refusals with the same codes, and the same answer from Prisma's
diagnose and deploy afterwards. Our reading of the history must also match what Prisma prints for P3009.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import Backend, unavailable
from ansible_collections.backoffice.dbops.tests.support.parity import (
    ACTIONS,
    SCENARIOS,
    Twin,
    deploy,
    prisma_outcome,
    single_failure,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import RefereeError, referee_available
from ansible_collections.backoffice.dbops.tests.support.scenarios import (
    BIO_INDEX,
    FIX_DATA,
    INIT,
    LATER,
    write_migrations,
)


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
    migrations = write_migrations(folder / "migrations", provider)
    templates, cleanups = {}, []
    for name, build in SCENARIOS.items():
        backend = _fresh_backend(provider, folder, request, cleanups)
        build(Twin(backend), migrations)
        templates[name] = backend
    yield migrations, templates
    for cleanup in cleanups:
        cleanup()


def _fresh_backend(provider, folder: Path, request, cleanups, template: Backend | None = None) -> Backend:
    name = f"dbops_{uuid.uuid4().hex[:12]}"
    if provider == "sqlite":
        path = folder / f"{name}.db"
        if template is not None:
            shutil.copy(template.target.path, path)
        else:
            path.touch()
        return Backend("sqlite", f"file:{path}", str(folder))
    server = request.getfixturevalue("postgres_server")
    admin = Backend("postgresql", f"{server}/postgres", str(folder))
    source = f' TEMPLATE "{template.target.database}"' if template is not None else ""
    admin.execute(f'CREATE DATABASE "{name}"{source}')
    cleanups.append(lambda: admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return Backend("postgresql", f"{server}/{name}?schema=public", str(folder))


@pytest.fixture
def twins(provider, scenario_templates, tmp_path, request):
    migrations, templates = scenario_templates
    cleanups = []

    def clone(scenario: str) -> tuple[Twin, Twin]:
        template = templates[scenario]
        return (
            Twin(_fresh_backend(provider, tmp_path, request, cleanups, template)),
            Twin(_fresh_backend(provider, tmp_path, request, cleanups, template)),
        )

    yield migrations, clone
    for cleanup in cleanups:
        cleanup()


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
    ours.backend.execute(FIX_DATA)
    assert deploy(ours, migrations) == ("applied", [BIO_INDEX, LATER])
    assert ours.prisma.diagnose(migrations)["failedMigrationNames"] == []


def test_after_our_applied_deploy_proceeds_and_checksums_match(twins):
    migrations, clone = twins
    ours = clone("single_failure")[0]
    ours.backend.execute(FIX_DATA)
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
    local = write_migrations(tmp_path / variant, ours.backend.provider, **kwargs)
    diagnosis = ours.prisma.diagnose(local)
    info = run_module("prisma_migration_info", ours.module_args(migrations_dir=str(local)))
    assert info.result["edited"] == diagnosis["editedMigrationNames"]
    assert info.result["edited"] == ([INIT] if variant == "edited" else [])


def test_provider_switch_is_p3019_like_prisma(twins, tmp_path):
    clone = twins[1]
    ours, prismas = clone("single_failure")
    foreign = write_migrations(tmp_path / "foreign", ours.backend.provider)
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
    migrations = write_migrations(tmp_path / "migrations", "postgresql")
    ours, prismas = Twin(make_backend("postgresql")), Twin(make_backend("postgresql"))
    run = run_module(
        "prisma_migration_resolve", ours.module_args(migration=INIT, state="applied", migrations_dir=str(migrations))
    )
    assert run.rc == 0, run.output
    prismas.prisma.mark_applied(migrations, INIT)
    assert table_shape(ours.backend, "public") == table_shape(prismas.backend, "public")
    assert ours.history() == prismas.history()


def test_a_non_default_postgres_schema_is_where_prisma_keeps_the_history(make_backend, tmp_path):
    migrations = write_migrations(tmp_path / "migrations", "postgresql")
    ours = Twin(make_backend("postgresql", schema="tenant_a"))
    prismas = Twin(make_backend("postgresql", schema="tenant_a"))
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
    migrations = write_migrations(tmp_path / "migrations", "sqlite")
    ours, prismas = (Twin(make_backend("sqlite"), sqlite_timestamp_format="iso8601") for _twin in range(2))
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
