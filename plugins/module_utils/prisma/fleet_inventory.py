# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet p3009_status.yml checks, from the inventory: each database's entry for prisma_migration_status, the
environment it belongs to, and the Azure SQL logical server in front of it; and the servers to open, each once.

Pure: what the playbook's hosts gathered in, what the module and the firewall tasks take out.
"""

from __future__ import annotations

# What prisma_migration_status takes of a database entry (its other keys say where the database is).
ENTRY_KEYS = ("name", "database_url", "migrations_dir", "project_dir")
AZURE_KEYS = ("azure_sql_server", "azure_sql_resource_group", "azure_subscription_id")


class FleetInventoryError(ValueError):
    """An inventory the check cannot use; the message says which database and what to fix."""


def environment_members(
    environment: str, own: dict | None, listed: list, defaults: dict, expected: str | None = None
) -> dict:
    """The databases one host checks: the environment's own (`own`: name and database_url, or None) and `listed`
    (entries of p3009_status_databases), each with the environment's folders and Azure SQL server unless it names
    its own; `expected`: the one database a prisma_databases host stands for, which `listed` must hold. Returns
    `entries` (for the module), `environment_of` (name -> environment) and `access` (one item per database behind an
    Azure SQL server: its name and the server's subscription, resource group and name)."""
    if expected is not None and not any(isinstance(entry, dict) and entry.get("name") == expected for entry in listed):
        raise FleetInventoryError(
            f"{expected} is not in p3009_status_databases of {environment}: update the inventory source (the "
            "prisma_databases inventory lists what the environments listed when it was read)."
        )
    entries, access = [], []
    for index, entry in enumerate(([own] if own else []) + list(listed or [])):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise FleetInventoryError(f"p3009_status_databases[{index}] of {environment} has no name.")
        merged = {key: entry.get(key) or defaults.get(key) for key in (*ENTRY_KEYS, *AZURE_KEYS)}
        entries.append({key: merged[key] for key in ENTRY_KEYS if merged[key]})
        if merged["azure_sql_server"]:
            access.append(
                {
                    "database": merged["name"],
                    "server_name": merged["azure_sql_server"],
                    "resource_group": merged["azure_sql_resource_group"] or "",
                    "subscription_id": merged["azure_subscription_id"] or "",
                }
            )
    return {
        "entries": entries,
        "environment_of": {entry["name"]: environment for entry in entries},
        "access": access,
    }


def servers_to_open(access: list[dict]) -> list[dict]:
    """One item per Azure SQL logical server (subscription, resource group, server), in the order first met, with
    the first database behind it (its rule settings and URL serve the whole server) and how many databases it
    fronts: a rule is opened once per server, never per database."""
    servers: dict[tuple, dict] = {}
    for item in access:
        key = (item.get("subscription_id") or "", item.get("resource_group") or "", item["server_name"])
        if key in servers:
            servers[key]["databases"] += 1
        else:
            servers[key] = {**item, "databases": 1}
    return list(servers.values())
