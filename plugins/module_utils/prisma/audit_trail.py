# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the history shows that the audit trail does not: resolves no audit record accounts for.

A run killed after its resolve committed (the module process outlives a killed ansible-playbook) leaves the history
changed and no audit record. The next run compares the history with the last audit record of its environment: a
row rolled back, or recorded applied by a resolve, after that record was written and not one of its rows, was
resolved by a run that left no record (or outside this collection, e.g. `prisma migrate resolve`).

The audit records are JSON files the p3009_recovery role writes: their keys and their names are made here
(audit_record, audit_file_name; filters p3009_recovery_audit_record and p3009_recovery_audit_file), and read back here
(last_record). Reading them is the only I/O.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import (
    rows_without_values,
    without_values,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import MigrationRecord, iso_utc
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrations_directory import read_regular_file

# An audit file's name: `<UTC time>-<environment>-<migration>.json`, the time first so that names sort by it.
FILE_TIME = "%Y%m%dT%H%M%SZ"
RECORD_TIME = "%Y-%m-%dT%H:%M:%SZ"
STAMP_CHARS = len("20260301T100000Z")
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_.-]")
# Bounded whatever the names (a 4,000-character migration name once made the write fail): a long migration name is
# cut and told apart by a digest of the whole.
ENVIRONMENT_CHARS = 40
MIGRATION_CHARS = 100
DIGEST_CHARS = 12
MAX_RECORD_BYTES = 4 * 1024 * 1024
# Records of other environments may share the folder; the search for this one's last record stops here.
MAX_RECORDS_READ = 500


@dataclass(frozen=True)
class AuditRecord:
    file: str
    at: datetime
    environment: str
    migration: str | None = None
    action: str | None = None
    outcome: str | None = None
    row_ids: frozenset[str] = field(default_factory=frozenset)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "at": iso_utc(self.at),
            "migration": self.migration,
            "action": self.action,
            "outcome": self.outcome,
        }


def audit_record(at: datetime, run: dict) -> dict:
    """The audit record of one run of the role at `at` (aware), without any secret: `run` holds what the role knows
    at its end (its inputs, and the results it registered; a result of a task that did not run is empty or
    absent)."""
    before, after, plan = run.get("before") or {}, run.get("after") or {}, run.get("plan") or {}
    access = run.get("access") or {}
    failure = run.get("failure")
    if failure is not None:
        outcome = "failed"
    elif run["check_mode"]:
        outcome = "dry_run"
    else:
        outcome = "resolved" if run.get("resolved") else "unchanged"
    return {
        "operator": str(run["operator"]).strip(),
        "awx_job_id": run.get("awx_job_id"),
        "at": at.astimezone(UTC).strftime(RECORD_TIME),
        "environment": run["environment"],
        "migration": run["migration"],
        "action": run["action"],
        "check_mode": run["check_mode"],
        "outcome": outcome,
        # Codes as they are; database texts without the data values they quote.
        "error": without_values(failure),
        "error_code": run.get("failure_code"),
        "error_kind": run.get("failure_kind"),
        "failed_task": run.get("failed_task"),
        "database": before.get("database"),
        "firewall_rule": (access.get("rule") or {}).get("name"),
        "firewall_rule_removed": bool(run.get("firewall_rule_removed")),
        "before": rows_without_values(before.get("migration_rows", [])),
        "after": rows_without_values(
            after["migration_rows"] if "migration_rows" in after else plan.get("migration_rows", [])
        ),
        "still_blocking": after["still_blocking"] if "still_blocking" in after else before.get("still_blocking", []),
        # What earlier runs left behind: resolves without an audit record, firewall rules still open.
        "unaudited_resolves": before.get("unaudited_resolves", []),
        "firewall_leftovers": [rule["name"] for rule in access.get("leftover_rules", [])],
        "redeploy": run.get("redeploy"),
        # Cause kind, offending count, verdict and rehearsal outcome; never a sample value.
        "preflight": run.get("preflight"),
        "repair": repair_record(run, outcome),
    }


