# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the history shows that the audit trail does not: resolves no audit record accounts for.

A run killed after its resolve committed (the module process outlives a killed ansible-playbook) leaves the history
changed and no audit record. The next run compares the history with the last audit record of its environment: a
row rolled back, or recorded applied by a resolve, after that record was written and not one of its rows, was
resolved by a run that left no record (or outside this collection, e.g. `prisma migrate resolve`).

The audit records are the JSON files the p3009_recovery role writes (`<UTC time>-<environment>-<migration>.json`,
keys `at`, `environment`, `migration`, `action`, `outcome`, `before`, `after`); reading them is the only I/O here.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import MigrationRecord, iso_utc
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrations_directory import read_regular_file

AUDIT_FILE = re.compile(r"^\d{8}T\d{6}Z-.+\.json$")
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
        names = sorted((name for name in os.listdir(directory) if AUDIT_FILE.match(name)), reverse=True)
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
