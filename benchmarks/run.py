"""Whole-run timings of prisma_migration_info, side by side with its peers.

    .venv/bin/python benchmarks/run.py [--runs N]

1. `ansible localhost -m backoffice.dbops.prisma_migration_info` against `ansible localhost -m ansible.builtin.ping`
   (goal: at most 0.15 s more), with what the module costs to load: the Python files Ansible ships in its AnsiballZ
   payload (every module_util it can import, function-level imports included) and the collection's files it imports
   when it runs (only those are compiled);
2. the same module on a 10,000-row history against a 10-row one (goal: at most 1.3x);
3. Prisma's own diagnoseMigrationHistory (the referee, through Node) on the same databases, for comparison.

Runs alternate between the commands compared (A B A B ...) after one warm-up each; medians are quoted.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
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


# Run a module's main() in this interpreter and list the collection's module_utils it imported.
IMPORTED = """
import contextlib, io, json, sys
import ansible.module_utils.basic as basic
basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": json.loads(sys.argv[2])}).encode()
basic._ANSIBLE_PROFILE = "legacy"
module = __import__("ansible_collections.backoffice.dbops.plugins.modules." + sys.argv[1], fromlist=["main"])
with contextlib.redirect_stdout(io.StringIO()):
    try:
        module.main()
    except SystemExit:
        pass
prefix = "ansible_collections.backoffice.dbops.plugins.module_utils."
print(json.dumps(sorted(name[len(prefix):] for name, loaded in sys.modules.items()
                        if name.startswith(prefix) and not getattr(loaded, "__path__", None))))
"""


def payload_files(module: str, args: str, env: dict) -> tuple[int, int]:
    """(Python files in the module's AnsiballZ payload, of them this collection's), from a run that keeps it."""
    with tempfile.TemporaryDirectory() as remote_tmp:
        keep = {**env, "ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": remote_tmp}
        subprocess.run(ansible(module, args), cwd=ROOT, env=keep, capture_output=True, check=False)
        (wrapper,) = Path(remote_tmp).glob("*/AnsiballZ_*.py")
        encoded = re.search(r"^zip_data='([^']*)'", wrapper.read_text(), re.MULTILINE).group(1)
    names = [name for name in zipfile.ZipFile(io.BytesIO(base64.b64decode(encoded))).namelist() if name.endswith(".py")]
    return len(names), sum(name.startswith("ansible_collections/backoffice/") for name in names)


def imported_module_utils(module: str, args: str, env: dict) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", IMPORTED, module, args], cwd=ROOT, env=env, capture_output=True, check=True
    )
    return json.loads(completed.stdout)


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
        small_args = json.dumps({"database_url": f"file:{small}"})
        shipped, shipped_ours = payload_files(info, small_args, env)
        imported = imported_module_utils("prisma_migration_info", small_args, {**os.environ, **env})

    medians = {name: statistics.median(samples) for name, samples in timings.items()}
    print(f"Whole-process wall time, {runs} runs each after a warm-up, SQLite histories ({os.cpu_count()} cores)")
    for name, samples in timings.items():
        print(row(name, samples))
    overhead = medians["prisma_migration_info, 10-row history"] - medians["ansible.builtin.ping"]
    ratio = medians["prisma_migration_info, 10,000-row history"] / medians["prisma_migration_info, 10-row history"]
    print(f"\n  info minus ping:            {overhead:+.3f} s   (goal <= +0.150 s)")
    print(f"  AnsiballZ payload:          {shipped} Python files, {shipped_ours} of this collection")
    print(f"  imported when it runs:      {len(imported)} module_utils files: {', '.join(imported)}")
    print(f"  10,000 rows / 10 rows:      {ratio:.2f}x      (goal <= 1.30x)")
    prisma_large = medians.get("Prisma diagnoseMigrationHistory, 10,000-row history")
    if prisma_large:
        print(f"  Prisma's diagnose, 10,000 rows: {prisma_large:.3f} s (Node process + WASM engine, for comparison)")


if __name__ == "__main__":
    main()
