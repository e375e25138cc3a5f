# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: prisma_databases
short_description: One inventory host per Prisma database of the fleet, for checks AWX can slice
version_added: 0.3.0
description:
  - Reads the environments inventory of C(playbooks/p3009_status.yml) and C(playbooks/recover_p3009.yml) (one group
    per environment, with its group_vars - C(p3009_recovery_*) and C(p3009_status_databases)) and makes one host per
    database - the environment's own database, named after the environment, and each entry of its
    C(p3009_status_databases), named as the entry.
  - Each host is in the group C(prisma_databases) and in its environment's group, so that environment's group_vars
    (C(group_vars/<environment>.yml) beside this file) apply to it when a playbook runs, with the variables the
    environments inventory sets itself (such as C(ansible_connection=local)); C(playbooks/p3009_status.yml)
    then checks the databases one host each, and AWX's job slicing (C(job_slice_count)) spreads them over its
    execution nodes, as C(--limit) does on the command line.
  - Connection strings are never read, decrypted or copied into the inventory - the host variables say where the
    URL comes from (C(p3009_status_url)); the playbook reads it at run time as the recovery does.
  - Host variables - C(p3009_status_database_name), C(p3009_status_environment), C(p3009_status_url),
    C(p3009_status_migrations_dir) and C(p3009_status_project_dir) (only when an entry names its own; otherwise the
    environment's C(p3009_recovery_migrations_dir) and C(p3009_recovery_project_dir) apply),
    C(p3009_status_azure_sql_server), C(p3009_status_azure_sql_resource_group) and C(p3009_status_azure_subscription_id)
    (an entry's own C(azure_sql_server), C(azure_sql_resource_group) and C(azure_subscription_id), else the
    environment's C(p3009_recovery_azure_*); empty without Azure SQL).
author:
  - Backoffice platform team (@backoffice-platform)
options:
  plugin:
    description: This plugin's name, so that Ansible picks it for the file.
    type: str
    required: true
    choices: [backoffice.dbops.prisma_databases]
  environments_inventory:
    description:
      - The environments inventory (one group per environment), relative to this file; its group_vars/ folder is
        read through Ansible's vars plugins, as a playbook run would.
    type: str
    default: hosts.yml
  environments:
    description: Only these environments; all the inventory's groups when empty.
    type: list
    elements: str
    default: []
  host_prefix:
    description:
      - Put before each database's name to make its host name, so that no host is named like its environment's
        group (Ansible warns when a host and a group share a name).
    type: str
    default: db/
notes:
  - The file's name must end with C(prisma_databases.yml) or C(prisma_databases.yaml).
  - Give it as an inventory source of its own, never inside a folder given whole as the inventory beside the
    environments' C(hosts.yml) - its hosts would join the environments' groups that C(playbooks/recover_p3009.yml)
    runs on.
  - Database names must be unique across the environments; a repeated name fails the inventory, naming it.
"""

EXAMPLES = r"""
# inventories/prisma_databases.yml, beside hosts.yml and group_vars/:
plugin: backoffice.dbops.prisma_databases

# Then, as AWX's job slicing would with job_slice_count 4 (hosts sorted by name, every 4th):
#   ansible-inventory -i inventories/prisma_databases.yml --graph
#   ansible-playbook backoffice.dbops.p3009_status -i inventories/prisma_databases.yml --limit 'db/test*'
"""

import os

from ansible.errors import AnsibleParserError
from ansible.inventory.manager import InventoryManager
from ansible.plugins.inventory import BaseInventoryPlugin
from ansible.utils.vars import combine_vars
from ansible.vars.plugins import get_vars_from_inventory_sources

GROUP = "prisma_databases"
# What says where an environment's own DATABASE_URL comes from, per source (never the URL itself).
URL_REFERENCE = {
    "inventory": (),
    "key_vault": ("p3009_recovery_key_vault_url", "p3009_recovery_key_vault_secret"),
    "app_service": (
        "p3009_recovery_app_resource_group",
        "p3009_recovery_app_name",
        "p3009_recovery_app_setting",
        "p3009_recovery_app_setting_kind",
        "p3009_recovery_app_slot",
    ),
}
AZURE = ("azure_sql_server", "azure_sql_resource_group", "azure_subscription_id")


def url_reference(environment: str, environment_vars: dict, listed_name: str | None = None) -> dict:
    """Where a database's URL is read from at run time, in words and names only."""
    if listed_name is not None:
        return {"source": "p3009_status_databases", "environment": environment, "name": listed_name}
    source = str(environment_vars.get("p3009_recovery_database_url_source") or "inventory")
    reference = {"source": source, "environment": environment}
    if source == "inventory":
        reference["variable"] = "p3009_recovery_database_url"
    for key in URL_REFERENCE.get(source, ()):
        if environment_vars.get(key) not in (None, ""):
            reference[key.removeprefix("p3009_recovery_")] = environment_vars[key]
    return reference


def database_hosts(environment: str, environment_vars: dict) -> list[dict]:
    """The databases of one environment, as host variables (no URL, no password)."""
    azure = {key: environment_vars.get(f"p3009_recovery_{key}") or "" for key in AZURE}
    hosts = [
        {
            "p3009_status_database_name": environment,
            "p3009_status_environment": environment,
            "p3009_status_url": url_reference(environment, environment_vars),
            **{f"p3009_status_{key}": value for key, value in azure.items()},
        }
    ]
    listed = environment_vars.get("p3009_status_databases") or []
    if not isinstance(listed, list):
        raise AnsibleParserError(f"p3009_status_databases of {environment} must be a list of databases.")
    for index, entry in enumerate(listed):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise AnsibleParserError(f"p3009_status_databases[{index}] of {environment} has no name.")
        host = {
            "p3009_status_database_name": str(entry["name"]),
            "p3009_status_environment": environment,
            "p3009_status_url": url_reference(environment, environment_vars, str(entry["name"])),
            **{f"p3009_status_{key}": entry.get(key) or value for key, value in azure.items()},
        }
        for key in ("migrations_dir", "project_dir"):
            if entry.get(key):
                host[f"p3009_status_{key}"] = entry[key]
        hosts.append(host)
    return hosts


class InventoryModule(BaseInventoryPlugin):
    NAME = "backoffice.dbops.prisma_databases"

    def verify_file(self, path):
        return super().verify_file(path) and os.path.basename(path).endswith(
            ("prisma_databases.yml", "prisma_databases.yaml")
        )

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        folder = os.path.dirname(os.path.abspath(path))
        source = os.path.join(folder, os.path.expanduser(self.get_option("environments_inventory")))
        if not os.path.exists(source):
            raise AnsibleParserError(f"environments_inventory {source} does not exist.")
        environments = InventoryManager(loader=loader, sources=[source])
        wanted = self.get_option("environments")
        groups = [
            group
            for name, group in sorted(environments.groups.items())
            if name not in ("all", "ungrouped") and (not wanted or name in wanted)
        ]
        missing = sorted(set(wanted) - {group.name for group in groups})
        if missing:
            raise AnsibleParserError(f"No such environment in {source}: {', '.join(missing)}.")
        self.inventory.add_group(GROUP)
        # Variables written in the environments inventory itself (ansible_connection: local, ...) come along; its
        # group_vars/ folder applies at run time by itself, being beside this file.
        for key, value in environments.groups["all"].get_vars().items():
            self.inventory.set_variable("all", key, value)
        seen = {}
        for group in groups:
            variables = combine_vars(
                group.get_vars(), get_vars_from_inventory_sources(loader, [source], [group], "all")
            )
            self.inventory.add_group(group.name)
            for key, value in group.get_vars().items():
                self.inventory.set_variable(group.name, key, value)
            for host_vars in database_hosts(group.name, variables):
                name = host_vars["p3009_status_database_name"]
                if name in seen:
                    raise AnsibleParserError(
                        f"Database name {name} is used in {seen[name]} and {group.name}: names must be unique."
                    )
                seen[name] = group.name
                host = self.inventory.add_host(self.get_option("host_prefix") + name, group=GROUP)
                self.inventory.add_child(group.name, host)
                for key, value in host_vars.items():
                    self.inventory.set_variable(host, key, value)