def repair_record(run: dict, outcome: str) -> dict | None:
    """Which repair ran, the SHA-256 and statement count of its script, the statements it repaired and how it ended;
    never the script's text (its literals can be data)."""
    kind = run.get("repair_kind")
    if not kind:
        return None
    done = run.get("repair") or {}
    if done.get("failed"):
        ended = "failed"
    elif not done or done.get("skipped"):
        ended = "not_run"
    else:
        ended = "dry_run" if outcome == "dry_run" else "done"
    return {
        "kind": kind,
        "sha256": done.get("sha256"),
        "statement_count": done.get("statement_count"),
        "statements": done.get("statements", []),
        "ran": done.get("ran", []),
        "outcome": ended,
        "error_kind": done.get("error_kind"),
    }


def audit_file_name(record: dict) -> str:
    """The file an audit record is written to, named by its time, environment and migration."""
    at = datetime.strptime(record["at"], RECORD_TIME)
    environment = _NOT_IN_NAMES.sub("_", str(record["environment"]))[:ENVIRONMENT_CHARS]
    migration = str(record["migration"])
    name = _NOT_IN_NAMES.sub("_", migration)
    digest = f"-{hashlib.sha1(migration.encode()).hexdigest()[:DIGEST_CHARS]}" if len(name) > MIGRATION_CHARS else ""
    return f"{at.strftime(FILE_TIME)}-{environment}-{name[:MIGRATION_CHARS]}{digest}.json"


def is_audit_file(name: str) -> bool:
    """Whether a file name is one audit_file_name makes."""
    stamp, rest = name[:STAMP_CHARS], name[STAMP_CHARS:]
    if not rest.startswith("-") or not rest.endswith(".json") or len(rest) <= len("-.json"):
        return False
    try:
        return datetime.strptime(stamp, FILE_TIME).strftime(FILE_TIME) == stamp
    except ValueError:
        return False


def parse_record(file: str, data) -> AuditRecord | None:
    """An audit record from its JSON, or None when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("at"), str) or not data.get("environment"):
        return None
    try:
        at = datetime.fromisoformat(data["at"].replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
    rows = [row for key in ("before", "after") for row in data.get(key) or [] if isinstance(row, dict)]
    return AuditRecord(
        file=file,
        at=at,
        environment=str(data["environment"]),
        migration=data.get("migration"),
        action=data.get("action"),
        outcome=data.get("outcome"),
        row_ids=frozenset(str(row["id"]) for row in rows if row.get("id") is not None),
    )


def last_record(directory: str, environment: str) -> AuditRecord | None:
    """The newest audit record of `environment` in `directory` (None when there is none, or no folder yet).

    File names start with the UTC time, so the newest come first; unreadable or foreign files are skipped.
    """
    try:
        names = sorted((name for name in os.listdir(directory) if is_audit_file(name)), reverse=True)
    except OSError:
        return None
    for name in names[:MAX_RECORDS_READ]:
        content, _problem = read_regular_file(os.path.join(directory, name), MAX_RECORD_BYTES)
        if content is None:
            continue
        try:
            record = parse_record(name, json.loads(content))
        except ValueError:
            continue
        if record is not None and record.environment == environment:
            return record
    return None


def _resolved_by(record: MigrationRecord) -> tuple[str, datetime] | None:
    """How and when a resolve wrote this row, if one did: `rolled_back` sets rolled_back_at; `applied` inserts a
    row whose start and finish are the same instant with no step applied (a deploy applies at least one)."""
    if record.rolled_back_at is not None:
        return "rolled_back", record.rolled_back_at
    if record.finished_at is not None and record.finished_at == record.started_at and not record.applied_steps_count:
        return "applied", record.started_at
    return None


def unaudited_resolves(records: list[MigrationRecord], last: AuditRecord) -> list[dict]:
    """Resolves in the history after the last audit record was written, other than its own rows."""
    # `at` is written in whole seconds, rounded down: a resolve in that second is after it too.
    found = []
    for record in records:
        resolved = _resolved_by(record)
        if resolved is None or record.id in last.row_ids or resolved[1] < last.at:
            continue
        found.append(
            {
                "migration_name": record.migration_name,
                "id": record.id,
                "resolved_as": resolved[0],
                "at": iso_utc(resolved[1]),
            }
        )
    return found
