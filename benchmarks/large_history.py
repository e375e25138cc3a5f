"""Bounded cost on a long history: the modules and the playbook on 10 rows and on 100,000 rows, side by side.

    .venv/bin/python benchmarks/large_history.py [--runs N] [--rows N]

Each history is SQLite, stored as Prisma stores it: applied migrations, then the failed
20201127134938_added_bio_index; the migrations folder is the demo's (so most rows are also `missing_locally`).
1. `prisma_migration_info` with migrations_dir (goal: the 100,000-row run within 2x of the 10-row run);
2. `prisma_migration_resolve` of the failed migration, on a fresh copy each run (goal: within 2x);
3. `recover_p3009.yml` for an environment on that database, on a fresh copy each run (goal: within 2x).
Runs alternate between the two sizes after one warm-up each; medians are quoted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import open_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FAILED = "20201127134938_added_bio_index"
MIGRATIONS = ROOT / "demo" / "prisma" / "migrations"


def history(path: Path, rows: int) -> None:
    """`rows` rows: applied ones, then FAILED failed, in Prisma's storage (epoch milliseconds), over the schema the
    demo's init migration makes (the preflight judges FAILED from the catalog)."""
    with sqlite3.connect(path) as connection:
        connection.executescript((MIGRATIONS / "20201127134937_init" / "migration.sql").read_text())
        connection.execute(open_database(f"file:{path}").history.create_table)
        start = 1577836800000
        connection.executemany(
            "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, "
            "applied_steps_count) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    str(uuid.uuid4()),
                    f"{n:064x}",
                    start + n * 1000 + 40,
                    f"2019{n:010d}_migration_{n}",
                    None,
                    start + n * 1000,
                    1,
                )
                for n in range(rows - 1)
            ]
            + [(str(uuid.uuid4()), "f" * 64, None, FAILED, "Unique constraint failed", start + rows * 1000, 0)],
        )


def inventory(folder: Path, database: Path) -> Path:
    hosts = {
        "all": {
            "children": {"bench": {"hosts": {"bench-runner": None}}},
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        }
    }
    group_vars = {
        "p3009_recovery_database_url": f"file:{database}",
        "p3009_recovery_migrations_dir": str(MIGRATIONS),
        "p3009_recovery_audit_dir": str(folder / "audit"),
    }
    (folder / "group_vars").mkdir(parents=True)
    (folder / "hosts.yml").write_text(json.dumps(hosts))
    (folder / "group_vars" / "bench.yml").write_text(json.dumps(group_vars))
    return folder


def timed(command: list[str], env: dict, prepare=None) -> float:
    if prepare:
        prepare()
    began = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
    )
    elapsed = time.perf_counter() - began
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{completed.stdout.decode()[-2000:]}")
    return elapsed


def compare(label: str, small: tuple, large: tuple, runs: int, env: dict, rows: int) -> float:
    samples: dict[str, list[float]] = {"small": [], "large": []}
    for round_number in range(runs + 1):
        for size, (command, prepare) in (("small", small), ("large", large)):
            elapsed = timed(command, env, prepare)
            if round_number:  # the first round warms caches
                samples[size].append(elapsed)
    small_median, large_median = (statistics.median(samples[size]) for size in ("small", "large"))
    ratio = large_median / small_median
    print(f"  {label + ', 10 rows':<44} median {small_median:6.3f} s   (min {min(samples['small']):.3f})")
    print(f"  {label + f', {rows:,} rows':<44} median {large_median:6.3f} s   (min {min(samples['large']):.3f})")
    print(f"  {'':<44} {ratio:.2f}x the 10-row run   (goal <= 2.00x)")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    options = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update({"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "ANSIBLE_LOCALHOST_WARNING": "false"})

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        templates, working, inventories = {}, {}, {}
        for size, rows in (("small", 10), ("large", options.rows)):
            templates[size] = root / f"{size}-template.db"
            history(templates[size], rows)
            working[size] = root / f"{size}.db"
            shutil.copy(templates[size], working[size])
            inventories[size] = inventory(root / f"inventory-{size}", working[size])

        def fresh(size):
            return lambda: shutil.copy(templates[size], working[size])

        def module(name: str, size: str, **args) -> list[str]:
            arguments = json.dumps({"database_url": f"file:{working[size]}", **args})
            return [str(BIN / "ansible"), "localhost", "-m", f"backoffice.dbops.{name}", "-a", arguments]

        def playbook(size: str) -> list[str]:
            command = [str(BIN / "ansible-playbook"), "playbooks/recover_p3009.yml", "-i", str(inventories[size])]
            return [*command, "-e", json.dumps({"env": "bench", "migration": FAILED})]

        print(f"Whole-process wall time, {options.runs} runs each after a warm-up, SQLite ({os.cpu_count()} cores)")
        ratios = [
            compare(
                "prisma_migration_info (migrations_dir)",
                (module("prisma_migration_info", "small", migrations_dir=str(MIGRATIONS)), None),
                (module("prisma_migration_info", "large", migrations_dir=str(MIGRATIONS)), None),
                options.runs,
                env,
                options.rows,
            ),
            compare(
                "prisma_migration_resolve",
                (module("prisma_migration_resolve", "small", migration=FAILED), fresh("small")),
                (module("prisma_migration_resolve", "large", migration=FAILED), fresh("large")),
                options.runs,
                env,
                options.rows,
            ),
            compare(
                "recover_p3009.yml",
                (playbook("small"), fresh("small")),
                (playbook("large"), fresh("large")),
                max(1, options.runs // 2),
                env,
                options.rows,
            ),
        ]
        print(f"\n  worst ratio: {max(ratios):.2f}x (goal <= 2.00x)")


if __name__ == "__main__":
    main()
