"""What Prisma writes, for databases and states its engine (the referee) cannot make here.

From Prisma's `sql_migration_persistence.rs`: deploy inserts (id, checksum, started_at, migration_name), then on
success bumps applied_steps_count and sets finished_at, on failure writes logs; a rollback sets rolled_back_at.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum

# The head of the P3018 text Prisma's native engine stores in `logs`, and the span trace it appends (frames vary
# across versions; these are 6.x's).
P3018_HEAD = (
    "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more "
    "about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n"
)
TRACE = (
    '\n   0: sql_schema_connector::apply_migration::apply_script\n           with migration_name="{name}"\n'
    "             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113\n"
)
SPAN_TRACE = (
    "\n   0: sql_schema_connector::apply_migration::apply_script\n"
    '           with migration_name="{name}"\n'
    "             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113\n"
    "   1: schema_commands::commands::apply_migrations::Applying migration\n"
    '           with migration_name="{name}"\n'
    "             at schema-engine/commands/src/commands/apply_migrations.rs:95\n"
    "   2: schema_core::state::ApplyMigrations\n"
    "             at schema-engine/core/src/state.rs:260"
)


def create_history_table(backend) -> None:
    backend.execute(backend.database.history.create_table)


def record(backend, name: str, script: str, *, state: str, started_at: datetime, logs: str | None = None) -> str:
    """One row as Prisma's deploy leaves it: `state` applied, failed, rolled_back or applied_then_rolled_back."""
    history = backend.database.history
    p = history.dialect.placeholder
    row_id = str(uuid.uuid4())
    stamp = history.timestamp_parameter
    backend.execute(
        f"INSERT INTO {history.table} (id, checksum, started_at, migration_name) VALUES ({p}, {p}, {stamp}, {p})",
        (row_id, compute_checksum(script), history.bind_timestamp(started_at), name),
    )
    if state in ("applied", "applied_then_rolled_back"):
        backend.execute(
            f"UPDATE {history.table} SET applied_steps_count = applied_steps_count + 1, finished_at = {stamp} "
            f"WHERE id = {p}",
            (history.bind_timestamp(started_at + timedelta(milliseconds=40)), row_id),
        )
    else:
        backend.execute(f"UPDATE {history.table} SET logs = {p} WHERE id = {p}", (logs or "", row_id))
    if state in ("rolled_back", "applied_then_rolled_back"):
        backend.execute(
            f"UPDATE {history.table} SET rolled_back_at = {stamp} WHERE id = {p}",
            (history.bind_timestamp(started_at + timedelta(seconds=30)), row_id),
        )
    return row_id
