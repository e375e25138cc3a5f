"""Whole-run timings of prisma_migration_info, side by side with its peers.

    .venv/bin/python benchmarks/run.py [--runs N]

1. `ansible localhost -m backoffice.dbops.prisma_migration_info` against `ansible localhost -m ansible.builtin.ping`
   (goal: at most 0.3 s more);
2. the same module on a 10,000-row history against a 10-row one (goal: at most 1.3x);
3. Prisma's own diagnoseMigrationHistory (the referee, through Node) on the same databases, for comparison.

Runs alternate between the commands compared (A B A B ...) after one warm-up each; medians are quoted.
"""

from __future__ import annotations

import argparse
import json
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
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def sqlite_history(path: Path, rows: int) -> None:
    """A history of `rows` applied migrations with the last one failed, stored as Prisma stores it."""
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as connection:
        # Prisma's DDL, as the collection writes it.
        connection.execute(open_database(f"file:{path}").history.create_table)
        start = 1606484978000
        connection.executemany(
            "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, "
            "applied_steps_count) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    str(uuid.uuid4()),
                    f"{index:064x}",
                    None if index == rows - 1 else start + index * 1000 + 40,
                    f"2020{index:010d}_migration_{index}",
                    "Unique constraint failed" if index == rows - 1 else None,
                    start + index * 1000,
                    0 if index == rows - 1 else 1,
                )
                for index in range(rows)
            ],
        )


def ansible(module: str, args: str) -> list[str]:
    return [str(BIN / "ansible"), "localhost", "-m", module, "-a", args]


def measure(commands: dict[str, list[str]], runs: int, env: dict) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 1):
        for name, command in commands.items():
            began = time.perf_counter()
            completed = subprocess.run(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
            )
            elapsed = time.perf_counter() - began
            if completed.returncode != 0:
                raise SystemExit(f"{name} failed: {completed.stderr.decode()[-500:]}")
            if round_number:  # the first round warms caches
                timings[name].append(elapsed)
    return timings


def row(name: str, samples: list[float]) -> str:
    return f"  {name:<58} median {statistics.median(samples):6.3f} s   (min {min(samples):.3f}, max {max(samples):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"

    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.db", Path(folder) / "large.db"
        sqlite_history(small, 10)
        sqlite_history(large, 10_000)
        info = "backoffice.dbops.prisma_migration_info"
        commands = {
            "ansible.builtin.ping": ansible("ansible.builtin.ping", ""),
            "prisma_migration_info, 10-row history": ansible(info, json.dumps({"database_url": f"file:{small}"})),
            "prisma_migration_info, 10,000-row history": ansible(info, json.dumps({"database_url": f"file:{large}"})),
        }
        empty = Path(folder) / "migrations"
        empty.mkdir()
        if referee_available():
            for label, database in (("10-row", small), ("10,000-row", large)):
                commands[f"Prisma diagnoseMigrationHistory, {label} history"] = [
                    sys.executable,
                    "-c",
                    "import sys; from ansible_collections.backoffice.dbops.tests.support.prisma_referee "
                    "import PrismaReferee; PrismaReferee('sqlite', sys.argv[1]).diagnose(sys.argv[2])",
                    f"file:{database}",
                    str(empty),
                ]
        timings = measure(commands, runs, env)

    medians = {name: statistics.median(samples) for name, samples in timings.items()}
    print(f"Whole-process wall time, {runs} runs each after a warm-up, SQLite histories ({os.cpu_count()} cores)")
    for name, samples in timings.items():
        print(row(name, samples))
    overhead = medians["prisma_migration_info, 10-row history"] - medians["ansible.builtin.ping"]
    ratio = medians["prisma_migration_info, 10,000-row history"] / medians["prisma_migration_info, 10-row history"]
    print(f"\n  info minus ping:            {overhead:+.3f} s   (goal <= +0.300 s)")
    print(f"  10,000 rows / 10 rows:      {ratio:.2f}x      (goal <= 1.30x)")
    prisma_large = medians.get("Prisma diagnoseMigrationHistory, 10,000-row history")
    if prisma_large:
        print(f"  Prisma's diagnose, 10,000 rows: {prisma_large:.3f} s (Node process + WASM engine, for comparison)")


if __name__ == "__main__":
    main()
