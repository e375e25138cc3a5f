"""Fleet triage: prisma_migration_status over 50, 100 and 200 PostgreSQL databases, side by side with Prisma's own
engine asked the same question database after database (the referee's diagnoseMigrationHistory, one Node process per
database, as an operator running `prisma migrate status` per database would).

    .venv/bin/python benchmarks/status.py [--sizes 50 100 200] [--runs 3]

Goals: at least 5x faster than Prisma's engine in sequence, and linear in the number of databases (the time per
database stays flat). The databases are copies of one Prisma left in the P3009 state, on a throwaway PostgreSQL
server on this machine. Medians are quoted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.backends import postgres
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def execute(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def timed(function) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def our_status(urls: list[str], migrations: Path, env: dict) -> None:
    args = {
        "migrations_dir": str(migrations),
        "databases": [{"name": f"db{index}", "database_url": url} for index, url in enumerate(urls)],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(args, handle)
        handle.flush()
        playbook = [
            {
                "hosts": "localhost",
                "gather_facts": False,
                "tasks": [
                    {
                        "backoffice.dbops.prisma_migration_status": "{{ lookup('file', '"
                        + handle.name
                        + "') | from_json }}",
                        "register": "fleet",
                    },
                    {"ansible.builtin.assert": {"that": [f"fleet.counts.blocked == {len(urls)}"]}},
                ],
            }
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as book:
            json.dump(playbook, book)
            book.flush()
            completed = subprocess.run(
                [str(BIN / "ansible-playbook"), book.name],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
    if completed.returncode != 0:
        raise SystemExit(f"prisma_migration_status failed:\n{completed.stdout[-2000:]}")


def prismas_status(urls: list[str], migrations: Path) -> None:
    for url in urls:
        assert PrismaReferee("postgresql", url).diagnose(migrations)["failedMigrationNames"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    largest = max(options.sizes)
    with postgres.throwaway_server(max_connections=largest + 20) as server, tempfile.TemporaryDirectory() as folder:
        execute(server, 'CREATE DATABASE "template_p3009"')
        template = postgres.PostgresBackend(f"{server}/template_p3009?schema=public", folder)
        migrations = template.p3009(Path(folder))
        for index in range(largest):
            execute(server, f'CREATE DATABASE "fleet_{index}" TEMPLATE "template_p3009"')
        urls = [f"{server}/fleet_{index}?schema=public" for index in range(largest)]
        print(f"Status of N PostgreSQL databases in the P3009 state ({os.cpu_count()} cores), median of {options.runs}")
        header = ("N", "prisma_migration_status", "per db", "Prisma engine, in sequence", "ratio")
        print("  {:>4}  {:>24}  {:>9}  {:>27}  {:>6}".format(*header))
        for size in sorted(options.sizes):
            ours = statistics.median(
                timed(lambda size=size: our_status(urls[:size], migrations, env)) for _run in range(options.runs)
            )
            theirs = timed(lambda size=size: prismas_status(urls[:size], migrations))
            per_database = f"{ours / size * 1000:.1f} ms"
            print(f"  {size:>4}  {ours:>22.2f} s  {per_database:>9}  {theirs:>25.2f} s  {theirs / ours:>5.1f}x")
        print("  goals: ratio >= 5x; time per database flat from the smallest to the largest fleet")


if __name__ == "__main__":
    main()
