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
