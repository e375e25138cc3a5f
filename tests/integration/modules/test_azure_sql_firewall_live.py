"""azure_sql_firewall against a real Azure SQL server: the emulator scenarios that Azure can reproduce.

Skipped unless these are set (a service principal with SQL Server Contributor on the server):
DBOPS_TEST_AZURE_SUBSCRIPTION_ID, DBOPS_TEST_AZURE_RESOURCE_GROUP, DBOPS_TEST_AZURE_SQL_SERVER,
DBOPS_TEST_AZURE_CLIENT_ID, DBOPS_TEST_AZURE_SECRET, DBOPS_TEST_AZURE_TENANT.
Optional: DBOPS_TEST_AZURE_CLOUD_ENVIRONMENT; DBOPS_TEST_AZURE_DATABASE_URL (a sqlserver:// URL of that server,
for 40615 detection, from a runner the firewall does not already admit); DBOPS_TEST_AZURE_CLOSED_SQL_SERVER (a
server of the same resource group with public network access disabled).
Every rule the tests create is named dbops-livetest-<random>, and removed at the end.
"""

from __future__ import annotations

import os
import uuid

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import resolve_cloud
from ansible_collections.backoffice.dbops.tests.support.ansible_run import BIN, run_module_in

REQUIRED = [
    "DBOPS_TEST_AZURE_SUBSCRIPTION_ID",
    "DBOPS_TEST_AZURE_RESOURCE_GROUP",
    "DBOPS_TEST_AZURE_SQL_SERVER",
    "DBOPS_TEST_AZURE_CLIENT_ID",
    "DBOPS_TEST_AZURE_SECRET",
    "DBOPS_TEST_AZURE_TENANT",
]
MISSING = [name for name in REQUIRED if not os.environ.get(name)]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"live Azure tests need {', '.join(MISSING)}")
MODULE = "backoffice.dbops.azure_sql_firewall"
# Documentation addresses (RFC 5737): harmless to admit, never a real client.
RANGE = ("203.0.113.200", "203.0.113.201")


def setting(name: str) -> str | None:
    return os.environ.get(f"DBOPS_TEST_AZURE_{name}")


@pytest.fixture(scope="module")
def awx_env(tmp_path_factory):
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path_factory.mktemp("home")),
        "LC_ALL": "C.UTF-8",
        "AZURE_SUBSCRIPTION_ID": setting("SUBSCRIPTION_ID"),
        "AZURE_CLIENT_ID": setting("CLIENT_ID"),
        "AZURE_SECRET": setting("SECRET"),
        "AZURE_TENANT": setting("TENANT"),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    }
    if setting("CLOUD_ENVIRONMENT"):
        env["AZURE_CLOUD_ENVIRONMENT"] = setting("CLOUD_ENVIRONMENT")
    return env


@pytest.fixture(scope="module")
def name():
    return f"dbops-livetest-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def server_args():
    return {"resource_group": setting("RESOURCE_GROUP"), "server_name": setting("SQL_SERVER")}


@pytest.fixture(scope="module")
def sql_client():
    """The SDK directly, to see the server's rules independently of the module."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.sql import SqlManagementClient

    cloud = resolve_cloud(setting("CLOUD_ENVIRONMENT"))
    credential = ClientSecretCredential(
        setting("TENANT"), setting("CLIENT_ID"), setting("SECRET"), authority=cloud.authority
    )
    return SqlManagementClient(
        credential, setting("SUBSCRIPTION_ID"), base_url=cloud.resource_manager, credential_scopes=[cloud.scope]
    )


def rules(sql_client) -> dict:
    listed = sql_client.firewall_rules.list_by_server(setting("RESOURCE_GROUP"), setting("SQL_SERVER"))
    return {rule.name: (rule.start_ip_address, rule.end_ip_address) for rule in listed}


@pytest.fixture(scope="module", autouse=True)
def cleanup(awx_env, server_args, name):
    yield
    run_module_in(awx_env, MODULE, {**server_args, "name": name, "state": "absent", "purge_expired": True})


def test_live_create_rerun_check_diff_absent(awx_env, server_args, name, sql_client):
    args = {**server_args, "name": name, "start_ip_address": RANGE[0], "end_ip_address": RANGE[1], "expires_in": "1h"}
    first = run_module_in(awx_env, MODULE, args)
    assert first["changed"] is True, first
    assert rules(sql_client)[first["rule"]["name"]] == RANGE
    assert first["fully_qualified_domain_name"].startswith(setting("SQL_SERVER"))

    again = run_module_in(awx_env, MODULE, args)
    assert again["changed"] is False

    checked = run_module_in(awx_env, MODULE, {**server_args, "name": name, "state": "absent"}, "--check", "--diff")
    assert checked["changed"] is True and checked["deleted"] == [first["rule"]["name"]]
    assert first["rule"]["name"] in rules(sql_client)

    gone = run_module_in(awx_env, MODULE, {**server_args, "name": name, "state": "absent"})
    assert gone["changed"] is True
    assert first["rule"]["name"] not in rules(sql_client)


def test_live_purge_spares_azure_services_and_foreign_rules(awx_env, server_args, name, sql_client):
    expired = f"{name}-until-20000101T000000Z"
    body = {"properties": {"startIpAddress": RANGE[0], "endIpAddress": RANGE[0]}}
    sql_client.firewall_rules.create_or_update(setting("RESOURCE_GROUP"), setting("SQL_SERVER"), expired, body)
    before = rules(sql_client)
    result = run_module_in(
        awx_env,
        MODULE,
        {**server_args, "name": name, "start_ip_address": RANGE[0], "expires_in": "5m", "purge_expired": True},
    )
    after = rules(sql_client)
    assert expired in result["deleted"] and expired not in after
    for rule, addresses in before.items():
        if not rule.startswith("dbops-"):
            assert after.get(rule) == addresses, rule


def test_live_secret_never_in_verbose_output(awx_env, server_args, name):
    result = run_module_in(awx_env, MODULE, {**server_args, "name": name, "state": "absent"}, "-vvv")
    assert setting("SECRET") not in result.output


@pytest.mark.skipif(not setting("DATABASE_URL"), reason="needs DBOPS_TEST_AZURE_DATABASE_URL")
def test_live_40615_detection(awx_env, server_args, name):
    result = run_module_in(
        awx_env, MODULE, {**server_args, "name": name, "database_url": setting("DATABASE_URL"), "expires_in": "10m"}
    )
    assert result["ip_detection"] == "sql_error_40615", result
    assert setting("DATABASE_URL") not in result.output


@pytest.mark.skipif(not setting("CLOSED_SQL_SERVER"), reason="needs DBOPS_TEST_AZURE_CLOSED_SQL_SERVER")
def test_live_closed_server_fails_without_change(awx_env, server_args, name):
    args = {**server_args, "server_name": setting("CLOSED_SQL_SERVER"), "name": name, "start_ip_address": RANGE[0]}
    result = run_module_in(awx_env, MODULE, args)
    assert result.status == "FAILED!" and result["code"] == "PublicNetworkAccessDisabled"
