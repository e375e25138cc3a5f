# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide what `prisma migrate resolve` would change, without touching a database.

Mirrors Prisma's `mark_migration_rolled_back` and `mark_migration_applied` commands: the same
checks in the same order, the same rows, the same error codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import PrismaError, no_migrations_table
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import (
    FAILED,
    LocalMigration,
    MigrationRecord,
    failed_migration_names,
)


@dataclass(frozen=True)
class ResolvePlan:
    """The writes one resolve needs; empty when there is nothing left to do."""

    roll_back: list[MigrationRecord] = field(default_factory=list)
    insert: MigrationRecord | None = None
    create_table: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.roll_back or self.insert or self.create_table)


def plan_rolled_back(records: list[MigrationRecord] | None, migration_name: str) -> ResolvePlan:
    """`prisma migrate resolve --rolled-back NAME`; records None means the table does not exist."""
    if records is None:
        raise no_migrations_table()
    relevant = [record for record in records if record.migration_name == migration_name]
    if not relevant:
        failed = ", ".join(f"`{candidate}`" for candidate in failed_migration_names(records)) or "none"
        raise PrismaError.coded("P3011", name=migration_name, failed=failed)
    if all(record.finished_at is not None for record in relevant):
        raise PrismaError.coded("P3012", name=migration_name)
    to_roll_back = [record for record in relevant if record.state == FAILED]
    return ResolvePlan(roll_back=to_roll_back)


def plan_applied(
    records: list[MigrationRecord] | None,
    migration_name: str,
    local_migrations: list[LocalMigration],
    *,
    new_id: str,
    now: datetime,
) -> ResolvePlan:
    """`prisma migrate resolve --applied NAME`; records None means the table does not exist yet."""
    local = next((migration for migration in local_migrations if migration.name == migration_name), None)
    if local is None or (local.script is None and not local.problem):
        raise PrismaError.coded("P3017", name=migration_name)
    if local.problem:
        raise DbopsError(
            f"Migration {migration_name} cannot be recorded as applied: its {local.problem}, so no checksum "
            "can be recorded that Prisma will match.",
            hint="Save migration.sql as a regular UTF-8 text file (as Prisma writes it), then run again.",
            error_kind="migration_file_not_comparable",
        )
    existing = records or []
    relevant = [record for record in existing if record.migration_name == migration_name]
    if any(record.finished_at is not None for record in relevant):
        raise PrismaError.coded("P3008", name=migration_name)
    to_roll_back = [record for record in relevant if record.state == FAILED]
    inserted = MigrationRecord(
        id=new_id,
        migration_name=migration_name,
        checksum=local.checksum,
        started_at=now,
        finished_at=now,
        rolled_back_at=None,
        applied_steps_count=0,
        logs="",
    )
    return ResolvePlan(roll_back=to_roll_back, insert=inserted, create_table=records is None)


def apply_plan(records: list[MigrationRecord] | None, plan: ResolvePlan, now: datetime) -> list[MigrationRecord]:
    """The history after the plan, as the executor will leave it (for diffs and check mode)."""
    ids = {record.id for record in plan.roll_back}
    after = [record.rolled_back(now) if record.id in ids else record for record in records or []]
    if plan.insert is not None:
        after.append(plan.insert)
    return after


def touched_rows_diff(before: list[MigrationRecord] | None, after: list[MigrationRecord], plan: ResolvePlan) -> dict:
    """Ansible's diff of only the rows the plan touches, before and after."""
    import json

    touched = {record.id for record in plan.roll_back}
    if plan.insert is not None:
        touched.add(plan.insert.id)

    def render(records):
        rows = [record.as_dict() for record in records or [] if record.id in touched]
        return json.dumps(rows, indent=2, sort_keys=True) + "\n"

    header = "_prisma_migrations" + (" (table created)" if plan.create_table else "")
    return {
        "before": render(before),
        "after": render(after),
        "before_header": header,
        "after_header": header,
    }
