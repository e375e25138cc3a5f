"""Shared set-up of the recover_p3009.yml tests: inventories laid out as a user would add an environment, the
playbook's runs, and the ARM emulator standing in for Azure (its firewall, Key Vault, and SQL gateway)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import parse_database_url
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import (
    ArmEmulator,
    FirewalledDatabaseProxy,
    FirewalledSqlGateway,
)
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
PLAYBOOK = "playbooks/recover_p3009.yml"
SUBSCRIPTION = "00000000-0000-4000-8000-0000000000c1"
TENANT = "72f988bf-0000-4000-8000-0000000000c2"
CLIENT_ID = "5f2c7c34-0000-4000-8000-0000000000c3"
AZURE_SECRET = "Az~secret-Never.In_Output-77"
DB_PASSWORD = "Db-pass_never-printed-4711"
RG, SERVER, APP, SECRET_NAME = "rg-backoffice-test", "sql-backoffice-test", "app-backoffice-api-test", "backoffice-db"
ECHO_IP = "198.51.100.23"


def with_password_and_port(url: str, port: int) -> str:
    """The PostgreSQL URL, through `port`, with a password (the throwaway server trusts any)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://postgres:{DB_PASSWORD}@127.0.0.1:{port}{parts.path}?{parts.query}"


def write_inventory(folder: Path, group: str, group_vars: dict) -> Path:
    """An inventory with one environment group, as a user adds one: a group and its group_vars."""
    return write_environments(folder, {group: group_vars})


def write_environments(folder: Path, environments: dict) -> Path:
    """An inventory with one group per environment (each with one runner host) and its group_vars."""
    inventory = folder / "inventory"
    (inventory / "group_vars").mkdir(parents=True, exist_ok=True)
    hosts = {
        "all": {
            "children": {group: {"hosts": {f"{group}-runner": None}} for group in environments},
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        }
    }
    (inventory / "hosts.yml").write_text(json.dumps(hosts))
    for group, group_vars in environments.items():
        (inventory / "group_vars" / f"{group}.yml").write_text(json.dumps(group_vars))
    return inventory


def azure_vars(emulator, **extra) -> dict:
    return {
        "p3009_recovery_azure_sql_resource_group": RG,
        "p3009_recovery_azure_sql_server": SERVER,
        "p3009_recovery_ip_echo_url": f"{emulator.base_url}/echo-ip",
        "p3009_recovery_database_url_source": "key_vault",
        "p3009_recovery_key_vault_url": emulator.vault_url,
        "p3009_recovery_key_vault_secret": SECRET_NAME,
        **extra,
    }


def playbook_env(emulator=None) -> dict:
    env = {
        "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/root"),
        "LC_ALL": "C.UTF-8",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        # The working tree's collection (make setup's link): ansible.cfg names no collections path.
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".collections"),
    }
    if emulator is not None:
        env.update(emulator.awx_credential_environment())
    return env


# -- SQL Server: the runbook against a SQL Server engine, as Azure SQL's gateway stands in front of it ------------

AZURE_SERVICES_RULE = {"AllowAllWindowsAzureIps": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}}
# The address Azure SQL's gateway quotes in its 40615 refusal: unlike the IP echo's, so a rule for it proves the
# firewall module read the refusal.
GATEWAY_CLIENT_IP = "203.0.113.50"


@contextlib.contextmanager
def arm_emulator(directory: str, *, client_secret: str = AZURE_SECRET):
    """The ARM emulator, signed in to as the recovery's service principal, for the length of the block."""
    os.makedirs(directory, exist_ok=True)
    emulator = ArmEmulator(
        directory, tenant=TENANT, client_id=CLIENT_ID, client_secret=client_secret, subscription_id=SUBSCRIPTION
    ).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@contextlib.contextmanager
def azure_sql_gateway(sql_server, database_url: str, *, propagation_delay: float = 1.0):
    """Azure SQL's gateway in front of a real SQL Server: error 40615 for GATEWAY_CLIENT_IP until a rule of the
    emulated `sql_server` covers it (and `propagation_delay` has passed), then the database. Yields the URL through
    the gateway and the proxy (its `refused` count)."""
    target = parse_database_url(database_url)
    refusal = FirewalledSqlGateway(GATEWAY_CLIENT_IP, server_name=SERVER)
    proxy = FirewalledDatabaseProxy(
        sql_server, GATEWAY_CLIENT_IP, (target.host, target.port), propagation_delay, refuse=refusal.refuse
    ).start()
    try:
        yield re.sub(r"^sqlserver://[^;]*", f"sqlserver://127.0.0.1:{proxy.port}", database_url), proxy
    finally:
        proxy.stop()
        refusal.stop()


def without_registered_drivers(folder: Path) -> dict:
    """Environment for an empty unixODBC registry: the modules then use Microsoft's Driver 18 from PyPI."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "odbcinst.ini").write_text("")
    return {"ODBCSYSINI": str(folder)}


def recovery_command(inventory: Path, env: str, migration, *flags: str, verbose: bool = True, **extra) -> list[str]:
    """`ansible-playbook recover_p3009.yml` for one environment and migration (-vvv unless not `verbose`)."""
    command = [f"{BIN}/ansible-playbook", PLAYBOOK, "-i", str(inventory), *(["-vvv"] if verbose else []), *flags]
    return [*command, "-e", json.dumps({"env": env, "migration": migration, **extra})]


def run_recovery(inventory: Path, env: str, migration, *flags: str, environment=None, verbose: bool = True, **extra):
    """Run the playbook to its end; `.output` is stdout and stderr together."""
    completed = subprocess.run(
        recovery_command(inventory, env, migration, *flags, verbose=verbose, **extra),
        cwd=ROOT,
        env=environment or playbook_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    completed.output = completed.stdout + completed.stderr
    return completed


def audit_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


@dataclass
class AzureSqlRecovery:
    """What recover_behind_azure_sql_gateway saw: the playbook run, and the emulated Azure SQL around it."""

    result: subprocess.CompletedProcess
    refused_logins: int
    rules_left: dict
    firewall_writes: int
    audit: list[dict]


def recover_behind_azure_sql_gateway(
    backend, migrations: Path, folder: Path, *, environment: dict | None = None, verbose: bool = True
) -> AzureSqlRecovery:
    """The runbook on an Azure-style environment (make demo-sqlserver's core): the URL in the emulated Key Vault
    points at Azure SQL's emulated gateway in front of `backend`; recover_p3009.yml opens the firewall for the
    address the gateway's 40615 quotes, waits, identifies, resolves BIO_INDEX, closes the firewall, audits."""
    audit = folder / "audit"
    with arm_emulator(str(folder / "arm")) as emulator:
        sql_server = emulator.add_server(RG, SERVER)
        sql_server.rules.update(AZURE_SERVICES_RULE)
        with azure_sql_gateway(sql_server, backend.url) as (gateway_url, proxy):
            emulator.vault_secrets[SECRET_NAME] = gateway_url
            inventory = write_inventory(
                folder,
                "test",
                azure_vars(
                    emulator,
                    p3009_recovery_migrations_dir=str(migrations),
                    p3009_recovery_audit_dir=str(audit),
                    p3009_recovery_ready_timeout=60,
                ),
            )
            result = run_recovery(
                inventory, "test", BIO_INDEX, environment={**playbook_env(emulator), **(environment or {})},
                verbose=verbose,
            )  # fmt: skip
    records = [json.loads(path.read_text()) for path in sorted(audit.glob("*.json"))]
    return AzureSqlRecovery(result, proxy.refused, dict(sql_server.rules), emulator.write_calls, records)
