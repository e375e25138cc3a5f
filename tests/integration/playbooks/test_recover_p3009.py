"""playbooks/recover_p3009.yml end to end: the real playbook, real databases Prisma's engine left in the P3009
state, and for the Azure-style environments the ARM emulator (firewall, Key Vault, App Service) in front of them.

Every run asserts what must always hold: the temporary firewall rule is gone afterwards, the audit record is
written (never in check mode), and neither the database password nor the Azure secret appears anywhere.

Also the faults a run must survive (several failed migrations, absurd names, what an interrupted run leaves for the
next one to report: a resolve without audit record, a firewall rule still open), and the runbook on a SQL Server
engine (Babelfish): on an inventory that names the database, and as an Azure SQL environment behind the gateway that
refuses with 40615 until the firewall rule exists (the core of `make demo-sqlserver`).
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import signal
import sqlite3
import subprocess
import textwrap
import threading
import time

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import FirewalledDatabaseProxy
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee, referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    APP,
    AZURE_SECRET,
    AZURE_SERVICES_RULE,
    BIN,
    BIO_INDEX,
    DB_PASSWORD,
    ECHO_IP,
    GATEWAY_CLIENT_IP,
    PLAYBOOK,
    RG,
    ROOT,
    SECRET_NAME,
    SERVER,
    arm_emulator,
    audit_files,
    azure_vars,
    playbook_env,
    recover_behind_azure_sql_gateway,
    recovery_command,
    run_recovery,
    with_password_and_port,
    without_registered_drivers,
    write_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.scenarios import INIT

AZURE_SERVICES = {"AllowAllWindowsAzureIps": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}}


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with arm_emulator(str(tmp_path_factory.mktemp("arm"))) as emulator:
        yield emulator


@pytest.fixture
def sql_server(emulator):
    emulator.faults.clear()
    server = emulator.add_server(RG, SERVER)
    server.rules.update(AZURE_SERVICES)
    emulator.vault_secrets.clear()
    emulator.reset_counters()
    return server


@pytest.fixture
def sqlite_p3009(tmp_path, make_backend):
    backend = make_backend("sqlite")
    migrations = backend.p3009(tmp_path)
    # The runbook's "fix the data" is done: the preflight lets the recovery through (test_preflight_playbook.py
    # covers its refusals).
    backend.execute(backend.fix_data)
    return backend.referee_url, migrations, backend.target.path


def sqlite_digest(database) -> list:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT * FROM _prisma_migrations ORDER BY started_at, id").fetchall()


def run(inventory, env: str, migration: str, *flags, environment=None, **extra) -> subprocess.CompletedProcess:
    command = [f"{BIN}/ansible-playbook", PLAYBOOK, "-i", str(inventory), "-vvv", *flags]
    command += ["-e", json.dumps({"env": env, "migration": migration, **extra})]
    completed = subprocess.run(
        command, cwd=ROOT, env=environment or playbook_env(), capture_output=True, text=True, timeout=300, check=False
    )
    completed.output = completed.stdout + completed.stderr
    for secret in (DB_PASSWORD, AZURE_SECRET):
        assert secret not in completed.output
    return completed


def audit_records(folder) -> list[dict]:
    records = []
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        text = path.read_text()
        assert DB_PASSWORD not in text and AZURE_SECRET not in text
        records.append(json.loads(text))
    return records


def assert_blocked_no_more(provider: str, url: str, migrations) -> None:
    diagnosis = PrismaReferee(provider, url).diagnose(migrations)
    assert diagnosis["failedMigrationNames"] == []


def test_local_rehearsal_recovers_redeploys_and_audits(tmp_path, sqlite_p3009):
    url, migrations, _database = sqlite_p3009
    audit = tmp_path / "audit"
    deploy = tmp_path / "deploy.py"
    # Stands in for `npx prisma migrate deploy`: proves DATABASE_URL reaches the command's environment only.
    deploy.write_text(
        textwrap.dedent(
            """
            import os, sys
            print("deploying with", "the URL" if os.environ["DATABASE_URL"].startswith("file:") else "nothing")
            """
        )
    )
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {
            "p3009_recovery_database_url": url,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(audit),
            "p3009_recovery_redeploy": {"kind": "command", "argv": [str(BIN / "python"), str(deploy)]},
        },
    )
    result = run(inventory, "rehearsal", BIO_INDEX)
    assert result.returncode == 0, result.output
    assert "deploying with the URL" in result.output
    assert "Unique constraint failed" in result.output
    assert_blocked_no_more("sqlite", url, migrations)
    (record,) = audit_records(audit)
    assert record["outcome"] == "resolved" and record["environment"] == "rehearsal"
    assert [row["state"] for row in record["before"]] == ["failed"]
    assert [row["state"] for row in record["after"]] == ["rolled_back"]
    assert record["redeploy"]["rc"] == "0" or record["redeploy"]["rc"] == 0


def test_unknown_environment_lists_the_known_ones(tmp_path, sqlite_p3009):
    inventory = write_inventory(tmp_path, "rehearsal", {"p3009_recovery_database_url": sqlite_p3009[0]})
    result = run(inventory, "staging", BIO_INDEX)
    assert result.returncode != 0
    assert "known environments: rehearsal" in result.output


def test_local_check_mode_writes_nothing(tmp_path, sqlite_p3009):
    url, _migrations, database = sqlite_p3009
    before = sqlite_digest(database)
    inventory = write_inventory(
        tmp_path, "rehearsal", {"p3009_recovery_database_url": url, "p3009_recovery_audit_dir": str(tmp_path / "a")}
    )
    result = run(inventory, "rehearsal", BIO_INDEX, "--check", "--diff")
    assert result.returncode == 0, result.output
    assert "Dry run: would mark 1 row(s)" in result.output
    assert sqlite_digest(database) == before
    assert not (tmp_path / "a").exists()


@pytest.mark.postgresql
def test_azure_environment_through_firewall_key_vault_and_propagation_delay(
    tmp_path, emulator, sql_server, make_backend
):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)
    port = int(backend.target.port)
    # Long enough that the first attempt comes before the rule takes effect even on two busy cores (make test runs
    # the suite with -n 2): at 1 s it sometimes came after it.
    proxy = FirewalledDatabaseProxy(sql_server, ECHO_IP, ("127.0.0.1", port), propagation_delay=3.0).start()
    try:
        emulator.vault_secrets[SECRET_NAME] = with_password_and_port(backend.url, proxy.port)
        audit = tmp_path / "audit"
        inventory = write_inventory(
            tmp_path,
            "test",
            azure_vars(emulator, p3009_recovery_migrations_dir=str(migrations), p3009_recovery_audit_dir=str(audit)),
        )
        before = backend.digest()
        result = run(inventory, "test", BIO_INDEX, environment=playbook_env(emulator))
    finally:
        proxy.stop()
    assert result.returncode == 0, result.output
    assert proxy.refused >= 1, "the database was reachable before the rule took effect"
    assert sql_server.rules == AZURE_SERVICES
    assert emulator.write_calls == 2  # the rule created, then deleted
    assert backend.digest() != before
    assert_blocked_no_more("postgresql", backend.url, migrations)
    (record,) = audit_records(audit)
    assert record["outcome"] == "resolved" and record["firewall_rule_removed"] is True
    assert record["firewall_rule"].startswith("dbops-")


def test_azure_dry_run_says_the_firewall_is_closed_then_opens_only_when_asked(
    tmp_path, emulator, sql_server, make_backend
):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)
    proxy = FirewalledDatabaseProxy(sql_server, ECHO_IP, ("127.0.0.1", int(backend.target.port))).start()
    try:
        site = emulator.add_site(RG, APP)
        site.app_settings["DATABASE_URL"] = with_password_and_port(backend.url, proxy.port)
        inventory = write_inventory(
            tmp_path,
            "test",
            azure_vars(
                emulator,
                p3009_recovery_database_url_source="app_service",
                p3009_recovery_app_resource_group=RG,
                p3009_recovery_app_name=APP,
                p3009_recovery_migrations_dir=str(migrations),
                p3009_recovery_audit_dir=str(tmp_path / "audit"),
            ),
        )
        before = backend.digest()
        closed = run(inventory, "test", BIO_INDEX, "--check", "--diff", environment=playbook_env(emulator))
        assert closed.returncode != 0
        assert "dry_run_open_firewall=true" in closed.output
        assert emulator.write_calls == 0

        opened = run(
            inventory, "test", BIO_INDEX, "--check", "--diff", environment=playbook_env(emulator),
            dry_run_open_firewall=True,
        )  # fmt: skip
    finally:
        proxy.stop()
    assert opened.returncode == 0, opened.output
    assert "Dry run: would mark 1 row(s)" in opened.output
    assert backend.digest() == before
    assert sql_server.rules == AZURE_SERVICES
    assert not (tmp_path / "audit").exists()


@pytest.mark.parametrize(
    "case",
    ["wrong_name", "not_failed", "prod_without_confirm", "secret_missing", "resolve_fails", "never_reachable"],
)
def test_failure_paths_remove_the_rule_and_write_nothing(tmp_path, emulator, sql_server, sqlite_p3009, case):
    url, _migrations, database = sqlite_p3009
    emulator.vault_secrets[SECRET_NAME] = url
    migration, extra, lock = BIO_INDEX, {}, None
    group_vars = azure_vars(emulator, p3009_recovery_audit_dir=str(tmp_path / "audit"), p3009_recovery_lock_timeout=1)
    if case == "wrong_name":
        migration = BIO_INDEX[:-1]
    elif case == "not_failed":
        migration = INIT
    elif case == "prod_without_confirm":
        group_vars["p3009_recovery_protected"] = True
        extra = {"confirm": "yes"}
    elif case == "secret_missing":
        emulator.vault_secrets.clear()
    elif case == "resolve_fails":
        # Another writer holds the database (reads still work): the history is read, the failed migration shown,
        # then the resolve cannot take the lock and must change nothing.
        lock = sqlite3.connect(database, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        group_vars["p3009_recovery_lock_timeout"] = 1
    elif case == "never_reachable":
        emulator.vault_secrets[SECRET_NAME] = f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:9/none"
        group_vars["p3009_recovery_ready_timeout"] = 2
    before = sqlite_digest(database)
    inventory = write_inventory(tmp_path, "test", group_vars)
    try:
        result = run(inventory, "test", migration, environment=playbook_env(emulator), **extra)
    finally:
        if lock is not None:
            lock.execute("ROLLBACK")
            lock.close()
    assert result.returncode != 0, result.output
    assert sql_server.rules == AZURE_SERVICES
    assert sqlite_digest(database) == before
    expected = {
        "wrong_name": "Failed right now: " + BIO_INDEX,
        "not_failed": f"{INIT} is not a failed migration",
        "prod_without_confirm": "-e confirm=" + BIO_INDEX,
        "secret_missing": "has no secret named " + SECRET_NAME,
        "resolve_fails": "Timed out after 1s waiting for Prisma's migrate lock",
        "never_reachable": "did not accept a connection within 2 s",
    }[case]
    assert expected in result.output
    (record,) = audit_records(tmp_path / "audit")
    assert record["outcome"] == "failed" and record["firewall_rule_removed"] is (case != "secret_missing")


PIPELINE_TOKEN = "pat-never-printed-0451"


class PipelineApi(http.server.ThreadingHTTPServer):
    """Loopback stand-in for the Azure DevOps runs API and GitHub's workflow_dispatch: records what it is sent."""

    def __init__(self):
        self.requests = []
        super().__init__(("127.0.0.1", 0), PipelineHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class PipelineHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append((self.path, self.headers.get("Authorization"), body))
        if "/_apis/pipelines/" in self.path:
            answer = {"id": 812, "state": "inProgress", "_links": {"web": {"href": f"{self.server.url}/run/812"}}}
            payload = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, *args):
        del args


