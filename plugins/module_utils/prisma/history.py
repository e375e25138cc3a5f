# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prisma's migration history as data, and the questions `prisma migrate deploy` asks of it.

Pure: records in, answers out. The vocabulary is Prisma's: a row is applied (finished),
failed (neither finished nor rolled back) or rolled back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

APPLIED = "applied"
FAILED = "failed"
ROLLED_BACK = "rolled_back"
# What each repair of a failed migration resolves it as (prisma_migration_repair, the recovery's gate).
RESOLVED_AS = {"revert": ROLLED_BACK, "complete": APPLIED}

RESOLVE_DOCS = "https://pris.ly/d/migrate-resolve"


@dataclass(frozen=True)
class MigrationRecord:
    """One row of `_prisma_migrations`; timestamps are timezone-aware UTC datetimes."""

    id: str
    migration_name: str
    checksum: str
    started_at: datetime
    finished_at: datetime | None = None
    rolled_back_at: datetime | None = None
    applied_steps_count: int = 0
    logs: str | None = None

    @property
    def state(self) -> str:
        # Prisma looks at rolled_back_at first: a finished row can still be marked rolled back.
        if self.rolled_back_at is not None:
            return ROLLED_BACK
        if self.finished_at is not None:
            return APPLIED
        return FAILED

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "migration_name": self.migration_name,
            "checksum": self.checksum,
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at),
            "rolled_back_at": iso_utc(self.rolled_back_at),
            "applied_steps_count": self.applied_steps_count,
            "logs": self.logs,
            "state": self.state,
        }

    def rolled_back(self, when: datetime) -> MigrationRecord:
        return replace(self, rolled_back_at=when)


@dataclass(frozen=True)
class LocalMigration:
    """A folder `<timestamp>_<name>/migration.sql` of the Prisma migrations directory.

    `script` holds the file's bytes (text is taken as UTF-8); it is None when the folder has no readable
    migration.sql: Prisma still lists the folder. `problem` says why the file cannot be compared with a stored
    checksum (not a regular file, too large, not UTF-8).
    """

    name: str
    script: bytes | str | None
    problem: str | None = None

    @property
    def checksum(self) -> str | None:
        return None if self.script is None or self.problem else compute_checksum(self.script)


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    micros = value.microsecond
    timespec = "seconds" if not micros else "milliseconds" if micros % 1000 == 0 else "microseconds"
    return value.isoformat(timespec=timespec).replace("+00:00", "Z")


CHECKSUM_LENGTH = 64


def _as_bytes(script: bytes | str) -> bytes:
    return script if isinstance(script, bytes) else script.encode("utf-8")


def compute_checksum(script: bytes | str) -> str:
    """What Prisma stores in `checksum`: SHA-256 of the script's bytes (UTF-8), zero-padded lowercase hex."""
    return hashlib.sha256(_as_bytes(script)).hexdigest()


def _legacy_checksum(script: bytes) -> str:
    # An early schema engine rendered each byte with `{:x}`, dropping leading zeros (prisma-engines#1887).
    return "".join(format(byte, "x") for byte in hashlib.sha256(script).digest())


def script_matches_checksum(script: bytes | str, checksum: str) -> bool:
    """Prisma's `script_matches_checksum`: the file as is, CRLF->LF, or LF->CRLF (of the raw file) must hash to
    the stored value; a non-empty stored value that is not 64 characters long is compared in the legacy format."""
    script = _as_bytes(script)
    render = _legacy_checksum if checksum and len(checksum) != CHECKSUM_LENGTH else compute_checksum
    variants = (script, script.replace(b"\r\n", b"\n"), script.replace(b"\n", b"\r\n"))
    return any(render(variant) == checksum for variant in variants)


def failed_migrations(records: list[MigrationRecord]) -> list[MigrationRecord]:
    """The rows that make `prisma migrate deploy` stop with P3009, in history order."""
    return [record for record in records if record.state == FAILED]


def failed_migration_names(records: list[MigrationRecord]) -> list[str]:
    """The names of the failed migrations, once each, in history order."""
    return list(dict.fromkeys(record.migration_name for record in failed_migrations(records)))


