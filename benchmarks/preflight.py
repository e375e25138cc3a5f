"""prisma_migration_preflight for the seed scenario's cause (a unique index over duplicated values) on a
1,000,000-row table, side by side with the bare `GROUP BY ... HAVING count(*) > 1` query run alone.

    .venv/bin/python benchmarks/preflight.py [--runs N] [--rows N]

On PostgreSQL (a throwaway server, or DBOPS_TEST_POSTGRES_URL) and SQLite, each measurement opens its own
connection, in this process (Ansible's start-up, about 1 s, is the same for every module and is shown once apart):

- the bare query: `SELECT "bio", count(*) FROM "User" GROUP BY "bio" HAVING count(*) > 1`, all rows fetched;
- the preflight: history, catalog, the offending-rows query, and the rehearsal (CREATE UNIQUE INDEX on the million
  rows, in a transaction rolled back); goal: at most 2x the bare query;
- the preflight without rehearsal, for comparison.

Runs alternate between the commands compared after one warm-up each; medians are quoted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import open_database
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.run import run_preflight
from ansible_collections.backoffice.dbops.tests.support.backends import postgres
from ansible_collections.backoffice.dbops.tests.support.scenarios import write_migrations

BIN = Path(sys.executable).parent
NAME = "20201127134938_added_bio_index"
BARE = 'SELECT "bio", count(*) FROM "User" GROUP BY "bio" HAVING count(*) > 1'
LOGS = "Unique constraint failed: User_bio_key"


@contextlib.contextmanager
def postgres_database():
    server = os.environ.get("DBOPS_TEST_POSTGRES_URL")
    with contextlib.nullcontext(server) if server else postgres.throwaway_server() as url:
        name = f"dbops_bench_{uuid.uuid4().hex[:8]}"
        admin = connect(f"{url}/postgres")
        admin.autocommit = True
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{url}/{name}"
        finally:
            admin.cursor().execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin.close()


def connect(url: str):
    return open_database(url, "/").connect(read_only=False, lock_timeout=10)


def fill(url: str, rows: int) -> None:
    """ "User" with `rows` distinct bios but two that share one (the seed scenario), and its failed migration."""
    database = open_database(url, "/")
    history, target = database.history, database.target
    connection = connect(url)
    cursor = connection.cursor()
    cursor.execute('CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "email" TEXT NOT NULL, "bio" TEXT)')
    if target.provider == "postgresql":
        cursor.execute(
            "INSERT INTO \"User\" SELECT i, 'u' || i || '@example.com', "
            "CASE WHEN i <= 2 THEN 'same' ELSE md5(i::text) END FROM generate_series(1, %s) AS i",
            (rows,),
        )
    else:
        # The connection is in autocommit mode: one transaction, not a million.
        cursor.execute("BEGIN")
        cursor.executemany(
            'INSERT INTO "User" VALUES (?, ?, ?)',
            ((i, f"u{i}@example.com", "same" if i <= 2 else f"{i:032x}") for i in range(1, rows + 1)),
        )
    cursor.execute(history.create_table)
    p = database.dialect.placeholder
    cursor.execute(
        f"INSERT INTO {history.table} (id, checksum, logs, started_at, migration_name) VALUES ({p}, {p}, {p}, "
        f"{history.timestamp_parameter}, {p})",
        (str(uuid.uuid4()), "0" * 64, LOGS, history.bind_timestamp(history.now()), NAME),
    )
    connection.commit()
    if target.provider == "postgresql":
        connection.autocommit = True
        cursor.execute('VACUUM ANALYZE "User"')
    connection.close()


def bare(url: str) -> None:
    connection = connect(url)
    try:
        cursor = connection.cursor()
        cursor.execute(BARE)
        cursor.fetchall()
        connection.rollback()
    finally:
        connection.close()


def preflight(url: str, migrations: Path, rehearse: bool) -> None:
    result = run_preflight(
        open_database(url, "/", kind=PreflightDatabase),
        migration=NAME,
        migrations_dir=str(migrations),
        rehearse_migration=rehearse,
    )
    assert result["offending"]["count"] == 2, result
    assert not rehearse or result["rehearsal"]["failed_statement_index"] == 1, result


def measure(commands: dict, runs: int) -> dict:
    for command in commands.values():
        command()
    times = {label: [] for label in commands}
    for _run in range(runs):
        for label, command in commands.items():
            started = time.perf_counter()
            command()
            times[label].append(time.perf_counter() - started)
    return {label: statistics.median(values) for label, values in times.items()}


def report(title: str, medians: dict) -> None:
    print(f"\n{title}", flush=True)
    base = medians["bare GROUP BY ... HAVING count(*) > 1"]
    for label, value in medians.items():
        ratio = "" if value is base else f"   {value / base:.2f}x the bare query"
        print(f"  {label:<44} {value:7.3f} s{ratio}", flush=True)


def module_startup() -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN / "ansible"), "localhost", "-m", "ansible.builtin.ping"], capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        migrations = write_migrations(
            Path(folder) / "migrations", "postgresql", {NAME: 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n'}
        )
        lite = write_migrations(
            Path(folder) / "sqlite", "sqlite", {NAME: 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n'}
        )
        with postgres_database() as url:
            fill(url, options.rows)
            report(
                f"PostgreSQL, {options.rows:,} rows (medians of {options.runs})",
                measure(
                    {
                        "bare GROUP BY ... HAVING count(*) > 1": lambda: bare(url),
                        "preflight (offending rows + rehearsal)": lambda: preflight(url, migrations, True),
                        "preflight, rehearse=false": lambda: preflight(url, migrations, False),
                    },
                    options.runs,
                ),
            )
        database = Path(folder) / "bench.db"
        sqlite3.connect(database).close()
        url = f"file:{database}"
        fill(url, options.rows)
        report(
            f"SQLite, {options.rows:,} rows (medians of {options.runs})",
            measure(
                {
                    "bare GROUP BY ... HAVING count(*) > 1": lambda: bare(url),
                    "preflight (offending rows + rehearsal)": lambda: preflight(url, lite, True),
                    "preflight, rehearse=false": lambda: preflight(url, lite, False),
                },
                options.runs,
            ),
        )
    print(f"\n  (any module through `ansible`: + {module_startup():.2f} s of Ansible start-up, ping measured)")


if __name__ == "__main__":
    main()
