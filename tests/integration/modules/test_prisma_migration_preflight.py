"""prisma_migration_preflight (through the real `ansible` command where the module's wiring matters, its executor
in process elsewhere), against real PostgreSQL, MariaDB and SQLite, with
failures made by Prisma's own engine (the referee, PostgreSQL and SQLite) or as its native engine makes them on MySQL.

Every preflight must leave the whole database as it found it: its dump (pg_dump, mariadb-dump, SQLite's .dump,
`_prisma_migrations` included) is the same before and after, rehearsals that fail half-way or are cancelled included.
The referee's PostgreSQL adapter runs a script statement by statement without a transaction, so a referee-made
PostgreSQL failure can be partial where Prisma's native engine (one implicit transaction) would leave nothing: the
multi-statement PostgreSQL cases below are made pending, not failed, for that reason.
"""

from __future__ import annotations

import json
import threading

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.preflight import digest, failed_deploy, preflight
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, INIT


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def ok(run) -> dict:
    assert run.rc == 0, run.output
    assert run.result["changed"] is False
    return run.result


@pytest.mark.parametrize("provider", ["postgresql", "sqlite", "mysql"])
def test_seed_scenario_fails_on_duplicates_until_they_are_fixed(make_backend, tmp_path, provider):
    backend = make_backend(provider)
    migrations = backend.p3009(tmp_path / "release")
    before = digest(backend)

    result = ok(preflight(backend, migrations, BIO_INDEX, via_ansible=True, check=True))
    assert result["migration_state"] == "failed"
    assert result["cause"]["kind"] == "unique_violation"
    assert result["cause"]["statement_index"] == 1
    assert "User_bio_key" in result["cause"]["statement"]
    offending = result["offending"]
    assert (offending["count"], offending["groups"]) == (2, 1)
    assert offending["samples"] == [{"values": {"bio": "same"}, "rows": 2}]
    assert "GROUP BY" in offending["query"] and "HAVING count(*) > 1" in offending["query"]
    assert result["verdict"] == "none"
    assert [(s["index"], s["kind"], s["effect_present"]) for s in result["statements"]] == [(1, "create_index", False)]
    rehearsal = result["rehearsal"]
    if not backend.rehearses:
        assert rehearsal["ran"] is False and "implicitly" in rehearsal["skipped_reason"]
    else:
        assert rehearsal["ran"] is True and rehearsal["succeeded"] is False
        assert rehearsal["failed_statement_index"] == 1 and rehearsal["error_kind"] == "unique_violation"
    assert result["advice"] == "fix_data_then_retry"
    assert "2 rows of User share bio 'same'" in result["advice_text"]
    assert digest(backend) == before

    counts_only = ok(preflight(backend, migrations, BIO_INDEX, sample_size=0, rehearse=False))
    assert counts_only["offending"]["count"] == 2 and counts_only["offending"]["samples"] == []
    # No value anywhere, the database's message as Prisma recorded it included (MySQL: Duplicate entry '...').
    assert "same" not in json.dumps(counts_only)

    backend.execute(backend.fix_data)
    fixed_digest = digest(backend)
    fixed = ok(preflight(backend, migrations, BIO_INDEX))
    assert fixed["offending"]["count"] == 0 and fixed["verdict"] == "none"
    assert fixed["rehearsal"]["succeeded"] is (True if backend.rehearses else None)
    assert fixed["advice"] == "retry"
    assert digest(backend) == fixed_digest

    # Prisma's deploy agrees: after the resolve it deploys the migration.
    assert run_module("prisma_migration_resolve", backend.module_args(migration=BIO_INDEX)).rc == 0
    assert backend.deploy(migrations)[0] == BIO_INDEX


def test_partial_on_mariadb_names_what_took_effect_until_compensated(make_backend, tmp_path):
    backend = make_backend("mysql")
    name = "20201201000000_nick_and_bio"
    scripts = backend.seed_scripts()
    migrations = backend.write_migrations(
        tmp_path / "migrations",
        {
            INIT: scripts[INIT],
            name: "-- AlterTable\nALTER TABLE `User` ADD COLUMN `nick` VARCHAR(191) NULL;\n\n" + scripts[BIO_INDEX],
        },
    )
    assert failed_deploy(backend, migrations).statement_index == 2
    before = digest(backend)

    result = ok(preflight(backend, migrations, name))
    assert result["cause"]["statement_index"] == 2 and result["cause"]["database_code"] == "1062"
    assert result["verdict"] == "partial"
    assert [s["effect_present"] for s in result["statements"]] == [True, False]
    # ADD COLUMN undoes losslessly: revert, then the redeploy runs the whole migration again.
    assert result["advice"] == "revert_then_retry"
    assert "Statement 1 " in result["advice_text"]
    assert result["repair"]["revert"]["script"] == "ALTER TABLE `User` DROP COLUMN `nick`;\n"
    assert result["repair"]["complete"]["statements"] == [2]
    assert result["rehearsal"]["ran"] is False
    assert digest(backend) == before

    backend.execute("ALTER TABLE `User` DROP COLUMN `nick`")
    compensated = ok(preflight(backend, migrations, name))
    assert compensated["verdict"] == "none"
    assert [s["effect_present"] for s in compensated["statements"]] == [False, False]


def test_complete_by_hand_is_marked_applied_and_prisma_agrees(make_backend, tmp_path):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)
    backend.execute('CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")')

    result = ok(preflight(backend, migrations, BIO_INDEX))
    assert result["verdict"] == "complete"
    assert result["advice"] == "mark_applied"
    assert result["rehearsal"]["ran"] is False and "complete" in result["rehearsal"]["skipped_reason"]

    resolved = run_module(
        "prisma_migration_resolve",
        {"database_url": backend.url, "migration": BIO_INDEX, "state": "applied", "migrations_dir": str(migrations)},
    )
    assert resolved.rc == 0, resolved.output
    diagnosis = backend.referee().diagnose(migrations)
    assert diagnosis["failedMigrationNames"] == [] and diagnosis["editedMigrationNames"] == []
    assert BIO_INDEX not in backend.deploy(migrations)