@pytest.fixture
def pipeline_api():
    api = PipelineApi()
    thread = threading.Thread(target=api.serve_forever, daemon=True)
    thread.start()
    yield api
    api.shutdown()
    api.server_close()


@pytest.mark.parametrize(
    ("redeploy", "path", "authorization", "body"),
    [
        (
            {"kind": "azure_devops", "project": "Back Office", "pipeline_id": 17, "branch": "release"},
            "/Back%20Office/_apis/pipelines/17/runs?api-version=7.1",
            "Basic " + base64.b64encode(f":{PIPELINE_TOKEN}".encode()).decode(),
            {"resources": {"repositories": {"self": {"refName": "refs/heads/release"}}}},
        ),
        (
            {"kind": "azure_devops", "project": "api", "pipeline_id": 3, "token_type": "bearer"},
            "/api/_apis/pipelines/3/runs?api-version=7.1",
            f"Bearer {PIPELINE_TOKEN}",
            {"resources": {"repositories": {"self": {"refName": "refs/heads/main"}}}},
        ),
        (
            {"kind": "github_actions", "repository": "backoffice/api", "workflow": "deploy.yml", "ref": "main"},
            "/repos/backoffice/api/actions/workflows/deploy.yml/dispatches",
            f"Bearer {PIPELINE_TOKEN}",
            {"ref": "main", "inputs": {}},
        ),
    ],
    ids=["azure_devops_pat", "azure_devops_entra", "github_actions"],
)
def test_redeploy_triggers_the_pipeline_and_reports_it(
    tmp_path, sqlite_p3009, pipeline_api, redeploy, path, authorization, body
):
    url, migrations, _database = sqlite_p3009
    redeploy = {
        **redeploy,
        "organization_url": pipeline_api.url,
        "api_url": pipeline_api.url,
        "web_url": pipeline_api.url,
    }
    audit = tmp_path / "audit"
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {
            "p3009_recovery_database_url": url,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(audit),
            "p3009_recovery_redeploy": redeploy,
            "p3009_recovery_redeploy_token": PIPELINE_TOKEN,
        },
    )
    result = run(inventory, "rehearsal", BIO_INDEX)
    assert result.returncode == 0, result.output
    assert pipeline_api.requests == [(path, authorization, body)]
    assert PIPELINE_TOKEN not in result.output
    (record,) = audit_records(audit)
    assert PIPELINE_TOKEN not in json.dumps(record)
    if redeploy["kind"] == "azure_devops":
        assert record["redeploy"]["link"] == f"{pipeline_api.url}/run/812"
        assert record["redeploy"]["state"] == "inProgress"
    else:
        assert record["redeploy"]["state"] == "dispatched"


