"""The rehearsal behind the protected environment's gate, through the real recover_p3009.yml against PostgreSQL in the
P3009 state Prisma's engine leaves: --check never rehearses and writes nothing; without the confirmation nothing is
rehearsed; with it the rehearsal runs, after the confirmation and before the resolve. Unprotected environments keep
rehearsing in --check.

Whether a rehearsal ran is read from the database, not from the run's output: an event trigger moves a sequence on
every DDL command (nextval is never rolled back), and a trigger on `_prisma_migrations` logs the sequence's value when
the resolve writes, which orders the two.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.preflight import (
    add_probes,
    digest_without_probes,
    probes,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    BIO_INDEX,
    PLAYBOOK,
    ROOT,
    playbook_env,
    write_environments,
)

GATE = "is protected: the rehearsal runs only after the confirmation"


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


@pytest.fixture
def database(make_backend, tmp_path):
    """The seed scenario with its data fixed (the rehearsal would succeed), probes in place."""
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)
    add_probes(backend)
    # The resolve's write, stamped with the probe's value at that moment.
    backend.execute("CREATE TABLE probe_log (at BIGINT, what TEXT)")
    backend.execute(
        "CREATE FUNCTION probe_resolve() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO probe_log VALUES ((SELECT last_value FROM probe_ddl), 'resolve'); RETURN NEW; END $$"
    )
    backend.execute(
        "CREATE TRIGGER probe_resolve AFTER UPDATE ON _prisma_migrations FOR EACH ROW EXECUTE FUNCTION probe_resolve()"
    )
    return backend, migrations


def inventory(tmp_path, backend, migrations, *, protected=True):
    return write_environments(
        tmp_path,
        {
            "vault": {
                "p3009_recovery_database_url": backend.url,
                "p3009_recovery_migrations_dir": str(migrations),
                "p3009_recovery_audit_dir": str(tmp_path / "audit"),
                "p3009_recovery_protected": protected,
            }
        },
    )


def run(inventory_dir, *flags, **extra) -> subprocess.CompletedProcess:
    command = [f"{BIN}/ansible-playbook", PLAYBOOK, "-i", str(inventory_dir), *flags]
    command += ["-e", json.dumps({"env": "vault", "migration": BIO_INDEX, **extra})]
    completed = subprocess.run(
        command, cwd=ROOT, env=playbook_env(), capture_output=True, text=True, timeout=300, check=False
    )
    completed.output = " ".join((completed.stdout + completed.stderr).split())
    return completed


def audit_records(tmp_path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((tmp_path / "audit").glob("*.json"))]


def test_check_on_a_protected_environment_never_rehearses_and_writes_nothing(database, tmp_path):
    backend, migrations = database
    hosts = inventory(tmp_path, backend, migrations)
    before, start = digest_without_probes(backend), probes(backend)

    for extra in ({}, {"confirm": BIO_INDEX}):
        dry = run(hosts, "--check", "--diff", **extra)
        # The plan is shown instead: the lock, on which table, what waits, the catalog's estimate.
        assert "Impact of statement 1 (CREATE INDEX): SHARE on User; writes wait; reads every row; User ~2 rows" in (
            dry.output
        ), dry.output
        assert f"Rehearsal: not run: vault {GATE}" in dry.output
        assert probes(backend) == start
        assert digest_without_probes(backend) == before
    # With the confirmation the dry run goes to its end; without it, it stops at the confirmation.
    assert dry.returncode == 0 and "Dry run: would mark 1 row(s)" in dry.output
    assert not (tmp_path / "audit").exists()


def test_without_the_confirmation_nothing_is_rehearsed(database, tmp_path):
    backend, migrations = database
    hosts = inventory(tmp_path, backend, migrations)
    before, start = digest_without_probes(backend), probes(backend)

    refused = run(hosts)
    assert refused.returncode != 0 and "vault is protected. Re-run with -e confirm=" in refused.output
    assert probes(backend) == start
    assert digest_without_probes(backend) == before
    (record,) = audit_records(tmp_path)
    assert record["outcome"] == "failed"
    assert record["preflight"]["rehearsal"]["ran"] is False
    assert GATE in record["preflight"]["rehearsal"]["skipped_reason"]


def test_with_the_confirmation_it_rehearses_then_resolves(database, tmp_path):
    backend, migrations = database
    hosts = inventory(tmp_path, backend, migrations)
    ddl, _rows = probes(backend)

    confirmed = run(hosts, confirm=BIO_INDEX)
    assert confirmed.returncode == 0, confirmed.output
    assert "Rehearsal: succeeded (rolled back)" in confirmed.output
    # One DDL command ran (the rehearsed CREATE UNIQUE INDEX, rolled back), and the resolve wrote after it.
    assert probes(backend)[0] == ddl + 1
    assert backend.execute("SELECT at, what FROM probe_log") == [(ddl + 1, "resolve")]
    assert backend.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'User_bio_key'") == [(0,)]
    (record,) = audit_records(tmp_path)
    assert record["outcome"] == "resolved" and record["preflight"]["rehearsal"]["succeeded"] is True


def test_a_rehearsal_that_reaches_its_deadline_stops_the_resolve(database, tmp_path):
    backend, migrations = database
    (migrations / BIO_INDEX / "migration.sql").write_text(
        'SET lock_timeout = 0;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\nSELECT pg_sleep(600);\n'
    )
    hosts = inventory(tmp_path, backend, migrations, protected=False)
    before = digest_without_probes(backend)
    stopped = run(hosts, p3009_recovery_preflight_rehearsal_timeout=1)
    assert stopped.returncode != 0
    assert "Rehearsal: stopped at its deadline and rolled back (rehearsal_timeout (1 s) reached)" in stopped.output
    assert "whether it will succeed is not known. Nothing was written." in stopped.output
    assert "Not sent to the rehearsal: SET lock_timeout = 0 (they set its own timeouts)" in stopped.output
    assert backend.execute("SELECT count(*) FROM probe_log") == [(0,)]
    assert digest_without_probes(backend) == before


def test_an_unprotected_environment_still_rehearses_in_check_mode(database, tmp_path):
    backend, migrations = database
    hosts = inventory(tmp_path, backend, migrations, protected=False)
    before, (ddl, _rows) = digest_without_probes(backend), probes(backend)
    dry = run(hosts, "--check")
    assert dry.returncode == 0, dry.output
    assert "Rehearsal: succeeded (rolled back)" in dry.output
    assert probes(backend)[0] == ddl + 1
    assert digest_without_probes(backend) == before
