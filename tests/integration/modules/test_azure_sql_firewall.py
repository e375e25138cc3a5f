"""azure_sql_firewall end to end: real `ansible` runs, real azure-identity and azure-mgmt-sql, local ARM emulator.

The module runs as AWX runs it: the only Azure settings are the variables AWX's "Microsoft Azure Resource
Manager" credential injects, and REQUESTS_CA_BUNDLE trusts the emulator's throwaway CA. Wide ranges and long
expiries are refused before any write, and rules an earlier run left open are reported.
"""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.driver import find_bundled_driver
from ansible_collections.backoffice.dbops.tests.support.ansible_run import (
    BIN,
    ROOT,
    ModuleResult,
    run_module_in,
)
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import ArmEmulator, FirewalledSqlGateway
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable

SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"


TENANT = "72f988bf-0000-4000-8000-0000000000aa"


CLIENT_ID = "5f2c7c34-0000-4000-8000-0000000000bb"


SECRET = "Qx8~never-Shown.In_Output-91"


RG, SERVER = "rg-backoffice", "sql-backoffice"


ECHO_IP = "198.51.100.23"


MODULE = "backoffice.dbops.azure_sql_firewall"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emulator = ArmEmulator(
        str(tmp_path_factory.mktemp("arm")),
        tenant=TENANT,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        subscription_id=SUBSCRIPTION,
    ).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def server(emulator):
    emulator.faults.clear()
    server = emulator.add_server(RG, SERVER)
    server.rules["AllowAllWindowsAzureIps"] = {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}
    emulator.reset_counters()
    return server


@pytest.fixture
def awx_env(emulator, tmp_path):
    """What AWX puts in a job's environment for an Azure RM credential, and nothing else Azure-related."""
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LC_ALL": "C.UTF-8",
        **emulator.awx_credential_environment(),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    }


def run_ansible(env, args: dict, *flags) -> ModuleResult:
    return run_module_in(env, MODULE, args, *flags)


def base_args(emulator, **extra):
    return {"resource_group": RG, "server_name": SERVER, "ip_echo_url": f"{emulator.base_url}/echo-ip", **extra}


def test_create_then_rerun_is_a_no_op(emulator, server, awx_env):
    first = run_ansible(awx_env, base_args(emulator, expires_in="1h"))
    assert first["changed"] is True, first
    assert first["client_ip"] == ECHO_IP
    assert first["ip_detection"] == "ip_echo"
    assert first["fully_qualified_domain_name"] == f"{SERVER}.database.windows.net"
    name = first["rule"]["name"]
    assert re.fullmatch(r"dbops-[A-Za-z0-9_-]+-until-\d{8}T\d{6}Z", name)
    assert first["rule"]["expires_at"] and first["rule"]["owned"] is True
    assert server.rules[name] == {"startIpAddress": ECHO_IP, "endIpAddress": ECHO_IP}
    assert emulator.write_calls == 1

    emulator.reset_counters()
    second = run_ansible(awx_env, base_args(emulator, expires_in="1h"))
    assert second["changed"] is False
    assert second["rule"]["name"] == name
    assert emulator.write_calls == 0
    assert set(server.rules) == {"AllowAllWindowsAzureIps", name}


def test_check_mode_makes_no_write_call(emulator, server, awx_env):
    result = run_ansible(awx_env, base_args(emulator, expires_in="30m", purge_expired=True), "--check")
    assert result["changed"] is True
    assert result["rule"]["start_ip_address"] == ECHO_IP
    assert emulator.write_calls == 0
    assert not [request for request in emulator.requests if request[0] in ("PUT", "DELETE")]
    assert set(server.rules) == {"AllowAllWindowsAzureIps"}


