"""recover_p3009.yml under the hardening issue's faults: several failed migrations, absurd names, and what an
interrupted run leaves for the next one to report (a resolve without audit record, a firewall rule still open)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIO_INDEX,
    ROOT,
    SECRET_NAME,
    arm_emulator,
    audit_files,
    azure_vars,
    p3009_database,
    playbook_env,
    recovery_command,
    run_recovery,
    write_inventory,
)

LATER = "20201201000000_add_name"
AZURE_SERVICES = {"AllowAllWindowsAzureIps": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}}


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


@pytest.fixture
def two_failed(tmp_path):
    """A SQLite database Prisma's engine left in P3009, plus a second failed migration after it."""
    database = tmp_path / "dev.db"
    database.touch()
    url = f"file:{database}"
    migrations = p3009_database("sqlite", url, tmp_path)
    with sqlite3.connect(database) as connection:
        (started,) = connection.execute("SELECT max(started_at) FROM _prisma_migrations").fetchone()
        connection.execute(
            "INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, logs) VALUES (?, ?, ?, ?, ?)",
            ("second-failed", "0" * 64, started + 1000, LATER, "boom"),
        )
    return url, migrations, tmp_path / "audit"


def said(run) -> str:
    """What the run printed, with the callback's line folding undone."""
    return " ".join(run.output.split())


def records(folder) -> list[dict]:
    return [json.loads(path.read_text()) for path in audit_files(folder)]


def test_resolving_one_of_two_failed_migrations_succeeds_and_names_the_other(tmp_path, two_failed):
    url, _migrations, audit = two_failed
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {"p3009_recovery_database_url": url, "p3009_recovery_audit_dir": str(audit)},
    )
    first = run_recovery(inventory, "rehearsal", BIO_INDEX)
    assert first.returncode == 0, first.output
    assert f"Deploy is still blocked by: {LATER}; resolve them too" in said(first)
    again = run_recovery(inventory, "rehearsal", BIO_INDEX)
    assert again.returncode == 0, again.output
    assert f"{BIO_INDEX} is already rolled_back: nothing to do. Deploy is still blocked by: {LATER}" in said(again)
    assert "changed=0" in again.stdout
    resolved, unchanged = records(audit)
    assert resolved["outcome"] == "resolved" and resolved["still_blocking"] == [LATER]
    assert [row["state"] for row in resolved["after"]] == ["rolled_back"]
    assert unchanged["outcome"] == "unchanged" and unchanged["still_blocking"] == [LATER]


def test_an_absurdly_long_migration_name_is_refused_and_still_audited(tmp_path, two_failed):
    url, _migrations, audit = two_failed
    inventory = write_inventory(
        tmp_path, "rehearsal", {"p3009_recovery_database_url": url, "p3009_recovery_audit_dir": str(audit)}
    )
    name = "20201127134938_" + "x" * 4000
    result = run_recovery(inventory, "rehearsal", name)
    assert result.returncode != 0
    assert "migration is 4015 characters long" in said(result)
    (path,) = audit_files(audit)
    assert len(path.name) < 200
    (record,) = records(audit)
    assert record["outcome"] == "failed" and record["migration"] == name


def test_the_next_run_reports_a_resolve_that_left_no_audit_record(tmp_path, two_failed):
    url, _migrations, audit = two_failed
    inventory = write_inventory(
        tmp_path, "rehearsal", {"p3009_recovery_database_url": url, "p3009_recovery_audit_dir": str(audit)}
    )
    assert run_recovery(inventory, "rehearsal", BIO_INDEX).returncode == 0
    time.sleep(1)  # audit records are stamped to the second
    # What a run killed after its resolve committed leaves: the history changed, and no audit record.
    interrupted = run_module("prisma_migration_resolve", {"database_url": url, "migration": LATER})
    assert interrupted.rc == 0 and interrupted.result["changed"], interrupted.output
    rerun = run_recovery(inventory, "rehearsal", BIO_INDEX)
    assert rerun.returncode == 0, rerun.output
    assert f"WARNING: {LATER} was rolled_back at" in said(rerun)
    assert "an earlier run was probably interrupted after its resolve committed" in said(rerun)
    latest = records(audit)[-1]
    assert [(entry["migration_name"], entry["resolved_as"]) for entry in latest["unaudited_resolves"]] == [
        (LATER, "rolled_back")
    ]
    quiet = run_recovery(inventory, "rehearsal", BIO_INDEX)
    assert "WARNING:" not in quiet.stdout


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with arm_emulator(str(tmp_path_factory.mktemp("arm"))) as emulator:
        yield emulator


def test_a_killed_run_leaves_its_firewall_rule_and_the_next_run_reports_and_removes_it(tmp_path, emulator):
    server = emulator.add_server("rg-backoffice-test", "sql-backoffice-test")
    server.rules.update(AZURE_SERVICES)
    database = tmp_path / "dev.db"
    database.touch()
    p3009_database("sqlite", f"file:{database}", tmp_path)
    audit = tmp_path / "audit"
    group_vars = azure_vars(emulator, p3009_recovery_audit_dir=str(audit), p3009_recovery_ready_timeout=20)
    inventory = write_inventory(tmp_path, "test", group_vars)
    # The first run waits for a database that never answers; it is killed, process group and all, meanwhile.
    emulator.vault_secrets[SECRET_NAME] = "postgresql://app@127.0.0.1:9/none?connect_timeout=1"
    run = subprocess.Popen(
        recovery_command(inventory, "test", BIO_INDEX),
        cwd=ROOT,
        env=playbook_env(emulator),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not [name for name in server.rules if name.startswith("dbops-")] and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    (left,) = [name for name in server.rules if name.startswith("dbops-")]
    assert not audit_files(audit), "a killed run writes no audit record"

    emulator.vault_secrets[SECRET_NAME] = f"file:{database}"
    rerun = run_recovery(inventory, "test", BIO_INDEX, environment=playbook_env(emulator))
    assert rerun.returncode == 0, rerun.output
    assert f"WARNING: firewall rule {left}" in said(rerun) and "an earlier run was interrupted" in said(rerun)
    assert server.rules == AZURE_SERVICES
    (record,) = records(audit)
    assert record["firewall_leftovers"] == [left] and record["outcome"] == "resolved"