def test_check_mode_triggers_no_pipeline(tmp_path, sqlite_p3009, pipeline_api):
    url, migrations, _database = sqlite_p3009
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {
            "p3009_recovery_database_url": url,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_redeploy": {
                "kind": "github_actions",
                "repository": "b/api",
                "workflow": "d.yml",
                "api_url": pipeline_api.url,
            },
            "p3009_recovery_redeploy_token": PIPELINE_TOKEN,
        },
    )
    result = run(inventory, "rehearsal", BIO_INDEX, "--check")
    assert result.returncode == 0, result.output
    assert "would redeploy with github_actions" in result.output
    assert pipeline_api.requests == []


LATER = "20201201000000_add_name"


@pytest.fixture
def two_failed(tmp_path, make_backend):
    """A SQLite database Prisma's engine left in P3009, plus a second failed migration after it."""
    backend = make_backend("sqlite")
    migrations = backend.p3009(tmp_path)
    ((started,),) = backend.execute("SELECT max(started_at) FROM _prisma_migrations")
    backend.execute(
        "INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, logs) VALUES (?, ?, ?, ?, ?)",
        ("second-failed", "0" * 64, started + 1000, LATER, "boom"),
    )
    return backend.referee_url, migrations, tmp_path / "audit"


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


def test_a_killed_run_leaves_its_firewall_rule_and_the_next_run_reports_and_removes_it(
    tmp_path, emulator, make_backend
):
    server = emulator.add_server("rg-backoffice-test", "sql-backoffice-test")
    server.rules.update(AZURE_SERVICES)
    backend = make_backend("sqlite")
    backend.p3009(tmp_path)
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

    emulator.vault_secrets[SECRET_NAME] = backend.referee_url
    rerun = run_recovery(inventory, "test", BIO_INDEX, environment=playbook_env(emulator))
    assert rerun.returncode == 0, rerun.output
    assert f"WARNING: firewall rule {left}" in said(rerun) and "an earlier run was interrupted" in said(rerun)
    assert server.rules == AZURE_SERVICES
    (record,) = records(audit)
    assert record["firewall_leftovers"] == [left] and record["outcome"] == "resolved"


