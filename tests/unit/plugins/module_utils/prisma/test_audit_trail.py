"""The next run's comparison of the history with the last audit record of its environment."""

import json
import os
from datetime import UTC, datetime, timedelta

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.audit_trail import (
    last_record,
    parse_record,
    unaudited_resolves,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import MigrationRecord

T0 = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
NAME = "20201127134938_added_bio_index"


def write(folder, name, **record):
    (folder / name).write_text(json.dumps({"environment": "prod", "at": "2026-03-01T10:00:00Z", **record}))


def test_the_last_record_of_the_environment_is_found_newest_first(tmp_path):
    write(tmp_path, "20260301T090000Z-prod-a.json", at="2026-03-01T09:00:00Z", migration="a")
    write(tmp_path, "20260301T100000Z-prod-b.json", migration="b", after=[{"id": "r1"}], before=[{"id": "r0"}])
    write(tmp_path, "20260301T110000Z-test-c.json", environment="test", at="2026-03-01T11:00:00Z")
    (tmp_path / "20260301T120000Z-prod-broken.json").write_text("{not json")
    (tmp_path / "notes.txt").write_text("not a record")
    os.mkfifo(tmp_path / "20260301T130000Z-prod-fifo.json")
    record = last_record(str(tmp_path), "prod")
    assert record.migration == "b" and record.at == T0 and record.row_ids == {"r0", "r1"}
    assert record.as_dict()["at"] == "2026-03-01T10:00:00Z"
    assert last_record(str(tmp_path), "dev") is None
    assert last_record(str(tmp_path / "none-yet"), "prod") is None


def test_records_that_are_not_ours_are_ignored():
    assert parse_record("x.json", []) is None
    assert parse_record("x.json", {"environment": "prod", "at": "yesterday"}) is None
    assert parse_record("x.json", {"at": "2026-03-01T10:00:00Z"}) is None


def row(row_id, *, started, finished=None, rolled_back=None, steps=1):
    return MigrationRecord(
        row_id, NAME, "c", started, finished_at=finished, rolled_back_at=rolled_back, applied_steps_count=steps
    )


def test_resolves_after_the_last_record_and_not_its_own_are_reported():
    last = parse_record("f.json", {"environment": "prod", "at": "2026-03-01T10:00:00Z", "after": [{"id": "own"}]})
    records = [
        row("old", started=T0 - timedelta(days=1), rolled_back=T0 - timedelta(hours=1)),
        row("own", started=T0 - timedelta(minutes=1), rolled_back=T0 + timedelta(milliseconds=300)),
        row("deployed", started=T0 + timedelta(minutes=1), finished=T0 + timedelta(minutes=1, seconds=1)),
        row("killed", started=T0 + timedelta(minutes=2), rolled_back=T0 + timedelta(minutes=5)),
        row("applied", started=T0 + timedelta(minutes=6), finished=T0 + timedelta(minutes=6), steps=0),
        row("failed", started=T0 + timedelta(minutes=7)),
    ]
    assert unaudited_resolves(records, last) == [
        {"migration_name": NAME, "id": "killed", "resolved_as": "rolled_back", "at": "2026-03-01T10:05:00Z"},
        {"migration_name": NAME, "id": "applied", "resolved_as": "applied", "at": "2026-03-01T10:06:00Z"},
    ]
