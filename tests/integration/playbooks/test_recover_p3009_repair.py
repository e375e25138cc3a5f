"""recover_p3009.yml with -e repair=revert|complete on a partial migration (SQLite and PostgreSQL, failed by Prisma's
engine): the dry run shows the scripts and writes nothing, the run repairs and resolves under the gate, the audit
record carries the script's SHA-256 and statement count (never its text), and Prisma's engine then deploys. Rows still
in the way stop a repair as they stop a resolve (the gate's unit tests)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.preflight import digest, failed_deploy
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import audit_files, run_recovery, write_inventory
from ansible_collections.backoffice.dbops.tests.support.scenarios import NICK_AND_BIO


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def partial(make_backend, tmp_path, provider, **group_vars):
    backend = make_backend(provider)
    migrations = backend.nick_and_bio(tmp_path)
    failed_deploy(backend, migrations)
    inventory = write_inventory(
        tmp_path,
        "repairs",
        {
            "p3009_recovery_database_url": backend.url,
            "p3009_recovery_project_dir": backend.project_dir,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(tmp_path / "audit"),
            **group_vars,
        },
    )
    return backend, migrations, inventory


def last_audit(tmp_path) -> dict:
    return json.loads(audit_files(tmp_path / "audit")[-1].read_text())


def test_revert_through_the_playbook_then_prisma_redeploys(make_backend, tmp_path):
    # SQLite runs the same through `make demo` (demo-repair); the other tests here run on SQLite.
    backend, migrations, inventory = partial(make_backend, tmp_path, "postgresql")
    before = digest(backend)

    plain = run_recovery(inventory, "repairs", NICK_AND_BIO, verbose=False)
    # Rolled back over a statement in effect: the gate stops it and names the repairs.
    assert (
        plain.returncode != 0 and "Refuse to mark rolled back a migration whose statements took effect" in plain.output
    )
    assert "-e repair=revert" in plain.output, plain.output
    assert digest(backend) == before
    backend.execute(backend.fix_data)
    before = digest(backend)
    dry = run_recovery(inventory, "repairs", NICK_AND_BIO, "--check", "--diff", verbose=False, repair="revert")
    assert dry.returncode == 0, dry.output
    assert "DROP COLUMN" in dry.output and "Dry run: would run the revert script (1 statement(s)" in dry.output
    assert digest(backend) == before

    done = run_recovery(inventory, "repairs", NICK_AND_BIO, verbose=False, repair="revert")
    assert done.returncode == 0, done.output
    record = last_audit(tmp_path)
    assert record["outcome"] == "resolved" and record["action"] == "rolled_back"
    repair = record["repair"]
    assert repair["kind"] == "revert" and repair["outcome"] == "done" and repair["ran"] == [1]
    assert repair["statement_count"] == 1 and len(repair["sha256"]) == 64
    assert "DROP" not in json.dumps(record)
    assert NICK_AND_BIO in backend.deploy(migrations)


def test_a_protected_environment_completes_only_once_confirmed_and_as_reviewed(make_backend, tmp_path):
    backend, migrations, inventory = partial(make_backend, tmp_path, "sqlite", p3009_recovery_protected=True)
    backend.execute(backend.fix_data)
    before = digest(backend)
    unconfirmed = run_recovery(inventory, "repairs", NICK_AND_BIO, verbose=False, repair="complete")
    assert unconfirmed.returncode != 0 and "is protected" in unconfirmed.output, unconfirmed.output
    assert 'CREATE UNIQUE INDEX "User_bio_key"' in unconfirmed.output  # the script was shown for review
    assert digest(backend) == before

    confirmed = {"repair": "complete", "confirm": NICK_AND_BIO}
    stale = run_recovery(inventory, "repairs", NICK_AND_BIO, verbose=False, repair_sha256="0" * 64, **confirmed)
    assert stale.returncode != 0 and "is not the one shown" in stale.output, stale.output
    assert last_audit(tmp_path)["repair"]["error_kind"] == "repair_changed"
    assert digest(backend) == before

    done = run_recovery(inventory, "repairs", NICK_AND_BIO, verbose=False, **confirmed)
    assert done.returncode == 0, done.output
    record = last_audit(tmp_path)
    assert record["action"] == "applied" and record["repair"]["ran"] == [2] and record["repair"]["outcome"] == "done"
    assert backend.deploy(migrations) == []