def environment(tmp_path, driver: str) -> dict:
    """FreeTDS is the registered driver here; Driver 18 is what the modules find with an empty registry."""
    env = playbook_env()
    if driver == "driver18":
        env.update(without_registered_drivers(tmp_path / "odbc"))
    return env


def failed_rows(backend) -> list[str]:
    return [
        name
        for (name,) in backend.execute(
            f"SELECT migration_name FROM {backend.table} WHERE finished_at IS NULL AND rolled_back_at IS NULL"
        )
    ]


def fix_the_data(backend) -> None:
    """The runbook's "fix the data": the recovery's preflight refuses to resolve while the duplicates remain."""
    backend.execute(backend.fix_data)


def assert_deploy_applies_it(backend, migrations) -> None:
    """Prisma's next deploy re-attempts the migration (no P3009) and, the data being fixed, applies it."""
    assert backend.deploy(migrations)[0] == BIO_INDEX


@pytest.mark.mssql
@pytest.mark.parametrize("driver", ["freetds", "driver18"])
def test_recover_p3009_on_an_inventory_pointing_at_babelfish(tmp_path, make_backend, driver):
    backend = make_backend("sqlserver", driver=driver)
    migrations = backend.p3009(tmp_path)
    fix_the_data(backend)
    audit = tmp_path / "audit"
    inventory = write_inventory(
        tmp_path,
        "sqlserver",
        {
            "p3009_recovery_database_url": backend.url,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(audit),
        },
    )
    env = environment(tmp_path, driver)
    runs = []
    if driver == "freetds":  # a dry run per driver would only repeat what test_modules checks on both
        dry = run_recovery(inventory, "sqlserver", BIO_INDEX, "--check", "--diff", environment=env)
        assert dry.returncode == 0, dry.output
        assert "Dry run: would mark 1 row(s)" in dry.output
        assert failed_rows(backend) == [BIO_INDEX] and not audit.exists()
        runs.append(dry)

    result = run_recovery(inventory, "sqlserver", BIO_INDEX, environment=env)
    assert result.returncode == 0, result.output
    assert "Database error code: 1505" in result.output
    assert failed_rows(backend) == []
    (record,) = audit_records(audit)
    assert record["outcome"] == "resolved"
    assert [row["state"] for row in record["before"]] == ["failed"]
    assert [row["state"] for row in record["after"]] == ["rolled_back"]
    password = backend.target.password
    for run in (*runs, result):
        assert password not in run.output
    assert password not in json.dumps(record)
    assert_deploy_applies_it(backend, migrations)


