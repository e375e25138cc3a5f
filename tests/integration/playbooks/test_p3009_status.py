"""playbooks/p3009_status.yml end to end: environments gathered as the recovery gathers them, one table, a JSON
report valid against its published schema, JUnit XML with one case per database, set_stats, the firewall opened
only when asked (and closed again), and a one-line failure when a deploy is blocked."""

from __future__ import annotations

import json
import re
import subprocess
from xml.etree import ElementTree

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import ansible_env
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import FirewalledDatabaseProxy
from ansible_collections.backoffice.dbops.tests.support.backends import free_port, unavailable
from ansible_collections.backoffice.dbops.tests.support.fleet import deployed_init
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    AZURE_SECRET,
    BIN,
    DB_PASSWORD,
    ECHO_IP,
    ROOT,
    SECRET_NAME,
    arm_emulator,
    azure_vars,
    playbook_env,
    with_password_and_port,
    write_environments,
)

PLAYBOOK = "playbooks/p3009_status.yml"
SCHEMA = ROOT / "docs" / "p3009_status_report.schema.json"


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def run(inventory, *flags, environment=None, **extra) -> subprocess.CompletedProcess:
    command = [f"{BIN}/ansible-playbook", PLAYBOOK, "-i", str(inventory), "-vvv", *flags, "-e", json.dumps(extra)]
    completed = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False
    )
    completed.output = completed.stdout + completed.stderr
    for secret in (DB_PASSWORD, AZURE_SECRET):
        assert secret not in completed.output
    return completed


def env_with_reports(tmp_path, emulator=None) -> dict:
    return {**playbook_env(emulator), "DBOPS_STATUS_DIR": str(tmp_path / "reports")}


def test_all_environments_in_one_table_report_and_junit(tmp_path, make_backend):
    blocked = make_backend("sqlite")
    migrations = blocked.p3009(tmp_path / "blocked")
    healthy = make_backend("postgresql")
    deployed_init(healthy, tmp_path / "healthy")
    tenant = make_backend("postgresql")
    inventory = write_environments(
        tmp_path,
        {
            "test": {
                "p3009_recovery_database_url": with_password_and_port(healthy.url, healthy.target.port),
                "p3009_status_databases": [
                    {"name": "test/tenant-a", "database_url": tenant.url},
                    {
                        "name": "test/tenant-gone",
                        "database_url": f"postgresql://u:{DB_PASSWORD}@127.0.0.1:{free_port()}/x",
                    },
                ],
            },
            "prod": {
                "p3009_recovery_database_url": blocked.referee_url,
                "p3009_recovery_migrations_dir": str(migrations),
            },
        },
    )
    result = run(inventory, environment=env_with_reports(tmp_path), env="all")
    assert result.returncode != 0
    assert (
        "1 database(s) stop a deploy: prod blocked. 1 database(s) could not be checked (1 unreachable): "
        "test/tenant-gone. Their state is unknown" in result.output
    )
    assert "4 databases: 2 ok, 1 blocked, 1 unreachable." in result.output
    assert re.search(r"test +test/tenant-gone +unreachable +Cannot connect", result.output), result.output
    report = json.loads((tmp_path / "reports" / "p3009-status.json").read_text())
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    outcomes = {entry["name"]: (entry["environment"], entry["outcome"]) for entry in report["databases"]}
    assert outcomes == {
        "test": ("test", "ok"),
        "test/tenant-a": ("test", "ok"),
        "test/tenant-gone": ("test", "unreachable"),
        "prod": ("prod", "blocked"),
    }
    assert report["failing"] == ["prod"] and report["environments"] == ["prod", "test"]
    assert report["unchecked"] == ["test/tenant-gone"]
    junit = ElementTree.parse(tmp_path / "reports" / "p3009-status.junit.xml").getroot()
    assert len(junit.findall(".//testcase")) == 4 and junit.get("failures") == "1" and junit.get("errors") == "1"


def test_a_chosen_environment_in_check_mode_writes_nothing(tmp_path, make_backend):
    healthy = make_backend("postgresql")
    deployed_init(healthy, tmp_path / "healthy")
    inventory = write_environments(
        tmp_path,
        {
            "test": {"p3009_recovery_database_url": healthy.url},
            "prod": {"p3009_recovery_database_url": "file:./missing.db"},
        },
    )
    result = run(inventory, "--check", environment=env_with_reports(tmp_path), env="test")
    assert result.returncode == 0, result.output
    assert "No database is blocked: 1 checked. 1 databases: 1 ok." in result.output
    assert not (tmp_path / "reports").exists()
    unknown = run(inventory, environment=env_with_reports(tmp_path), env="test,staging")
    assert unknown.returncode != 0 and "Unknown environment(s) staging; known: prod, test" in unknown.output


@pytest.fixture
def emulator(tmp_path):
    with arm_emulator(str(tmp_path / "arm")) as emulator:
        yield emulator


def test_the_firewall_is_opened_only_when_asked_and_closed_again(tmp_path, make_backend, emulator):
    backend = make_backend("postgresql")
    deployed_init(backend, tmp_path / "db")
    server = emulator.add_server("rg-backoffice-test", "sql-backoffice-test")
    proxy = FirewalledDatabaseProxy(server, ECHO_IP, ("127.0.0.1", int(backend.target.port))).start()
    try:
        emulator.vault_secrets[SECRET_NAME] = with_password_and_port(backend.url, proxy.port)
        inventory = write_environments(tmp_path, {"test": azure_vars(emulator)})
        closed = run(inventory, environment=env_with_reports(tmp_path, emulator), env="test")
        assert closed.returncode != 0 and "1 database(s) could not be checked (1 unreachable): test." in closed.output
        allowed = run(inventory, environment=env_with_reports(tmp_path, emulator), env="test", allow_unchecked=True)
        assert allowed.returncode == 0, allowed.output
        assert "WARNING: 1 database(s) could not be checked (1 unreachable): test." in allowed.output
        assert emulator.write_calls == 0
        report = json.loads((tmp_path / "reports" / "p3009-status.json").read_text())
        assert report["databases"][0]["outcome"] == "unreachable"
        opened = run(inventory, environment=env_with_reports(tmp_path, emulator), env="test", open_firewall=True)
    finally:
        proxy.stop()
    assert opened.returncode == 0, opened.output
    assert emulator.write_calls == 2 and server.rules == {}
    report = json.loads((tmp_path / "reports" / "p3009-status.json").read_text())
    assert report["databases"][0]["outcome"] == "ok"


