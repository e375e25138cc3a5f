"""The planted-values sweep: on PostgreSQL, MariaDB, SQLite and SQL Server (Babelfish), rows hold values in unique keys,
failing rows, enum, date and JSON inputs (one with `)`, `'` and ` is `), and a failed migration was attempted until
Prisma's logs quote them (tests/support/planted.py). Then the preflight with sample_size 0, prisma_migration_info,
the recovery playbook at -vvv (stdout and its log_path file), its audit record, and the status report: none of the
planted values appears in any of them. The values are checked to be really in the database's logs first, and
shown by prisma_migration_info's show_values, so the sweep could see them if they leaked.

The database messages the redaction is tested on (tests/unit/.../common/database_messages.json) are what the real
engines say: each failure is made again from the planted rows, and must give the fixture's text, and lose every
planted value it quotes."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import without_values
from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.planted import (
    FAILING,
    PLANTED,
    PLANTED_MIGRATION,
    planted_p3009,
    produce,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    ROOT,
    audit_files,
    playbook_env,
    recovery_command,
    write_inventory,
)

ENGINES = [
    pytest.param("postgresql", marks=pytest.mark.postgresql),
    pytest.param("mysql", marks=pytest.mark.mysql),
    pytest.param("sqlite"),
    pytest.param("sqlserver", marks=pytest.mark.mssql),
]


# What each engine's logs quote of the planted values (SQLite names columns, never values; Babelfish answers in
# PostgreSQL's words without its DETAIL).
QUOTED = {
    "postgresql": set(PLANTED),
    "mysql": {"key", "row", "timestamp", "date", "integer"},
    "sqlite": set(),
    "sqlserver": {"integer", "date", "timestamp"},
}


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def leaked(text: str) -> list[str]:
    """The planted values in `text` (any case: a value may be shown upper- or lower-cased)."""
    folded = text.casefold()
    return [name for name, value in PLANTED.items() if value.casefold() in folded]


def logs_in_database(backend) -> str:
    return "\n".join(logs or "" for (logs,) in backend.execute(f"SELECT logs FROM {backend.table}"))


@pytest.mark.parametrize("provider", ENGINES)
def test_no_planted_value_anywhere(provider, make_backend, tmp_path):
    backend = make_backend(provider)
    migrations = planted_p3009(backend, tmp_path)
    # Ground truth: the database's own logs quote the values this engine quotes.
    assert set(leaked(logs_in_database(backend))) == QUOTED[provider]
    database = {"database_url": backend.url, "project_dir": backend.project_dir, **backend.module_options}
    found = {}

    preflight = run_module(
        "prisma_migration_preflight",
        {**database, "migrations_dir": str(migrations), "migration": PLANTED_MIGRATION, "sample_size": 0},
        verbosity=3,
    )
    assert preflight.rc == 0, preflight.output
    assert preflight.result["cause"]["statement_index"] == 1
    found["preflight result"] = json.dumps(preflight.result)
    found["preflight -vvv"] = preflight.output

    info = run_module("prisma_migration_info", {**database, "migrations_dir": str(migrations)}, verbosity=3)
    assert info.rc == 0 and info.result["failed_migration_names"] == [PLANTED_MIGRATION], info.output
    found["info result"] = json.dumps(info.result)
    found["info -vvv"] = info.output
    shown = run_module("prisma_migration_info", {**database, "show_values": True})
    assert set(leaked(json.dumps(shown.result))) == QUOTED[provider], "show_values shows the logs as recorded"

    found.update(recovery(backend, migrations, tmp_path))
    found.update(status_report(backend, migrations, tmp_path))
    assert {where: leaked(text) for where, text in found.items() if leaked(text)} == {}


def recovery(backend, migrations, tmp_path) -> dict:
    """recover_p3009.yml at -vvv, counts only: it stops before resolving (the data is not fixed) and audits."""
    audit = tmp_path / "audit"
    inventory = write_inventory(
        tmp_path / "recovery",
        "planted",
        {
            "p3009_recovery_database_url": backend.url,
            "p3009_recovery_project_dir": backend.project_dir,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(audit),
            "p3009_recovery_preflight_sample_size": 0,
        },
    )
    log = tmp_path / "ansible.log"
    run = subprocess.run(
        recovery_command(inventory, "planted", PLANTED_MIGRATION),
        cwd=ROOT,
        env={**playbook_env(), "ANSIBLE_LOG_PATH": str(log)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0 and "Stop before resolving while the data is not fixed" in output, output
    assert f"{PLANTED_MIGRATION} failed" in output
    (record,) = [json.loads(path.read_text()) for path in audit_files(audit)]
    assert record["outcome"] == "failed" and record["preflight"]["cause_kind"] == "unique_violation"
    assert {row["migration_name"] for row in record["before"]} == {PLANTED_MIGRATION}
    return {"recovery -vvv": output, "recovery log_path": log.read_text(), "audit record": json.dumps(record)}


def status_report(backend, migrations, tmp_path) -> dict:
    """p3009_status.yml at -vvv: the JSON report and JUnit XML it writes, and its output."""
    reports = tmp_path / "reports"
    inventory = write_inventory(
        tmp_path / "status",
        "planted",
        {
            "p3009_recovery_database_url": backend.url,
            "p3009_recovery_project_dir": backend.project_dir,
            "p3009_recovery_migrations_dir": str(migrations),
        },
    )
    run = subprocess.run(
        [f"{BIN}/ansible-playbook", "playbooks/p3009_status.yml", "-i", str(inventory), "-vvv", "-e", "env=planted"],
        cwd=ROOT,
        env={**playbook_env(), "DBOPS_STATUS_DIR": str(reports)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    report = json.loads((reports / "p3009-status.json").read_text())
    assert [database["outcome"] for database in report["databases"]] == ["blocked"], output
    files = {f"status report {name}": (reports / name).read_text() for name in sorted(os.listdir(reports))}
    return {"status -vvv": output, **files}


FIXTURE = Path(__file__).resolve().parents[2] / "unit/plugins/module_utils/common/database_messages.json"


DRIVER_TEXTS = {
    (message["provider"], message["case"]): message
    for message in json.loads(FIXTURE.read_text())["messages"]
    if message["source"] == "driver"
}


MARKS = {"postgresql": pytest.mark.postgresql, "mysql": pytest.mark.mysql, "sqlserver": pytest.mark.mssql}


CASES = [
    pytest.param(provider, case, marks=MARKS.get(provider, ()), id=f"{provider}-{case}")
    for provider, cases in FAILING.items()
    for case in cases
]


# What varies from one database to the next: its name, and the temporary table MariaDB's ALTER works on.
VARYING = re.compile(r"#sql-alter-[0-9a-f-]+")


def normalised(text: str, backend) -> str:
    if backend.target.database:
        text = text.replace(backend.quote(backend.target.database), backend.quote("planted"))
    return VARYING.sub("#sql-alter", text)


@pytest.mark.parametrize(("provider", "case"), CASES)
def test_the_fixture_is_what_the_engine_says_and_loses_its_values(make_backend, provider, case):
    backend = make_backend(provider)
    text = produce(backend, case)
    fixture = DRIVER_TEXTS[(provider, case)]
    assert normalised(text, backend) == normalised(fixture["text"], backend)
    assert sorted(value for value in PLANTED.values() if value in text) == sorted(fixture["values"])
    redacted = without_values(text)
    assert not [value for value in fixture["values"] if value in redacted]