def test_diff_shows_the_rule_before_and_after(emulator, server, awx_env):
    server.rules["dbops-office"] = {"startIpAddress": "192.0.2.0", "endIpAddress": "192.0.2.255"}
    args = {"resource_group": RG, "server_name": SERVER, "name": "dbops-office"}
    result = run_ansible(awx_env, {**args, "start_ip_address": "192.0.2.0", "end_ip_address": "192.0.2.127"}, "--diff")
    assert result["changed"] is True
    assert result["ip_detection"] == "given" and result["client_ip"] is None
    stdout = result.output
    assert "--- before: dbops-office" in stdout and "+++ after: dbops-office" in stdout
    # The diff is rendered in the callback's result format, JSON here.
    assert re.search(r'^-\s+"end_ip_address": "192\.0\.2\.255",$', stdout, re.MULTILINE), stdout
    assert re.search(r'^\+\s+"end_ip_address": "192\.0\.2\.127",$', stdout, re.MULTILINE), stdout
    assert server.rules["dbops-office"]["endIpAddress"] == "192.0.2.127"


def test_absent_deletes_our_rules_and_spares_azure_services(emulator, server, awx_env):
    created = run_ansible(awx_env, base_args(emulator, expires_in="1h"))
    emulator.reset_counters()
    result = run_ansible(awx_env, {"resource_group": RG, "server_name": SERVER, "state": "absent"})
    assert result["changed"] is True
    assert result["deleted"] == [created["rule"]["name"]]
    assert result["rule"] is None
    assert set(server.rules) == {"AllowAllWindowsAzureIps"}
    assert emulator.write_calls == 1
    again = run_ansible(awx_env, {"resource_group": RG, "server_name": SERVER, "state": "absent"})
    assert again["changed"] is False


def test_purge_removes_only_our_expired_rules(emulator, server, awx_env):
    server.rules.update(
        {
            "dbops-old-runner-until-20200101T000000Z": {"startIpAddress": "192.0.2.1", "endIpAddress": "192.0.2.1"},
            "dbops-busy-runner-until-29990101T000000Z": {"startIpAddress": "192.0.2.2", "endIpAddress": "192.0.2.2"},
            "dbops-office": {"startIpAddress": "192.0.2.3", "endIpAddress": "192.0.2.3"},
            "ClientIPAddress_2020-1-1_0-0-0": {"startIpAddress": "192.0.2.4", "endIpAddress": "192.0.2.4"},
            "someone-until-20200101T000000Z": {"startIpAddress": "192.0.2.5", "endIpAddress": "192.0.2.5"},
        }
    )
    result = run_ansible(awx_env, base_args(emulator, expires_in="15m", purge_expired=True))
    assert result["deleted"] == ["dbops-old-runner-until-20200101T000000Z"]
    assert "dbops-old-runner-until-20200101T000000Z" not in server.rules
    assert {
        "AllowAllWindowsAzureIps",
        "dbops-busy-runner-until-29990101T000000Z",
        "dbops-office",
        "ClientIPAddress_2020-1-1_0-0-0",
        "someone-until-20200101T000000Z",
        result["rule"]["name"],
    } == set(server.rules)
    assert server.rules["AllowAllWindowsAzureIps"] == {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}


@pytest.mark.parametrize("access", ["Disabled", "SecuredByPerimeter"])
def test_closed_public_access_fails_without_writing(emulator, server, awx_env, access):
    server.public_network_access = access
    result = run_ansible(awx_env, base_args(emulator, expires_in="1h"))
    assert result.status == "FAILED!"
    assert access in result["msg"] and "Nothing was changed" in result["msg"]
    assert "private endpoint" in result["hint"]
    assert result["code"] == "PublicNetworkAccessDisabled"
    assert emulator.write_calls == 0


def test_the_rule_limit_fails_before_writing(emulator, server, awx_env):
    for index in range(127):
        server.rules[f"portal-{index}"] = {"startIpAddress": "192.0.2.9", "endIpAddress": "192.0.2.9"}
    result = run_ansible(awx_env, base_args(emulator))
    assert result.status == "FAILED!" and result["code"] == "TooManyFirewallRules"
    assert emulator.write_calls == 0