PG_INIT = (
    'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL, "bio" TEXT);\n'
    'CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "authorId" INTEGER);\n'
    "INSERT INTO \"User\" (\"email\", \"bio\") VALUES ('a@x', 'one'), ('b@x', NULL), ('c@x', NULL), ('d@x', NULL);\n"
    'INSERT INTO "Post" ("authorId") VALUES (1), (7), (7), (9), (NULL);\n'
)


@pytest.mark.parametrize(
    ("script", "kind", "count", "groups", "first"),
    [
        ('ALTER TABLE "User" ALTER COLUMN "bio" SET NOT NULL;\n', "not_null_violation", 3, None, {"id": 2}),
        ('ALTER TABLE "User" ADD COLUMN "nick" TEXT NOT NULL;\n', "not_null_violation", 4, None, {"id": 1}),
        (
            'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") '
            "ON DELETE RESTRICT ON UPDATE CASCADE;\n",
            "foreign_key_violation",
            3,
            2,
            {"authorId": 7},
        ),
    ],
    ids=["set_not_null", "new_required_column", "foreign_key"],
)
def test_data_causes_on_postgresql_with_exact_counts(make_backend, tmp_path, script, kind, count, groups, first):
    backend = make_backend("postgresql")
    name = "20201201000000_constrain"
    migrations = backend.write_migrations(tmp_path / "migrations", {INIT: PG_INIT, name: script})
    failed_deploy(backend, migrations)
    before = digest(backend)

    result = ok(preflight(backend, migrations, name))
    assert result["cause"]["kind"] == kind and result["cause"]["statement_index"] == 1
    assert result["offending"]["count"] == count and result["offending"]["groups"] == groups
    assert result["offending"]["samples"][0]["values"] == first
    assert result["rehearsal"]["failed_statement_index"] == 1 and result["rehearsal"]["error_kind"] == kind
    assert result["advice"] == "fix_data_then_retry"
    assert digest(backend) == before


def test_rehearsal_that_fails_half_way_leaves_nothing(make_backend, tmp_path):
    backend = make_backend("postgresql")
    scripts = backend.seed_scripts()
    migrations = backend.write_migrations(
        tmp_path / "migrations",
        {
            INIT: scripts[INIT],
            # Pending, not failed: the referee would apply statement 1 for good (its adapter has no transaction).
            BIO_INDEX: 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n' + scripts[BIO_INDEX],
        },
    )
    backend.deploy(_only(migrations, INIT, tmp_path))
    before = digest(backend)
    result = ok(preflight(backend, migrations, BIO_INDEX))
    assert result["migration_state"] == "pending"
    assert result["rehearsal"]["failed_statement_index"] == 2
    # Counted as statement 1 left the table, inside the rehearsal, before the rollback.
    assert result["cause"]["kind"] == "unique_violation" and result["offending"]["count"] == 2
    assert digest(backend) == before


@pytest.mark.parametrize("provider", ["postgresql", "sqlite"])
def test_rehearsal_cancelled_by_statement_timeout_leaves_nothing(make_backend, tmp_path, provider):
    backend = make_backend(provider)
    slow = {
        "postgresql": 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\nSELECT pg_sleep(5);\n',
        "sqlite": 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n'
        'INSERT INTO "User" ("email") WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) '
        "SELECT 'e' || x FROM n;\n",
    }[provider]
    migrations = backend.write_migrations(
        tmp_path / "migrations", {INIT: backend.seed_scripts()[INIT], BIO_INDEX: slow}
    )
    backend.deploy(_only(migrations, INIT, tmp_path))
    before = digest(backend)
    # SQLite's slow statement writes rows: only rehearsed when forced.
    result = ok(preflight(backend, migrations, BIO_INDEX, statement_timeout=1, rehearse="force"))
    rehearsal = result["rehearsal"]
    assert rehearsal["ran"] is True and rehearsal["succeeded"] is False
    # Cancelled by the rehearsal's own limit: a statement timeout, not a lock that was not granted.
    assert rehearsal["failed_statement_index"] == 2 and rehearsal["error_kind"] == "statement_timeout"
    assert rehearsal["seconds"] < 4
    assert digest(backend) == before


def test_rehearsal_gives_up_on_a_locked_table_and_leaves_nothing(make_backend, tmp_path):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)
    before = digest(backend)
    holder = backend.connect()
    holder.autocommit = False
    holder.cursor().execute('UPDATE "User" SET "email" = "email" WHERE "id" = 1')
    outcome = {}
    try:
        worker = threading.Thread(target=lambda: outcome.update(run=preflight(backend, migrations, BIO_INDEX)))
        worker.start()
        worker.join(timeout=60)
    finally:
        holder.rollback()
        holder.close()
    result = ok(outcome["run"])
    rehearsal = result["rehearsal"]
    assert rehearsal["succeeded"] is False and rehearsal["error_kind"] == "lock_timeout"
    assert rehearsal["seconds"] < 10
    assert result["advice"] == "investigate"
    assert digest(backend) == before


def _only(migrations, name, tmp_path):
    """A copy of the folder with just one migration: the release before."""
    import shutil

    folder = tmp_path / f"only-{name}"
    shutil.copytree(migrations / name, folder / name)
    shutil.copy(migrations / "migration_lock.toml", folder)
    return folder
