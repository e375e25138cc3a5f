"""What a repair costs on a large PostgreSQL table, side by side with the same SQL run by hand (the runbook today).

    .venv/bin/python benchmarks/repair.py [--rows N]

On a throwaway PostgreSQL (or DBOPS_TEST_POSTGRES_URL), "Big" holds N rows (1,000,000 by default) whose bios repeat
in pairs. The failed migration added a column, then its unique index on bio failed: partial. For each repair, the
wall time (Prisma's lock to commit: as long as the table's locks are held), the WAL it wrote (pg_wal_lsn_diff) and
whether a sequence moved, next to the inverse or the remaining statement run by hand in one psycopg session:

- revert: DROP COLUMN "nick" (catalog only), then the migration resolved rolled back;
- complete (after the duplicated bios are cleared): CREATE UNIQUE INDEX over every row, then resolved applied.

The repair's own reads (history, catalog, re-derivation inside the lock) are the difference.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from rehearsal_load import postgres_database

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import open_database
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.repair_run import run_repair
from ansible_collections.backoffice.dbops.tests.support.scenarios import write_migrations

NAME = "20240101000000_nick_then_unique_bio"
SCRIPT = 'ALTER TABLE "Big" ADD COLUMN "nick" TEXT;\nCREATE UNIQUE INDEX "Big_bio_key" ON "Big"("bio");\n'
FIX = 'UPDATE "Big" SET "bio" = "bio" || \'-\' || "id" WHERE "id" % 2 = 0'


def build(url: str, rows: int) -> None:
    """ "Big" as the failed migration left it: the column there, the index not; its failed row in the history."""
    history = open_database(url, "/").history
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute('DROP TABLE IF EXISTS "Big"')
        connection.execute(f"DROP TABLE IF EXISTS {history.table}")
        connection.execute(
            'CREATE TABLE "Big" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL, "bio" TEXT, '
            '"balance" INT NOT NULL DEFAULT 10)'
        )
        connection.execute(
            "INSERT INTO \"Big\" (\"email\", \"bio\") SELECT 'u' || i || '@example.com', 'bio ' || (i / 2) "
            "FROM generate_series(1, %s) AS i",
            (rows,),
        )
        connection.execute('VACUUM ANALYZE "Big"')
        connection.execute('ALTER TABLE "Big" ADD COLUMN "nick" TEXT')
        connection.execute(history.create_table)
        connection.execute(
            f"INSERT INTO {history.table} (id, checksum, logs, started_at, migration_name) "
            "VALUES (%s, %s, %s, now(), %s)",
            (str(uuid.uuid4()), "0" * 64, "Unique constraint failed on the fields: (`bio`)", NAME),
        )


def cost(url: str, action) -> tuple[float, int, bool]:
    """(seconds, WAL bytes, whether a sequence moved) of `action()`."""
    with psycopg.connect(url, autocommit=True) as connection:
        lsn = connection.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        sequence = connection.execute('SELECT last_value FROM "Big_id_seq"').fetchone()[0]
        started = time.monotonic()
        action()
        seconds = time.monotonic() - started
        wal = connection.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (lsn,)).fetchone()[0]
        moved = connection.execute('SELECT last_value FROM "Big_id_seq"').fetchone()[0] != sequence
    return seconds, int(wal), moved


def by_hand(url: str, sql: str):
    def run():
        with psycopg.connect(url) as connection:
            connection.execute(sql)

    return run


def repaired(url: str, migrations: Path, repair: str):
    def run():
        result = run_repair(
            open_database(url, "/", kind=PreflightDatabase),
            migration=NAME,
            migrations_dir=str(migrations),
            repair=repair,
            statement_timeout=600,
            repair_timeout=600,
            new_id=lambda: str(uuid.uuid4()),
        )
        assert result["migration_state"] == ("rolled_back" if repair == "revert" else "applied"), result

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    options = parser.parse_args()
    rows = []
    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        migrations = write_migrations(Path(folder) / "migrations", "postgresql", {NAME: SCRIPT})
        for repair, sql in (("revert", 'ALTER TABLE "Big" DROP COLUMN "nick"'), ("complete", None)):
            build(url, options.rows)
            if repair == "complete":
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute(FIX)
                sql = 'CREATE UNIQUE INDEX "Big_bio_key" ON "Big"("bio")'
            ours = cost(url, repaired(url, migrations, repair))
            build(url, options.rows)
            if repair == "complete":
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute(FIX)
            hand = cost(url, by_hand(url, sql))
            rows.append((repair, sql, ours, hand))
    print(f"repair on a {options.rows:,}-row PostgreSQL table      prisma_migration_repair      by hand (same SQL)")
    for repair, _sql, (seconds, wal, moved), (hand_seconds, hand_wal, hand_moved) in rows:
        label = {"revert": 'revert: DROP COLUMN "nick"', "complete": "complete: CREATE UNIQUE INDEX"}[repair]
        print(
            f"{label:<44} {seconds:6.2f} s {wal / 1024:10,.0f} kB WAL   {hand_seconds:6.2f} s {hand_wal / 1024:10,.0f} "
            "kB WAL" + ("   (a sequence moved)" if moved or hand_moved else "")
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
