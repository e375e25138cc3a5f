"""prisma_migration_repair against real PostgreSQL, MariaDB and SQLite, its failed migrations made by Prisma's own
engine (the referee: PostgreSQL through its driver adapter, statement by statement, and SQLite) or as its native engine
makes them on MySQL; the referee then deploys after the repair.

The truth is the database itself: after a revert and a redeploy, and after a completion, the schema (schema-only
dumps) equals that of a database where the migration was deployed cleanly; a refusal and a dry run leave the whole
dump as it was.
"""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.preflight import digest, failed_deploy, preflight
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, INIT, NICK_AND_BIO

PROVIDERS = ["postgresql", "sqlite", "mysql"]


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def repair(backend, migrations, kind, *, check=False, diff=False, **options):
    args = backend.module_args(migrations_dir=str(migrations), migration=NICK_AND_BIO, repair=kind, **options)
    # The tree callback keeps a diff only from -vvv on.
    return run_module("prisma_migration_repair", args, check=check, diff=diff, verbosity=3 if diff else 0)


def clean_schema(make_backend, provider, tmp_path) -> str:
    """The schema of a database where the migration deployed cleanly (its bios distinct)."""
    clean = make_backend(provider)
    assert clean.deploy(clean.nick_and_bio(tmp_path / "clean-init", init_only=True)) == [INIT]
    clean.execute(clean.fix_data)
    assert clean.deploy(clean.nick_and_bio(tmp_path / "clean")) == [NICK_AND_BIO]
    return clean.schema_dump()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_revert_then_redeploy_equals_a_clean_deploy(make_backend, tmp_path, provider):
    backend = make_backend(provider)
    migrations = backend.nick_and_bio(tmp_path)
    failed_deploy(backend, migrations)
    shown = preflight(backend, migrations, NICK_AND_BIO).result
    assert shown["verdict"] == "partial" and shown["advice"] == "revert_then_retry"
    revert = shown["repair"]["revert"]
    assert revert["lossless"] and revert["statements"] == [1]

    before = digest(backend)
    dry = repair(backend, migrations, "revert", check=True, diff=True)
    assert dry.rc == 0, dry.output
    assert dry.result["script"] == revert["script"] and dry.result["sha256"] == revert["sha256"]
    assert "statement 1 (add_column): in effect" in dry.result["diff"]["before"]
    assert digest(backend) == before

    done = repair(backend, migrations, "revert", expected_sha256=revert["sha256"])
    assert done.rc == 0, done.output
    assert done.result["ran"] == [1] and done.result["migration_state"] == "rolled_back"
    after = preflight(backend, migrations, NICK_AND_BIO, rehearse=False).result
    assert after["verdict"] == "none" and after["migration_state"] == "pending"

    backend.execute(backend.fix_data)
    assert NICK_AND_BIO in backend.deploy(migrations)
    assert backend.schema_dump() == clean_schema(make_backend, provider, tmp_path)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_complete_then_prisma_sees_it_applied_with_its_checksum(make_backend, tmp_path, provider):
    backend = make_backend(provider)
    migrations = backend.nick_and_bio(tmp_path)
    failed_deploy(backend, migrations)
    complete = preflight(backend, migrations, NICK_AND_BIO).result["repair"]["complete"]
    assert complete["statements"] == [2]

    before = digest(backend)
    dry = repair(backend, migrations, "complete", check=True)
    assert dry.rc == 0 and dry.result["script"] == complete["script"], dry.output
    assert digest(backend) == before
    refused = repair(backend, migrations, "complete", expected_sha256=complete["sha256"])
    # The rows are still in the way: the completion fails on them and (where DDL is transactional) nothing stays.
    assert refused.rc != 0 and refused.result["error_kind"] == "unique_violation", refused.output
    assert "same" not in refused.output

    backend.execute(backend.fix_data)
    done = repair(backend, migrations, "complete", expected_sha256=complete["sha256"])
    assert done.rc == 0, done.output
    assert done.result["ran"] == [2] and done.result["migration_state"] == "applied"
    # Prisma's engine: nothing failed, nothing to apply, checksums match (a mismatch would be reported as modified).
    assert backend.deploy(migrations) == []
    assert backend.schema_dump() == clean_schema(make_backend, provider, tmp_path)


