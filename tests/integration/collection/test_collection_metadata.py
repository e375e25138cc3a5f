"""What the collection says about itself: the README's install line, the action groups, when each option came, and
the example inventory it ships."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from ansible_collections.backoffice.dbops.tests.support.ansible_run import ansible_env
from ansible_collections.backoffice.dbops.tests.support.recovery import BIN, ROOT

GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py"))
# The options of each module as 0.1.0 documented them (ansible-doc -j at c3cce4a, "CHANGELOG: what 0.1.0 holds").
OPTIONS_0_1_0 = {
    "azure_app_setting_info": {
        "app_name", "auth_source", "client_id", "cloud_environment", "kind", "resource_group", "secret", "setting",
        "slot", "subscription_id", "tenant",
    },
    "azure_keyvault_secret_info": {
        "auth_source", "client_id", "cloud_environment", "name", "secret", "subscription_id", "tenant", "vault_url",
        "version",
    },
    "azure_sql_firewall": {
        "auth_source", "client_id", "cloud_environment", "database_url", "end_ip_address", "expires_in", "ip_echo_url",
        "name", "purge_expired", "resource_group", "secret", "server_name", "start_ip_address", "state",
        "subscription_id", "tenant",
    },
    "prisma_migration_info": {
        "database_url", "entra_auth", "history_limit", "migrations_dir", "odbc_driver", "project_dir",
    },
    "prisma_migration_resolve": {
        "database_url", "entra_auth", "lock_timeout", "migration", "migrations_dir", "odbc_driver", "project_dir",
        "state",
    },
    "wait_for_database": {"database_url", "initial_delay", "max_delay", "project_dir", "timeout"},
}  # fmt: skip


def test_the_readme_installs_the_version_galaxy_yml_names():
    named = re.findall(r"backoffice-dbops-(\d+\.\d+\.\d+)\.tar\.gz", (ROOT / "README.md").read_text())
    assert named and set(named) == {GALAXY["version"]}, named


def test_every_module_is_in_the_all_action_group_and_the_others_are_part_of_it():
    groups = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["action_groups"]
    assert sorted(groups["all"]) == MODULES
    for name, members in groups.items():
        assert set(members) <= set(groups["all"]), name


def test_module_defaults_for_the_all_group_reach_its_modules(tmp_path):
    """Through ansible-playbook: defaults given once for group/backoffice.dbops.all reach two modules of no other
    common group, run_with_database_url and wait_for_database."""
    database = tmp_path / "dev.db"
    database.touch()
    playbook = tmp_path / "all.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "module_defaults": {"group/backoffice.dbops.all": {"database_url": f"file:{database}"}},
                    "tasks": [
                        {"backoffice.dbops.wait_for_database": {"timeout": 5}, "register": "ready"},
                        {"backoffice.dbops.run_with_database_url": {"argv": ["true"]}, "register": "ran"},
                        {"ansible.builtin.assert": {"that": ["ready.attempts == 1", "ran.rc == 0"]}},
                    ],
                }
            ]
        )
    )
    completed = subprocess.run(
        [f"{BIN}/ansible-playbook", str(playbook)],
        cwd=tmp_path, env=ansible_env({"ANSIBLE_LOCALHOST_WARNING": "false"}), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr


def documented(module: str) -> dict:
    completed = subprocess.run(
        [f"{BIN}/ansible-doc", "-j", f"backoffice.dbops.{module}"],
        env=ansible_env(), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(completed.stdout)[f"backoffice.dbops.{module}"]["doc"]


@pytest.mark.parametrize("module", MODULES)
def test_every_option_added_after_0_1_0_says_in_which_version(module):
    doc = documented(module)
    if module not in OPTIONS_0_1_0:
        assert doc["version_added"] not in ("0.1.0", None), "a module added after 0.1.0"
        return
    assert doc["version_added"] == "0.1.0"
    assert OPTIONS_0_1_0[module] <= set(doc["options"]), "an option of 0.1.0 is gone: that needs a breaking change"
    for name in sorted(set(doc["options"]) - OPTIONS_0_1_0[module]):
        option = doc["options"][name]
        assert option.get("version_added") not in (None, "0.1.0"), name
        assert option.get("version_added_collection") == "backoffice.dbops", name


def test_the_example_inventory_runs_the_modules_where_ansible_runs():
    """One group per environment with one runner each, local connection and Ansible's own Python (README), and
    only variables the role documents (no 0.1.0 dbops_* name)."""
    folder = ROOT / "docs" / "examples" / "inventory"
    completed = subprocess.run(
        [f"{BIN}/ansible-inventory", "-i", str(folder), "--list"],
        env=ansible_env(), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    inventory = json.loads(completed.stdout)
    assert set(inventory["all"]["children"]) >= {"test", "prod"}
    specs = yaml.safe_load((ROOT / "roles" / "p3009_recovery" / "meta" / "argument_specs.yml").read_text())
    role_variables = set(specs["argument_specs"]["main"]["options"])
    for group in ("test", "prod"):
        (host,) = inventory[group]["hosts"]
        variables = inventory["_meta"]["hostvars"][host]
        assert variables["ansible_connection"] == "local"
        assert variables["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
        own = {name for name in variables if not name.startswith("ansible_")}
        assert own <= role_variables, own - role_variables
    assert inventory["_meta"]["hostvars"]["prod-runner"]["p3009_recovery_protected"] is True