def test_throttling_and_server_errors_are_retried_after_retry_after(emulator, server, awx_env):
    emulator.inject(429, retry_after=1)
    emulator.inject(500)
    started = time.monotonic()
    result = run_ansible(awx_env, base_args(emulator, expires_in="1h"))
    assert result["changed"] is True, result
    assert emulator.faults_served == [429, 500]
    assert time.monotonic() - started >= 1
    assert result["rule"]["name"] in server.rules


def test_azure_stack_metadata_document(emulator, server, awx_env):
    env = {**awx_env, "AZURE_CLOUD_ENVIRONMENT": emulator.stack_metadata_url}
    result = run_ansible(env, base_args(emulator, start_ip_address="203.0.113.7"))
    assert result["changed"] is True
    assert result["rule"]["name"] in server.rules


@pytest.mark.parametrize("driver", ["registered", "driver18_from_pypi"])
def test_database_url_40615_from_a_real_odbc_driver_gives_the_ip(emulator, server, awx_env, tmp_path, driver):
    pyodbc = pytest.importorskip("pyodbc")
    if not {"FreeTDS", "ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server"} & set(pyodbc.drivers()):
        pytest.skip("no SQL Server ODBC driver installed")
    env = dict(awx_env)
    if driver == "driver18_from_pypi":
        if find_bundled_driver() is None:
            unavailable("Microsoft's ODBC Driver 18 is not installed: run `make setup` (pip mssql-python-odbc)")
        # An empty unixODBC registry: the module falls back to Driver 18 from PyPI.
        (tmp_path / "odbcinst.ini").write_text("")
        env["ODBCSYSINI"] = str(tmp_path)
    gateway = FirewalledSqlGateway("203.0.113.77").start()
    password = "Db-Pa55word-Secret"
    url = f"sqlserver://127.0.0.1:{gateway.port};database=backoffice;user=app;password={password};encrypt=false"
    try:
        result = run_ansible(env, base_args(emulator, database_url=url, expires_in="30m"), "-v")
    finally:
        gateway.stop()
    assert gateway.logins == 1
    assert result["ip_detection"] == "sql_error_40615", result
    assert result["client_ip"] == "203.0.113.77"
    assert server.rules[result["rule"]["name"]] == {"startIpAddress": "203.0.113.77", "endIpAddress": "203.0.113.77"}
    assert password not in result.output


def test_database_url_without_40615_falls_back_to_the_echo(emulator, server, awx_env):
    pytest.importorskip("pyodbc")
    password = "Db-Pa55word-Secret"
    # Nothing listens on port 9: the login attempt fails without a 40615 and the echo answers.
    url = f"sqlserver://127.0.0.1:9;database=backoffice;user=app;password={password};loginTimeout=2"
    result = run_ansible(awx_env, base_args(emulator, database_url=url), "-v")
    assert result["ip_detection"] == "ip_echo", result
    assert password not in result.output


def test_secret_never_appears_in_verbose_output_or_results(emulator, server, awx_env):
    result = run_ansible(awx_env, base_args(emulator), "-vvv")
    assert result["changed"] is True
    assert SECRET not in result.output
    # A wrong secret: the emulator echoes what it received, as a careless server could, and Ansible masks it.
    wrong = "Wr0ng-Secret-Echoed-Back"
    failed = run_ansible({**awx_env, "AZURE_SECRET": wrong}, base_args(emulator), "-vvv")
    assert failed.status == "FAILED!" and failed["code"] == "AuthenticationFailed"
    assert "AADSTS7000215" in failed["msg"]
    assert wrong not in failed.output and SECRET not in failed.output
    assert "********" in failed["msg"]
    # Passed as an option rather than through the environment.
    args = base_args(emulator, secret=SECRET)
    result = run_ansible({k: v for k, v in awx_env.items() if k != "AZURE_SECRET"}, args, "-vvv")
    assert result["changed"] is False
    assert SECRET not in result.output