@pytest.mark.parametrize("provider", ["postgresql", "mysql"])
def test_a_script_changed_underneath_stops_before_writing(make_backend, tmp_path, provider):
    backend = make_backend(provider)
    migrations = backend.nick_and_bio(tmp_path)
    failed_deploy(backend, migrations)
    shown = preflight(backend, migrations, NICK_AND_BIO).result["repair"]["revert"]
    # Another session undoes the column between the dry run and the run.
    backend.execute(f"ALTER TABLE {backend.qualified('User')} DROP COLUMN {backend.quote('nick')}")
    before = digest(backend)
    stopped = repair(backend, migrations, "revert", expected_sha256=shown["sha256"])
    assert stopped.rc != 0 and stopped.result["error_kind"] == "repair_changed", stopped.output
    assert "verdict none" in stopped.result["msg"]
    assert digest(backend) == before


def test_a_revert_that_would_drop_data_is_refused_and_writes_nothing(make_backend, tmp_path):
    backend = make_backend("mysql")
    scripts = backend.seed_scripts()
    migrations = backend.write_migrations(
        tmp_path / "migrations",
        {INIT: scripts[INIT], NICK_AND_BIO: "ALTER TABLE `User` DROP COLUMN `email`;\n" + scripts[BIO_INDEX]},
    )
    failed_deploy(backend, migrations)
    shown = preflight(backend, migrations, NICK_AND_BIO).result
    assert shown["advice"] == "complete_then_applied"
    assert shown["repair"]["revert"]["refused"][0]["index"] == 1
    before = digest(backend)
    refused = repair(backend, migrations, "revert")
    assert refused.rc != 0 and refused.result["error_kind"] == "revert_not_lossless", refused.output
    assert "statement 1" in refused.result["msg"]
    assert digest(backend) == before


@pytest.mark.parametrize("provider", ["postgresql", "mysql"])
def test_the_deadline_stops_a_running_statement_and_a_rerun_continues(make_backend, tmp_path, provider):
    """A completion whose last statement outlasts repair_timeout: the watchdog ends it from another session
    (PostgreSQL's cancel, MariaDB's KILL QUERY). PostgreSQL rolls the whole repair back; MariaDB keeps the statements
    that committed before it, names them, and a rerun derives the rest from the verdict."""
    backend = make_backend(provider)
    migrations = backend.nick_and_bio(tmp_path, then=[backend.sleep_sql.format(seconds=4)])
    failed_deploy(backend, migrations)
    backend.execute(backend.fix_data)
    before = digest(backend)

    stopped = repair(backend, migrations, "complete", repair_timeout=1)
    assert stopped.rc != 0 and stopped.result["error_kind"] == "repair_timeout", stopped.output
    history = preflight(backend, migrations, NICK_AND_BIO, rehearse=False).result
    assert history["migration_state"] == "failed"
    if backend.rehearses:
        # One transaction: nothing of it stayed.
        assert stopped.result["ran"] == [] and digest(backend) == before
        return
    # The unique index committed before the sleep was stopped; the sleep is not among what ran.
    assert stopped.result["ran"] == [2], stopped.output
    assert [s["effect_present"] for s in history["statements"]][:2] == [True, True]
    rerun = repair(backend, migrations, "complete")
    assert rerun.rc == 0 and rerun.result["ran"] == [3], rerun.output


def test_sql_server_repairs_a_state_a_person_left(make_backend, tmp_path):
    """Prisma's wrapper rolls a failed migration back on SQL Server, so a partial state is one a person made (here:
    the column added by hand after the failure). On Babelfish: the revert drops it, and Prisma's way of deploying
    there then applies the migration; the completion adds the constraint, and the deploy finds nothing to do."""
    for repair_kind in ("revert", "complete"):
        backend = make_backend("sqlserver")
        migrations = backend.nick_and_bio(tmp_path / repair_kind)
        failed_deploy(backend, migrations)
        backend.execute(f"ALTER TABLE {backend.qualified('User')} ADD [nick] NVARCHAR(1000)")
        shown = preflight(backend, migrations, NICK_AND_BIO, rehearse=False).result
        assert shown["verdict"] == "partial", shown["statements"]
        script = shown["repair"][repair_kind]
        if repair_kind == "complete":
            backend.execute(backend.fix_data)
        # No dump tool here: the history's rows and the catalog's verdict stand for the database.
        before = backend.digest()
        dry = repair(backend, migrations, repair_kind, check=True)
        assert dry.rc == 0 and dry.result["script"] == script["script"], dry.output
        assert backend.digest() == before
        again = preflight(backend, migrations, NICK_AND_BIO, rehearse=False).result
        assert again["repair"][repair_kind]["sha256"] == script["sha256"]
        done = repair(backend, migrations, repair_kind, expected_sha256=script["sha256"])
        assert done.rc == 0, done.output
        if repair_kind == "revert":
            assert done.result["ran"] == [1]
            backend.execute(backend.fix_data)
            assert NICK_AND_BIO in backend.deploy(migrations)
        else:
            assert done.result["ran"] == [2]
            assert backend.deploy(migrations) == []
