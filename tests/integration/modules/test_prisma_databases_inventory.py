"""The backoffice.dbops.prisma_databases inventory plugin: one host per database of the environments' inventory,
with where its URL comes from but never the URL; ansible-doc documents it."""

from __future__ import annotations

import json
import subprocess

from ansible_collections.backoffice.dbops.tests.support.ansible_run import ansible_env
from ansible_collections.backoffice.dbops.tests.support.recovery import BIN, ROOT, write_environments

PASSWORD = "Inv-pass_never-in-output-31"
VAULT_PASSWORD = "vault-for-the-inventory-test"


def encrypted(text: str, folder) -> dict:
    """`text` vault-encrypted, as an inventory keeps a DATABASE_URL (JSON form of a !vault value)."""
    completed = subprocess.run(
        [f"{BIN}/ansible-vault", "encrypt_string", "--vault-password-file", str(folder / "vault"), text],
        env=ansible_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {"__ansible_vault": completed.stdout.split("!vault |", 1)[1].replace("\n          ", "\n").strip() + "\n"}


def plain(value):
    """ansible-inventory's JSON with the strings a plugin sets (never templated: `__ansible_unsafe`) as strings."""
    if isinstance(value, dict):
        return (
            value["__ansible_unsafe"] if set(value) == {"__ansible_unsafe"} else {k: plain(v) for k, v in value.items()}
        )
    return [plain(item) for item in value] if isinstance(value, list) else value


def inventory(folder) -> dict:
    completed = subprocess.run(
        [f"{BIN}/ansible-inventory", "-i", str(folder / "inventory" / "prisma_databases.yml"), "--list",
         "--vault-password-file", str(folder / "vault")],
        env=ansible_env(), cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert PASSWORD not in completed.stdout + completed.stderr
    return plain(json.loads(completed.stdout))


def test_one_host_per_database_with_its_url_reference_never_the_url(tmp_path):
    (tmp_path / "vault").write_text(VAULT_PASSWORD)
    url = f"postgresql://app:{PASSWORD}@db.example.invalid:5432/shop"
    folder = write_environments(
        tmp_path,
        {
            "test": {
                "p3009_recovery_database_url": encrypted(url, tmp_path),
                "p3009_recovery_azure_sql_server": "sql-test",
                "p3009_status_databases": [
                    {"name": "test/tenant-a", "database_url": encrypted(url, tmp_path), "migrations_dir": "/m/a"},
                    {"name": "test/tenant-b", "database_url": encrypted(url, tmp_path), "azure_sql_server": "sql-b"},
                ],
            },
            "prod": {
                "p3009_recovery_database_url_source": "key_vault",
                "p3009_recovery_key_vault_url": "https://kv-prod.vault.azure.net",
                "p3009_recovery_key_vault_secret": "database-url",
            },
        },
    )
    (folder / "prisma_databases.yml").write_text("plugin: backoffice.dbops.prisma_databases\n")
    listed = inventory(tmp_path)
    assert sorted(listed["prisma_databases"]["hosts"]) == ["db/prod", "db/test", "db/test/tenant-a", "db/test/tenant-b"]
    assert sorted(listed["test"]["hosts"]) == ["db/test", "db/test/tenant-a", "db/test/tenant-b"]
    hostvars = listed["_meta"]["hostvars"]
    tenant = hostvars["db/test/tenant-a"]
    assert tenant["p3009_status_database_name"] == "test/tenant-a" and tenant["p3009_status_environment"] == "test"
    assert tenant["p3009_status_url"] == {
        "source": "p3009_status_databases",
        "environment": "test",
        "name": "test/tenant-a",
    }
    assert tenant["p3009_status_migrations_dir"] == "/m/a" and tenant["p3009_status_azure_sql_server"] == "sql-test"
    assert hostvars["db/test/tenant-b"]["p3009_status_azure_sql_server"] == "sql-b"
    assert hostvars["db/test"]["p3009_status_url"] == {
        "source": "inventory",
        "environment": "test",
        "variable": "p3009_recovery_database_url",
    }
    assert hostvars["db/prod"]["p3009_status_url"] == {
        "source": "key_vault",
        "environment": "prod",
        "key_vault_url": "https://kv-prod.vault.azure.net",
        "key_vault_secret": "database-url",
    }
    assert hostvars["db/test"]["ansible_connection"] == "local"


def test_a_name_used_twice_fails_the_inventory_naming_it(tmp_path):
    (tmp_path / "vault").write_text(VAULT_PASSWORD)
    folder = write_environments(
        tmp_path,
        {
            "test": {"p3009_status_databases": [{"name": "shared", "database_url": "file:./a.db"}]},
            "prod": {"p3009_status_databases": [{"name": "shared", "database_url": "file:./b.db"}]},
        },
    )
    (folder / "prisma_databases.yml").write_text("plugin: backoffice.dbops.prisma_databases\n")
    completed = subprocess.run(
        [f"{BIN}/ansible-inventory", "-i", str(folder / "prisma_databases.yml"), "--list"],
        env={**ansible_env(), "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"}, cwd=ROOT, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "Database name shared is used in prod and test: names must be unique." in completed.stderr


def test_ansible_doc_documents_the_plugin():
    completed = subprocess.run(
        [f"{BIN}/ansible-doc", "-t", "inventory", "backoffice.dbops.prisma_databases"],
        env=ansible_env(), cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "environments_inventory" in completed.stdout and "host_prefix" in completed.stdout