@pytest.mark.mssql
def test_azure_sql_runbook_through_the_40615_gateway(tmp_path, make_backend):
    """make demo-sqlserver's core: firewall (a rule for the address the 40615 quotes), identify, resolve, cleanup,
    here with Driver 18 from PyPI. The test gateway offers no TLS (Driver 18 with encrypt=true stops at "Encryption
    not supported" before any login), so the URL says encrypt=false; Driver 18's TLS runs against Babelfish in the
    other suites."""
    backend = make_backend("sqlserver", driver="freetds")  # the plain-text URL; the playbook runs Driver 18
    migrations = backend.p3009(tmp_path)
    fix_the_data(backend)
    run = recover_behind_azure_sql_gateway(
        backend, migrations, tmp_path, environment=without_registered_drivers(tmp_path / "odbc")
    )
    output = run.result.stdout + run.result.stderr
    assert run.result.returncode == 0, output
    assert run.refused_logins >= 1, "the database was reachable before the rule took effect"
    # Only a rule for the address the 40615 quoted lets the gateway through; the IP echo says another.
    assert GATEWAY_CLIENT_IP in output
    assert run.rules_left == AZURE_SERVICES_RULE
    assert run.firewall_writes == 2  # the rule created, then deleted
    assert failed_rows(backend) == []
    (record,) = run.audit
    assert record["outcome"] == "resolved" and record["firewall_rule_removed"] is True
    for secret in (backend.target.password, AZURE_SECRET):
        assert secret not in output and secret not in json.dumps(record)
    assert_deploy_applies_it(backend, migrations)