def test_playbook_opens_and_closes_access(emulator, server, awx_env, tmp_path):
    playbook = tmp_path / "access.yml"
    playbook.write_text(
        textwrap.dedent(
            f"""\
            - name: Temporary access
              hosts: localhost
              gather_facts: false
              tasks:
                - name: Open
                  backoffice.dbops.azure_sql_firewall:
                    resource_group: {RG}
                    server_name: {SERVER}
                    ip_echo_url: {emulator.base_url}/echo-ip
                    expires_in: PT20M
                    purge_expired: true
                  register: access
                - name: Work while open
                  ansible.builtin.assert:
                    that:
                      - access.changed
                      - access.rule.start_ip_address == "{ECHO_IP}"
                - name: Close
                  backoffice.dbops.azure_sql_firewall:
                    resource_group: {RG}
                    server_name: {SERVER}
                    state: absent
            """
        )
    )
    completed = subprocess.run(
        [f"{BIN}/ansible-playbook", str(playbook)],
        env=awx_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert re.search(r"localhost\s*: ok=3\s+changed=2\s+unreachable=0\s+failed=0", completed.stdout)
    assert emulator.write_calls == 2
    assert set(server.rules) == {"AllowAllWindowsAzureIps"}


@pytest.mark.parametrize("driver", ["odbc_driver_18", "freetds"])
def test_the_recorded_40615_texts_are_what_the_drivers_say(driver):
    """The unit tests parse tests/unit/.../fixtures/odbc_40615.json: it must stay what the real drivers print."""
    pyodbc = pytest.importorskip("pyodbc")
    recorded = json.loads((Path(ROOT) / "tests/unit/plugins/module_utils/azure/fixtures/odbc_40615.json").read_text())
    gateway = FirewalledSqlGateway("203.0.113.7").start()
    if driver == "odbc_driver_18":
        library = find_bundled_driver()
        if library is None:
            unavailable("Microsoft's ODBC Driver 18 is not installed: run `make setup` (pip mssql-python-odbc)")
        text = f"DRIVER={{{library}}};SERVER={{tcp:127.0.0.1,{gateway.port}}};Encrypt=no;"
    else:
        text = f"DRIVER={{FreeTDS}};SERVER={{127.0.0.1}};PORT={gateway.port};TDS_Version=7.4;Encryption=off;"
    text += "DATABASE={backoffice};UID={app};PWD={x};"
    try:
        with pytest.raises(pyodbc.Error) as refused:
            pyodbc.connect(text, timeout=5)
    finally:
        gateway.stop()
    assert str(refused.value) == recorded[driver]


def azure_env(emulator, home) -> dict:
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "LC_ALL": "C.UTF-8",
        **emulator.awx_credential_environment(),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    }


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"start_ip_address": "1.0.0.0", "end_ip_address": "223.255.255.255"}, "max_addresses allows 256"),
        ({"start_ip_address": "198.51.100.7", "expires_in": "100000d"}, "longer than max_expires_in 1d"),
    ],
)
def test_the_firewall_module_refuses_wide_ranges_and_long_expiries(emulator, tmp_path, extra, said):
    emulator.add_server("rg", "sql")
    emulator.reset_counters()
    result = run_module_in(
        azure_env(emulator, tmp_path),
        "backoffice.dbops.azure_sql_firewall",
        {"resource_group": "rg", "server_name": "sql", **extra},
    )
    assert result.status == "FAILED!" and said in result["msg"], result.output
    assert emulator.write_calls == 0


def test_the_firewall_module_reports_rules_an_earlier_run_left_open(emulator, tmp_path):
    server = emulator.add_server("rg", "sql")
    until = (datetime.now(UTC) + timedelta(minutes=40)).strftime("%Y%m%dT%H%M%SZ")
    left = f"dbops-awx-job-41-until-{until}"
    server.rules[left] = {"startIpAddress": "198.51.100.7", "endIpAddress": "198.51.100.7"}
    try:
        result = run_module_in(
            azure_env(emulator, tmp_path),
            "backoffice.dbops.azure_sql_firewall",
            {"resource_group": "rg", "server_name": "sql", "start_ip_address": "198.51.100.7", "expires_in": "1h"},
        )
    finally:
        server.rules.clear()
    assert result.status == "CHANGED", result.output
    assert [rule["name"] for rule in result["leftover_rules"]] == [left]
