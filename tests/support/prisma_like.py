"""Write history rows the way Prisma's deploy does, for databases the referee cannot drive (MySQL, SQL Server).

From Prisma's `sql_migration_persistence.rs`: deploy inserts (id, checksum, started_at, migration_name), then on
success bumps applied_steps_count and sets finished_at, on failure writes logs; a rollback sets rolled_back_at.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum


def create_history_table(backend) -> None:
    backend.execute(backend.flavour.create_table)


def record(backend, name: str, script: str, *, state: str, started_at: datetime, logs: str | None = None) -> str:
    dialect = backend.flavour
    p = dialect.placeholder
    row_id = str(uuid.uuid4())
    stamp = dialect.timestamp_parameter
    backend.execute(
        f"INSERT INTO {dialect.table} (id, checksum, started_at, migration_name) VALUES ({p}, {p}, {stamp}, {p})",
        (row_id, compute_checksum(script), dialect.bind_timestamp(started_at), name),
    )
    if state in ("applied", "applied_then_rolled_back"):
        backend.execute(
            f"UPDATE {dialect.table} SET applied_steps_count = applied_steps_count + 1, finished_at = {stamp} "
            f"WHERE id = {p}",
            (dialect.bind_timestamp(started_at + timedelta(milliseconds=40)), row_id),
        )
    else:
        backend.execute(f"UPDATE {dialect.table} SET logs = {p} WHERE id = {p}", (logs or "", row_id))
    if state in ("rolled_back", "applied_then_rolled_back"):
        backend.execute(
            f"UPDATE {dialect.table} SET rolled_back_at = {stamp} WHERE id = {p}",
            (dialect.bind_timestamp(started_at + timedelta(seconds=30)), row_id),
        )
    return row_id


# When the seed scenario's first migration started.
START = datetime(2020, 11, 27, 13, 49, 37, 250000, tzinfo=UTC)
SCRIPTS = {
    "20201127134937_init": "CREATE TABLE User (id INT PRIMARY KEY, bio VARCHAR(191));\n",
    "20201127134938_added_bio_index": "CREATE UNIQUE INDEX User_bio_key ON User(bio);\n",
}


def p3009_history(backend) -> dict:
    """The seed scenario: init applied, then the bio index failed on duplicate data."""
    create_history_table(backend)
    start = START
    init = record(backend, "20201127134937_init", SCRIPTS["20201127134937_init"], state="applied", started_at=start)
    failed = record(
        backend,
        "20201127134938_added_bio_index",
        SCRIPTS["20201127134938_added_bio_index"],
        state="failed",
        started_at=start + timedelta(seconds=1),
        logs="A migration failed to apply.\n\nDatabase error code: 1062\n\n"
        "Database error:\nDuplicate entry 'same' for key 'User_bio_key'\n",
    )
    return {"init": init, "failed": failed}
