"""playbooks/recover_p3009.yml on a SQL Server engine (Babelfish): on an inventory that names the database, and as an
Azure SQL environment behind the gateway that refuses with 40615 until the firewall rule exists (the core of
`make demo-sqlserver`). Prisma's SQL Server history, written as its flavour writes it, is what gets recovered.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.backoffice.dbops.tests.support import prisma_like
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    AZURE_SECRET,
    AZURE_SERVICES_RULE,
    BIO_INDEX,
    GATEWAY_CLIENT_IP,
    playbook_env,
    recover_behind_azure_sql_gateway,
    run_recovery,
    without_registered_drivers,
    write_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.scenarios import sqlserver_fix_data, sqlserver_p3009_database

pytestmark = pytest.mark.mssql


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


def audit_records(folder) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


def fix_the_data(backend) -> None:
    """The runbook's "fix the data": the recovery's preflight refuses to resolve while the duplicates remain."""
    backend.execute(sqlserver_fix_data(backend.target.schema))


def assert_deploy_applies_it(backend, migrations) -> None:
    """Prisma's next deploy re-attempts the migration (no P3009) and, the data being fixed, applies it."""
    assert prisma_like.sqlserver_deploy(backend, migrations)[0] == BIO_INDEX


@pytest.mark.parametrize("driver", ["freetds", "driver18"])
def test_recover_p3009_on_an_inventory_pointing_at_babelfish(tmp_path, make_backend, driver):
    backend = make_backend("sqlserver", driver=driver)
    migrations = sqlserver_p3009_database(backend, tmp_path)
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


def test_azure_sql_runbook_through_the_40615_gateway(tmp_path, make_backend):
    """make demo-sqlserver's core: firewall (a rule for the address the 40615 quotes), identify, resolve, cleanup,
    here with Driver 18 from PyPI. The test gateway offers no TLS (Driver 18 with encrypt=true stops at "Encryption
    not supported" before any login), so the URL says encrypt=false; Driver 18's TLS runs against Babelfish in the
    other suites."""
    backend = make_backend("sqlserver", driver="freetds")  # the plain-text URL; the playbook runs Driver 18
    migrations = sqlserver_p3009_database(backend, tmp_path)
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