def format_prisma_timestamp(value: datetime) -> str:
    """chrono's `DateTime<Utc>` Display, as Prisma prints it: fractions in 0, 3, 6 or 9 digits."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    micros = value.microsecond
    if micros:
        text += f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"
    return text + " UTC"


def p3009_message(failed: list[MigrationRecord]) -> str | None:
    """The message `prisma migrate deploy` prints for these failed rows, or None when it would not stop."""
    if not failed:
        return None
    details = "".join(
        f"The `{record.migration_name}` migration started at {format_prisma_timestamp(record.started_at)} failed\n"
        for record in failed
    )
    return (
        "migrate found failed migrations in the target database, new migrations will not be applied. "
        f"Read more about how to resolve migration issues in a production database: {RESOLVE_DOCS}\n"
        f"{details}"
    )


def pending_migrations(records: list[MigrationRecord], local: list[LocalMigration]) -> list[str]:
    """What deploy would apply: local folders with no row that is not rolled back."""
    live_names = {record.migration_name for record in records if record.rolled_back_at is None}
    return [migration.name for migration in local if migration.name not in live_names]


def first_records(records: list[MigrationRecord]) -> dict[str, MigrationRecord]:
    """The first row of each migration name, in history order."""
    first: dict[str, MigrationRecord] = {}
    for record in records:
        first.setdefault(record.migration_name, record)
    return first


def edited_migrations(records: list[MigrationRecord], local: list[LocalMigration], first=None) -> list[str]:
    """Prisma's diagnose rule: a local migration is edited when the first row with its name (in history
    order, whatever its state) holds a checksum its file does not match. A file that cannot be compared (see
    not_comparable) is never called edited. `first` is first_records(records), when already known."""
    first = first_records(records) if first is None else first
    edited = []
    for migration in local:
        record = first.get(migration.name)
        if record is None or migration.script is None or migration.problem:
            continue
        if not script_matches_checksum(migration.script, record.checksum):
            edited.append(migration.name)
    return edited


def not_comparable(records: list[MigrationRecord], local: list[LocalMigration], first=None) -> list[dict]:
    """Local migrations recorded in the history whose migration.sql cannot be compared with the stored checksum,
    and why: Prisma's checksum is over the file's UTF-8 text, so a file that is not one cannot be judged."""
    recorded = first_records(records) if first is None else first
    return [
        {"migration_name": migration.name, "reason": migration.problem}
        for migration in local
        if migration.problem and migration.name in recorded
    ]


def missing_locally(records: list[MigrationRecord], local: list[LocalMigration], first=None) -> list[str]:
    """Migrations in the history with no folder in the migrations directory (Prisma's
    `unpersistedMigrationNames`), once each, in history order."""
    names = {migration.name for migration in local}
    return [name for name in (first_records(records) if first is None else first) if name not in names]


def migration_state(records: list[MigrationRecord], name: str) -> str:
    """Where one migration stands: `failed` while any of its rows is, else the state of its latest row, or
    `absent` when the history has no row of that name."""
    rows = [record for record in records if record.migration_name == name]
    if not rows:
        return "absent"
    if any(record.state == FAILED for record in rows):
        return FAILED
    return rows[-1].state


def listed(records: list[MigrationRecord], history_limit: int) -> list[dict]:
    """The most recent `history_limit` rows (0: all) as results list them."""
    shown = records[-history_limit:] if history_limit else records
    return [record.as_dict() for record in shown]


def migration_summary(
    records: list[MigrationRecord], name: str, history_limit: int = 0, failed_names: list[str] | None = None
) -> dict:
    """What a playbook asks about one migration, answered here so that it never compares names itself (names in a
    result may be masked by Ansible): its state, its rows, and the other failed migrations that still block."""
    rows = [record for record in records if record.migration_name == name]
    failed_names = failed_migration_names(records) if failed_names is None else failed_names
    return {
        "migration_state": migration_state(rows, name),
        "migration_rows": listed(rows, history_limit),
        "still_blocking": [
            other
            for other in (failed_migration_names(records) if failed_names is None else failed_names)
            if other != name
        ],
    }


def summarize(
    records: list[MigrationRecord] | None,
    local: list[LocalMigration] | None = None,
    history_limit: int = 0,
    migration: str | None = None,
) -> dict:
    """Everything prisma_migration_info reports, from the rows (None: no table) and optional local folders.

    `history_limit` bounds only what is listed of the history, the rows in `migrations` and the names in
    `missing_locally` (the most recent ones; 0 lists all): every answer and count is still computed over the whole
    history. With `migration`, also what migration_summary says of it.
    """
    has_table = records is not None
    records = records or []
    failed = failed_migrations(records)
    failed_names = list(dict.fromkeys(record.migration_name for record in failed))
    shown = listed(records, history_limit)
    summary = {
        "has_migrations_table": has_table,
        "migrations": shown,
        "migrations_count": len(records),
        "migrations_truncated": len(shown) < len(records),
        # `failed` is reserved by Ansible for the task outcome.
        "failed_migrations": [record.as_dict() for record in failed],
        "failed_migration_names": failed_names,
        "blocked": bool(failed),
        "p3009_message": p3009_message(failed),
    }
    if migration is not None:
        summary.update(migration_summary(records, migration, history_limit, failed_names))
    if local is not None:
        first = first_records(records)
        summary["pending"] = pending_migrations(records, local)
        summary["edited"] = edited_migrations(records, local, first)
        summary["not_comparable"] = not_comparable(records, local, first)
        missing = missing_locally(records, local, first)
        # A squashed folder against a long history misses most names: list the latest, count them all.
        summary["missing_locally"] = missing[-history_limit:] if history_limit else missing
        summary["missing_locally_count"] = len(missing)
    return summary