def test_one_firewall_rule_per_azure_sql_server_whatever_the_number_of_databases(tmp_path, make_backend, emulator):
    """Two environments and their tenants, four databases behind one logical server: one rule opened and removed
    (two ARM writes), in one run over the environments and in one run over the prisma_databases inventory."""
    backend = make_backend("postgresql")
    deployed_init(backend, tmp_path / "db")
    tenant = make_backend("postgresql")
    deployed_init(tenant, tmp_path / "tenant")
    server = emulator.add_server("rg-backoffice-test", "sql-backoffice-test")
    proxy = FirewalledDatabaseProxy(server, ECHO_IP, ("127.0.0.1", int(backend.target.port))).start()
    try:
        emulator.vault_secrets[SECRET_NAME] = with_password_and_port(backend.url, proxy.port)
        tenants = [
            {"name": f"{environment}/tenant", "database_url": with_password_and_port(tenant.url, proxy.port)}
            for environment in ("test", "stage")
        ]
        inventory = write_environments(
            tmp_path,
            {
                "test": azure_vars(emulator, p3009_status_databases=tenants[:1]),
                "stage": azure_vars(emulator, p3009_status_databases=tenants[1:]),
            },
        )
        (inventory / "prisma_databases.yml").write_text("plugin: backoffice.dbops.prisma_databases\n")
        environment = env_with_reports(tmp_path, emulator)
        by_environment = run(inventory, environment=environment, env="all", open_firewall=True)
        assert by_environment.returncode == 0, by_environment.output
        assert emulator.write_calls == 2 and server.rules == {}
        assert "sql-backoffice-test (4 database(s))" in by_environment.output
        by_database = run(inventory / "prisma_databases.yml", environment=environment, env="all", open_firewall=True)
    finally:
        proxy.stop()
    assert by_database.returncode == 0, by_database.output
    assert emulator.write_calls == 4 and server.rules == {}
    report = json.loads((tmp_path / "reports" / "p3009-status.json").read_text())
    assert {entry["name"]: entry["outcome"] for entry in report["databases"]} == {
        "stage": "ok",
        "stage/tenant": "ok",
        "test": "ok",
        "test/tenant": "ok",
    }


def test_as_an_awx_job_reports_land_in_the_artifacts_and_unchecked_databases_fail_the_run(tmp_path, make_backend):
    """Through ansible-runner as AWX's worker runs a job, with no DBOPS_STATUS_DIR: the files are in the job's
    artifacts folder, schema-valid; a control character in a database's name leaves the JUnit file parseable and
    the terminal untouched; the databases that could not be checked fail the run, counted by outcome."""
    healthy = make_backend("postgresql")
    deployed_init(healthy, tmp_path / "healthy")
    odd = "test/tenant-\x01odd"
    inventory = write_environments(
        tmp_path,
        {
            "test": {
                "p3009_recovery_database_url": healthy.url,
                "p3009_status_databases": [
                    {"name": odd, "database_url": healthy.url},
                    {"name": "test/gone", "database_url": f"postgresql://u:{DB_PASSWORD}@127.0.0.1:{free_port()}/x"},
                    {"name": "test/no-file", "database_url": f"file:{tmp_path / 'none.db'}"},
                ],
            }
        },
    )
    job = tmp_path / "job"
    (job / "env").mkdir(parents=True)
    (job / "env" / "extravars").write_text(json.dumps({"env": "test", "awx_job_id": 7}))
    (job / "project").symlink_to(ROOT)
    subprocess.run(
        [f"{BIN}/ansible-runner", "run", str(job), "-p", PLAYBOOK, "--ident", "job", "--inventory", str(inventory)],
        env=ansible_env(), cwd=tmp_path, capture_output=True, check=False, timeout=300,
    )  # fmt: skip
    artifacts = job / "artifacts" / "job"
    output = (artifacts / "stdout").read_text()
    assert (artifacts / "status").read_text().strip() == "failed", output
    assert DB_PASSWORD not in output and "\x01" not in output and "test/tenant-\\x01odd" in output
    assert (
        "2 database(s) could not be checked (1 database_missing, 1 unreachable): test/gone, test/no-file. "
        "Their state is unknown" in output
    )
    assert "4 databases: 2 ok, 1 database_missing, 1 unreachable." in output
    report = json.loads((artifacts / "p3009-status.json").read_text())
    pytest.importorskip("jsonschema").validate(report, json.loads(SCHEMA.read_text()))
    assert report["unchecked"] == ["test/gone", "test/no-file"]
    assert [entry["name"] for entry in report["databases"]] == ["test", "test/gone", "test/no-file", odd]
    junit = ElementTree.parse(artifacts / "p3009-status.junit.xml").getroot()
    names = [case.get("name") for case in junit.iter("testcase")]
    assert names == ["test", "test/gone", "test/no-file", "test/tenant-\\x01odd"]
    assert junit.get("errors") == "2" and junit.get("failures") == "0"
    assert not (tmp_path / "p3009-status").exists() and not (ROOT / "p3009-status").exists()
