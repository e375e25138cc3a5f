"""What a database's facts mean for a deploy, one outcome each; and the fleet report in JSON, table and JUnit."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.fleet_input import fleet_members
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import (
    LocalMigration,
    MigrationRecord,
    compute_checksum,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status import (
    COLUMNS,
    FAILING_OUTCOMES,
    OUTCOMES,
    UNCHECKED_OUTCOMES,
    connection_status,
    counts,
    describe_holder,
    history_status,
    identifiers_of,
    lock_wait_status,
    shape_of,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status_report import (
    build_report,
    report_junit,
    report_table,
)

T = datetime(2020, 11, 27, 13, 49, 37, tzinfo=UTC)
PRISMA = shape_of(COLUMNS, [])
HOLDER = {"session": 4711, "application": "prisma-migrate", "client_address": "10.0.0.5", "since": "2026-11-26T10:00Z"}


def applied(name, script="SELECT 1;", offset=0):
    stamp = T + timedelta(seconds=offset)
    return MigrationRecord(str(offset), name, compute_checksum(script), stamp, stamp, None, 1)


def failed(name, offset=0):
    return MigrationRecord(f"f{offset}", name, "c" * 64, T + timedelta(seconds=offset), logs="boom")


def local(*names, script="SELECT 1;"):
    return [LocalMigration(name, script) for name in names]


@pytest.mark.parametrize(
    ("records", "migrations", "holders", "outcome"),
    [
        ([applied("a")], local("a"), [], "ok"),
        ([applied("a")], None, [], "ok"),
        (None, None, [], "ok"),
        ([applied("a")], local("a", "b"), [], "pending"),
        (None, local("a"), [], "pending"),
        ([applied("a", "SELECT 1;")], local("a", script="SELECT 2;"), [], "edited"),
        ([applied("a"), applied("x", offset=1)], local("a"), [], "missing_locally"),
        ([applied("a")], local("a", "b"), [HOLDER], "lock_held"),
        ([applied("a", "SELECT 1;")], local("a", script="SELECT 2;"), [HOLDER], "lock_held"),
        ([applied("a"), failed("b", 1)], local("a", "b"), [HOLDER], "blocked"),
        ([applied("a"), failed("b", 1)], local("a", script="SELECT 2;"), [], "blocked"),
    ],
)
def test_precedence_follows_what_stops_a_deploy_first(records, migrations, holders, outcome):
    shape = PRISMA if records is not None else shape_of([], [])
    assert history_status(records, migrations, holders, shape)["outcome"] == outcome


def test_a_blocked_database_carries_prismas_p3009_text():
    status = history_status([applied("a"), failed("b", 1), failed("b", 2)], local("a", "b"), [], PRISMA)
    assert status["failed_migrations"] == ["b"]
    assert status["p3009_message"].count("The `b` migration started at") == 2
    assert status["detail"] == "deploy stops with P3009: failed b"


def test_the_holder_is_named():
    status = history_status([applied("a")], None, [HOLDER], PRISMA)
    assert status["detail"] == (
        "Prisma's migrate lock is held by session 4711 application prisma-migrate from 10.0.0.5 "
        "since 2026-11-26T10:00Z. "
        "If the deploy that took it is gone, backoffice.dbops.prisma_migration_lock with state: released ends the "
        "holder once it has been idle for min_idle (default 300 s)."
    )


@pytest.mark.parametrize(
    ("columns", "prisma_next", "reason"),
    [
        ([], ["prisma_contract.ledger", "prisma_contract.marker"], "Prisma 8 (Prisma Next)"),
        (COLUMNS, ["_prisma_ledger"], "Prisma 8 (Prisma Next)"),
        (["id", "name", "run_on"], [], "missing columns: checksum, finished_at"),
    ],
)
def test_a_history_that_is_not_prismas_is_named_never_read(columns, prisma_next, reason):
    status = history_status([applied("a")], None, [], shape_of(columns, prisma_next))
    assert status["outcome"] == "unsupported" and reason in status["detail"]


def test_column_names_are_compared_without_case():
    assert shape_of([column.upper() for column in COLUMNS], []).table == "prisma"


def test_connection_outcomes_and_counts():
    refused = connection_status("firewall_closed", "refused", "open it", {"client_ip": "203.0.113.7"})
    unknown = connection_status(None, "too many clients", None, {})
    assert refused["client_ip"] == "203.0.113.7" and unknown["outcome"] == "unreachable"
    tally = counts([refused, unknown, {"outcome": "ok"}])
    assert set(tally) == set(OUTCOMES) and tally["firewall_closed"] == tally["unreachable"] == tally["ok"] == 1


def statuses():
    return [
        {"name": "test", "database": "pg", "outcome": "ok", "detail": "3 migrations, none failed", "elapsed": 0.1},
        {
            "name": "prod",
            "database": "mssql",
            "outcome": "blocked",
            "detail": "deploy stops with P3009: failed b",
            "p3009_message": "migrate found failed migrations <&>",
            "failed_migrations": ["b"],
            "elapsed": 0.2,
        },
        {
            "name": "prod/tenant-a",
            "outcome": "firewall_closed",
            "detail": "40615",
            "hint": "open",
            "client_ip": "1.2.3.4",
        },
    ]


def test_report_is_versioned_and_names_each_environment():
    report = build_report(statuses(), {"test": "test", "prod": "prod", "prod/tenant-a": "prod"}, "2026-11-26T10:00:00Z")
    assert report["schema_version"] == 2
    assert report["environments"] == ["prod", "test"]
    assert report["failing"] == ["prod"] and report["unchecked"] == ["prod/tenant-a"]
    # Sorted by environment, then name, whatever order the databases were checked in.
    assert [entry["name"] for entry in report["databases"]] == ["prod", "prod/tenant-a", "test"]
    assert report["databases"][1]["client_ip"] == "1.2.3.4" and "p3009_message" not in report["databases"][2]
    table = report_table(report)
    assert table.splitlines()[0].split() == ["ENVIRONMENT", "DATABASE", "OUTCOME", "DETAIL"]
    assert table.splitlines()[-1] == "3 databases: 1 ok, 1 blocked, 1 firewall_closed"


def test_junit_has_one_case_per_database_and_fails_the_blocked():
    report = build_report(statuses(), {"test": "test", "prod": "prod", "prod/tenant-a": "prod"}, "2026-11-26T10:00:00Z")
    root = ElementTree.fromstring(report_junit(report))
    cases = root.findall("./testsuite/testcase")
    assert [case.get("name") for case in cases] == ["prod", "prod/tenant-a", "test"]
    assert root.get("tests") == "3" and root.get("failures") == "1" and root.get("errors") == "1"
    assert cases[0].find("failure").get("type") == "blocked"
    assert "<&>" in cases[0].find("failure").text
    assert cases[1].find("error").get("type") == "firewall_closed"
    assert cases[2].find("failure") is None and cases[2].find("error") is None


def params(databases, **extra):
    return {
        "databases": databases,
        "migrations_dir": None,
        "project_dir": None,
        "concurrency": 16,
        "connect_timeout": 10,
        "statement_timeout": 10,
        **extra,
    }


class Module:
    """What AnsibleModule offers for masking: its set of no_log values and warnings."""

    def __init__(self):
        self.no_log_values = set()
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def test_the_list_is_checked_as_a_whole_before_any_database():
    url = "postgresql://app:pw@db/shop"
    with pytest.raises(DbopsError, match="repeated: a"):
        fleet_members(params([{"name": "a", "database_url": url}, {"name": "a", "database_url": url}]), Secrets())
    with pytest.raises(DbopsError, match=r"databases\[b\]: Invalid database_url"):
        fleet_members(params([{"name": "b", "database_url": "mongodb://x"}]), Secrets())
    with pytest.raises(DbopsError, match="concurrency must be at least 1"):
        fleet_members(params([], concurrency=0), Secrets())
    secrets = Secrets()
    (member,) = fleet_members(params([{"name": "a", "database_url": url}]), secrets)
    assert list(secrets) == ["pw"] and member.target.host == "db" and member.migrations is None


def test_passwords_are_masked_by_the_collections_rule_and_names_never():
    module = Module()
    secrets = Secrets(module)
    databases = [
        {"name": "prod", "database_url": "postgresql://app:pw@db/shop"},
        {"name": "badpw", "database_url": "postgresql://app:Long-Enough-Secret-1@db/badpw"},
        {"name": "tenant-Long-Enough-Secret-1", "database_url": "postgresql://app@db/t"},
    ]
    fleet_members(params(databases), secrets)
    # The short password is never registered (Ansible would mask it inside `badpw`), the long one is, except where a
    # database's own name holds it.
    assert not [value for value in module.no_log_values if "pw" in value and len(value) < 8]
    assert "Long-Enough-Secret-1" not in module.no_log_values
    assert [warning for warning in module.warnings if "databases[prod]" in warning]
    assert list(secrets) == ["pw", "Long-Enough-Secret-1"]


def test_the_names_a_report_carries():
    pending = {"name": "badpw", "database": "postgresql app@db:5432/badpw", "outcome": "pending", "pending": ["c"]}
    assert identifiers_of([*statuses(), pending]) == [
        "test",
        "pg",
        "prod",
        "mssql",
        "b",
        "prod/tenant-a",
        "badpw",
        "postgresql app@db:5432/badpw",
        "c",
    ]


def test_the_report_matches_its_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path(__file__).resolve().parents[5] / "docs" / "p3009_status_report.schema.json"
    report = build_report(statuses(), {"test": "test", "prod": "prod", "prod/tenant-a": "prod"}, "2026-11-26T10:00:00Z")
    jsonschema.validate(report, json.loads(schema_path.read_text()))


def test_a_holder_is_dated_by_its_lock_where_known_else_bounded():
    exact = {"session": 7, "since": "2026-11-26T10:00:00.000Z", "since_earliest": "2026-11-26T09:00:00.000Z"}
    bounded = {
        "session": 7,
        "since": None,
        "since_earliest": "2026-11-26T09:00:00Z",
        "since_latest": "2026-11-26T09:05Z",
    }
    assert describe_holder(exact) == "session 7 since 2026-11-26T10:00:00.000Z"
    assert describe_holder(bounded) == "session 7 took it between 2026-11-26T09:00:00Z and 2026-11-26T09:05Z"
    assert describe_holder({"session": 7, "since_latest": "T"}) == "session 7 took it at T or before"
    assert describe_holder({"session": 8, "granted": False, "since": "T"}) == "session 8 queued for it since T"


def test_a_locked_history_is_its_own_outcome_with_its_own_hint():
    holder = {"session": 9, "user": "dba", "granted": True, "since_earliest": "A", "since_latest": "B"}
    status = lock_wait_status("Reading _prisma_migrations waited 10 s for a lock: canceling", [holder])
    assert status["outcome"] == "lock_wait" and status["error_kind"] == "lock_timeout"
    assert status["detail"].endswith("; the table is locked by session 9 user dba took it between A and B")
    assert "ALTER/LOCK TABLE" in status["hint"]
    assert lock_wait_status("waited", [])["detail"] == "waited"
    assert "lock_wait" in UNCHECKED_OUTCOMES and "lock_wait" not in FAILING_OUTCOMES
    assert counts([status])["lock_wait"] == 1
