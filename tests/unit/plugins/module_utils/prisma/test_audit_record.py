"""The audit record and its file name, made where they are read back (audit_trail.py)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.audit_trail import (
    audit_file_name,
    audit_record,
    is_audit_file,
    last_record,
)

AT = datetime(2026, 3, 1, 10, 0, 5, tzinfo=UTC)
NAME = "20201127134938_added_bio_index"
ROW = {"id": "r1", "migration_name": NAME, "logs": "Key (email)=(ann@example.com) already exists."}


def run(**changes):
    return {
        "operator": "  ann  ",
        "environment": "prod",
        "migration": NAME,
        "action": "rolled_back",
        "check_mode": False,
        **changes,
    }


def test_a_resolve_is_recorded_without_row_values():
    record = audit_record(
        AT,
        run(
            awx_job_id=42,
            before={"database": "postgresql://db/app", "migration_rows": [ROW], "still_blocking": ["x"]},
            after={"migration_rows": [{**ROW, "logs": None}], "still_blocking": []},
            plan={"migration_rows": [{"id": "planned"}]},
            resolved=True,
            access={"rule": {"name": "dbops-1"}, "leftover_rules": [{"name": "dbops-0"}]},
            firewall_rule_removed=True,
            preflight={"verdict": "none"},
        ),
    )
    assert record == {
        "operator": "ann",
        "awx_job_id": 42,
        "at": "2026-03-01T10:00:05Z",
        "environment": "prod",
        "migration": NAME,
        "action": "rolled_back",
        "check_mode": False,
        "outcome": "resolved",
        "error": None,
        "error_code": None,
        "error_kind": None,
        "failed_task": None,
        "database": "postgresql://db/app",
        "firewall_rule": "dbops-1",
        "firewall_rule_removed": True,
        "before": [{**ROW, "logs": "Key (email)=([redacted]) already exists."}],
        "after": [{**ROW, "logs": None}],
        "still_blocking": [],
        "unaudited_resolves": [],
        "firewall_leftovers": ["dbops-0"],
        "redeploy": None,
        "preflight": {"verdict": "none"},
        "repair": None,
    }


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [
        ({"failure": "boom", "check_mode": True}, "failed"),
        ({"check_mode": True, "resolved": True}, "dry_run"),
        ({"resolved": True}, "resolved"),
        ({"resolved": False}, "unchanged"),
        ({}, "unchanged"),
    ],
)
def test_the_outcome(changes, outcome):
    assert audit_record(AT, run(**changes))["outcome"] == outcome


def test_a_failure_keeps_its_codes_and_loses_its_values():
    record = audit_record(
        AT,
        run(
            failure='duplicate key value violates unique constraint "User_email_key"\n'
            "DETAIL:  Key (email)=(ann@example.com) already exists.",
            failure_code="P3011",
            failure_kind="unique_violation",
            failed_task="Resolve",
        ),
    )
    assert "ann@example.com" not in record["error"]
    assert record["error_code"] == "P3011" and record["error_kind"] == "unique_violation"
    assert record["failed_task"] == "Resolve"


def test_without_a_history_read_after_the_plan_shows_what_would_change():
    record = audit_record(AT, run(check_mode=True, plan={"migration_rows": [ROW]}, before={"still_blocking": [NAME]}))
    assert [row["id"] for row in record["after"]] == ["r1"]
    assert record["still_blocking"] == [NAME]
    assert record["before"] == [] and record["firewall_rule"] is None and record["firewall_leftovers"] == []


def former_recipe(at: datetime, environment, migration) -> str:
    """The file name the role's Jinja made up to 0.3.0."""
    safe = re.sub("[^A-Za-z0-9_.-]", "_", str(migration))
    digest = "-" + hashlib.sha1(str(migration).encode()).hexdigest()[:12] if len(safe) > 100 else ""
    environment = re.sub("[^A-Za-z0-9_.-]", "_", str(environment))[:40]
    return f"{at.strftime('%Y%m%dT%H%M%SZ')}-{environment}-{safe[:100]}{digest}.json"


@pytest.mark.parametrize(
    ("environment", "migration"),
    [
        ("prod", NAME),
        ("west europe/prod ü", "20260101_ça va; DROP"),
        ("e" * 60, "m" * 100),
        ("prod", "m" * 101),
        ("prod", "ü" * 4000),
    ],
)
def test_file_names_follow_the_recipe_and_are_recognised(environment, migration):
    record = audit_record(AT, run(environment=environment, migration=migration))
    name = audit_file_name(record)
    assert name == former_recipe(AT, environment, migration)
    assert is_audit_file(name) and len(name) <= 16 + 1 + 40 + 1 + 100 + 13 + 5


@pytest.mark.parametrize(
    "name",
    ["notes.txt", "20260301T100000Z.json", "20260301T100000Z-.json", "20260301T1000Z-prod-a.json", "x" * 30 + ".json"],
)
def test_other_files_are_not_audit_records(name):
    assert not is_audit_file(name)


def test_a_record_written_under_its_name_is_read_back(tmp_path):
    record = audit_record(AT, run(after={"migration_rows": [ROW]}))
    (tmp_path / audit_file_name(record)).write_text(json.dumps(record))
    found = last_record(str(tmp_path), "prod")
    assert (found.migration, found.at, found.row_ids) == (NAME, AT, frozenset({"r1"}))
