"""The fleet p3009_status.yml checks from its inventory: each database's entry with its environment's folders and
server unless it names its own, and one firewall rule per Azure SQL logical server."""

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.fleet_inventory import (
    FleetInventoryError,
    environment_members,
    servers_to_open,
)

DEFAULTS = {
    "migrations_dir": "/srv/api/prisma/migrations",
    "project_dir": "",
    "azure_sql_server": "sql-test",
    "azure_sql_resource_group": "rg-test",
    "azure_subscription_id": "sub-1",
}


def test_entries_take_the_environments_folders_and_server_unless_they_name_their_own():
    members = environment_members(
        "test",
        {"name": "test", "database_url": "sqlserver://a"},
        [
            {"name": "test/tenant-a", "database_url": "sqlserver://b", "migrations_dir": "/other"},
            {"name": "test/tenant-b", "database_url": "sqlserver://c", "azure_sql_server": "sql-elsewhere"},
        ],
        DEFAULTS,
    )
    assert members["entries"] == [
        {"name": "test", "database_url": "sqlserver://a", "migrations_dir": "/srv/api/prisma/migrations"},
        {"name": "test/tenant-a", "database_url": "sqlserver://b", "migrations_dir": "/other"},
        {"name": "test/tenant-b", "database_url": "sqlserver://c", "migrations_dir": "/srv/api/prisma/migrations"},
    ]
    assert members["environment_of"] == {"test": "test", "test/tenant-a": "test", "test/tenant-b": "test"}
    assert [(item["database"], item["server_name"]) for item in members["access"]] == [
        ("test", "sql-test"),
        ("test/tenant-a", "sql-test"),
        ("test/tenant-b", "sql-elsewhere"),
    ]
    assert all("database_url" not in item for item in members["access"])


def test_a_database_without_azure_sql_needs_no_rule_and_a_nameless_entry_is_refused():
    members = environment_members("local", {"name": "local", "database_url": "file:./dev.db"}, [], {})
    assert members["access"] == [] and members["entries"] == [{"name": "local", "database_url": "file:./dev.db"}]
    with pytest.raises(FleetInventoryError, match=r"p3009_status_databases\[0\] of test has no name"):
        environment_members("test", None, [{"database_url": "x"}], DEFAULTS)


def test_one_rule_per_logical_server_whatever_the_number_of_databases():
    server = {"server_name": "sql-a", "resource_group": "rg", "subscription_id": "s"}
    access = [{"database": f"db{index}", **server} for index in range(400)]
    access.append({"database": "other", "server_name": "sql-a", "resource_group": "rg", "subscription_id": "s2"})
    access.append({"database": "b", "server_name": "sql-b", "resource_group": "rg", "subscription_id": "s"})
    servers = servers_to_open(access)
    assert [(server["subscription_id"], server["server_name"], server["databases"]) for server in servers] == [
        ("s", "sql-a", 400),
        ("s2", "sql-a", 1),
        ("s", "sql-b", 1),
    ]
    assert servers[0]["database"] == "db0"


def test_a_host_per_database_must_find_its_database_in_the_list():
    listed = [{"name": "test/tenant-a", "database_url": "x"}]
    assert environment_members("test", None, listed, DEFAULTS, "test/tenant-a")["entries"][0]["name"] == "test/tenant-a"
    with pytest.raises(FleetInventoryError, match="test/gone is not in p3009_status_databases of test"):
        environment_members("test", None, listed, DEFAULTS, "test/gone")
