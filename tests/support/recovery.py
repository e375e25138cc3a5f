"""Shared set-up of the recover_p3009.yml tests: databases Prisma's engine leaves in the P3009 state, inventories
laid out as a user would add an environment, and the ARM emulator standing in for Azure."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, INIT, p3009_database

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
__all__ = ["BIO_INDEX", "INIT", "p3009_database"]


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
    }
    if emulator is not None:
        env.update(emulator.awx_credential_environment())
    return env
