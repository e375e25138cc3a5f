"""The rehearsal's bound under load: the worst stall a reader and a writer see on a 1,000,000-row PostgreSQL table
while the preflight rehearses a migration, side by side with the idle baseline and rehearsal_timeout + 1 s.

    .venv/bin/python benchmarks/rehearsal_load.py [--rows N] [--rehearsal-timeout S] [--idle S]

On a throwaway PostgreSQL (or DBOPS_TEST_POSTGRES_URL), two sessions run all along, each every 10 ms: a reader
(`SELECT ... WHERE id = <random>`) and a writer (`UPDATE ... SET balance = balance + 1 WHERE id = <random>`), each
timing every query. For each migration the preflight runs in this process (rehearse true, or force where the rules
would skip it); its stall is the longest query of each session that overlapped the preflight. The baseline is the
longest over an idle window (15 s, about as long as the --check run). A third session samples pg_stat_activity every
5 ms: the longest time either session waited for a lock tells the stalls the locks cause from the machine's own
noise. Last, `recover_p3009.yml --check` on a protected environment (the real ansible-playbook): no lock wait, no
stall above the baseline's noise, and no rehearsal (an event trigger counts the DDL commands the database runs,
rolled back or not).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import open_database
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.run import run_preflight
from ansible_collections.backoffice.dbops.tests.support.backends import postgres
from ansible_collections.backoffice.dbops.tests.support.scenarios import write_migrations

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FAILED = "20240101000000_nick_then_unique_bio"
# The migration recover_p3009.yml --check is run for: failed in the history, its data in order.
CHECKED = "20240101000001_two_rewrites"
MIGRATIONS = {
    "20240101000001_two_rewrites": (
        'ALTER TABLE "Big" ALTER COLUMN "n" TYPE BIGINT;\nALTER TABLE "Big" ALTER COLUMN "m" TYPE BIGINT;\n'
    ),
    "20240101000002_own_timeouts_zero": (
        'SET lock_timeout = 0;\nSET statement_timeout = 0;\nALTER TABLE "Big" ALTER COLUMN "n" TYPE BIGINT;\n'
        "SELECT pg_sleep(60);\n"
    ),
    "20240101000003_data_migration": 'UPDATE "Big" SET "balance" = "balance" * 100;\n',
    FAILED: 'ALTER TABLE "Big" ADD COLUMN "nick" TEXT;\nCREATE UNIQUE INDEX "Big_bio_key" ON "Big"("bio");\n',
}
LABELS = {
    "20240101000001_two_rewrites": "two table rewrites",
    "20240101000002_own_timeouts_zero": "SET lock_timeout = 0; statement_timeout = 0; rewrite; sleep",
    "20240101000003_data_migration": "data migration (UPDATE every row)",
    FAILED: "new nullable column, then a failing unique index",
}


@contextlib.contextmanager
def postgres_database():
    server = os.environ.get("DBOPS_TEST_POSTGRES_URL")
    with contextlib.nullcontext(server) if server else postgres.throwaway_server() as url:
        name = f"dbops_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{url}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{url}/{name}"
        finally:
            with psycopg.connect(f"{url}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def fill(url: str, rows: int) -> None:
    """ "Big" with `rows` rows (bio duplicated in pairs, so a unique index on it fails), a DDL probe, and failed rows in
    `_prisma_migrations` for FAILED and CHECKED."""
    history = open_database(url, "/").history
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            'CREATE TABLE "Big" ("id" SERIAL PRIMARY KEY, "n" INT NOT NULL, "m" INT NOT NULL, "email" TEXT NOT NULL, '
            '"bio" TEXT, "balance" INT NOT NULL DEFAULT 10)'
        )
        connection.execute(
            'INSERT INTO "Big" ("n", "m", "email", "bio") SELECT i, i, \'u\' || i || \'@example.com\', '
            "'bio ' || (i / 2) FROM generate_series(1, %s) AS i",
            (rows,),
        )
        connection.execute('VACUUM ANALYZE "Big"')
        connection.execute("CREATE SEQUENCE probe_ddl")
        connection.execute(
            "CREATE FUNCTION probe_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN "
            "PERFORM nextval('probe_ddl'); END $$"
        )
        connection.execute("CREATE EVENT TRIGGER probe_ddl ON ddl_command_start EXECUTE FUNCTION probe_ddl()")
        connection.execute(history.create_table)
        for name, logs in ((FAILED, "Unique constraint failed: Big_bio_key"), (CHECKED, "canceling statement")):
            connection.execute(
                f"INSERT INTO {history.table} (id, checksum, logs, started_at, migration_name) "
                "VALUES (%s, %s, %s, now(), %s)",
                (str(uuid.uuid4()), "0" * 64, logs, name),
            )


def ddl_seen(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        value, called = connection.execute("SELECT last_value, is_called FROM probe_ddl").fetchone()
    return value if called else 0


class Load:
    """A reader and a writer, each every 10 ms on its own session, timing every query; and a monitor session that
    samples every 5 ms whether either is waiting for a lock (pg_stat_activity), which tells a stall the rehearsal's
    locks cause from one the machine's load causes."""

    def __init__(self, url: str, rows: int):
        self.url, self.rows = url, rows
        self.stop = threading.Event()
        self.timings = {"reader": [], "writer": []}
        # role -> [(first sample waiting, last sample waiting)]
        self.lock_waits = {"reader": [], "writer": []}
        self.pids = {}
        self.threads = [
            threading.Thread(target=self._run, args=("reader", 'SELECT "bio" FROM "Big" WHERE "id" = %s'), daemon=True),
            threading.Thread(
                target=self._run,
                args=("writer", 'UPDATE "Big" SET "balance" = "balance" + 1 WHERE "id" = %s'),
                daemon=True,
            ),
            threading.Thread(target=self._monitor, daemon=True),
        ]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _run(self, role: str, query: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            self.pids[connection.info.backend_pid] = role
            while not self.stop.is_set():
                started = time.monotonic()
                connection.execute(query, (random.randint(1, self.rows),))
                self.timings[role].append((started, time.monotonic()))
                time.sleep(0.01)

    def _monitor(self) -> None:
        waiting = {}
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self.stop.is_set():
                now = time.monotonic()
                rows = connection.execute(
                    "SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s) AND wait_event_type = 'Lock'",
                    (list(self.pids),),
                ).fetchall()
                blocked = {self.pids[pid] for (pid,) in rows}
                for role in self.lock_waits:
                    if role in blocked:
                        waiting.setdefault(role, now)
                    elif role in waiting:
                        self.lock_waits[role].append((waiting.pop(role), now))
                time.sleep(0.005)

    def worst(self, start: float, end: float) -> dict[str, float]:
        """The longest query of each session that overlapped [start, end]."""
        return {
            role: max((done - began for began, done in timings if done >= start and began <= end), default=0.0)
            for role, timings in self.timings.items()
        }

    def longest_lock_wait(self, start: float, end: float) -> float:
        """The longest wait for a lock, of either session, that overlapped [start, end] (to 5 ms)."""
        return max(
            (
                done - began
                for waits in self.lock_waits.values()
                for began, done in waits
                if done >= start and began <= end
            ),
            default=0.0,
        )


def preflight(url: str, migrations: Path, name: str, mode, timeout: int) -> dict:
    return run_preflight(
        open_database(url, "/", kind=PreflightDatabase),
        migration=name,
        migrations_dir=str(migrations),
        rehearse_migration=mode,
        rehearsal_timeout=timeout,
    )


def outcome(rehearsal: dict) -> str:
    if not rehearsal["ran"]:
        return "skipped"
    if rehearsal["timed_out"]:
        return f"timed out ({rehearsal['stopped_by']})"
    return "succeeded" if rehearsal["succeeded"] else f"failed ({rehearsal['error_kind']})"


def check_run(url: str, migrations: Path, folder: Path) -> tuple[bool, bool]:
    """recover_p3009.yml --check on a protected environment: (it said it did not rehearse, its exit status was 0)."""
    inventory = folder / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(
        json.dumps(
            {
                "all": {
                    "children": {"bench": {"hosts": {"bench-runner": None}}},
                    "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                }
            }
        )
    )
    (inventory / "group_vars" / "bench.yml").write_text(
        json.dumps(
            {
                "p3009_recovery_database_url": url,
                "p3009_recovery_migrations_dir": str(migrations),
                "p3009_recovery_protected": True,
                "p3009_recovery_preflight_sample_size": 0,
            }
        )
    )
    extra = json.dumps({"env": "bench", "migration": CHECKED, "confirm": CHECKED})
    completed = subprocess.run(
        [f"{BIN}/ansible-playbook", "playbooks/recover_p3009.yml", "-i", str(inventory), "--check", "-e", extra],
        cwd=ROOT,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    output = " ".join((completed.stdout + completed.stderr).split())
    return "Rehearsal: not run: bench is protected" in output, completed.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rehearsal-timeout", type=int, default=10)
    # As long as the --check run, so that the two maxima cover as many queries.
    parser.add_argument("--idle", type=float, default=15.0, help="seconds of the idle baseline")
    options = parser.parse_args()
    timeout = options.rehearsal_timeout
    bound = timeout + 1
    with tempfile.TemporaryDirectory() as folder, postgres_database() as url:
        migrations = write_migrations(Path(folder) / "migrations", "postgresql", MIGRATIONS)
        fill(url, options.rows)
        runs = []
        with Load(url, options.rows) as load:
            time.sleep(1)
            started = time.monotonic()
            time.sleep(options.idle)
            idle_window = (started, time.monotonic())
            for name in MIGRATIONS:
                for mode in (True, "force"):
                    started = time.monotonic()
                    rehearsal = preflight(url, migrations, name, mode, timeout)["rehearsal"]
                    runs.append((LABELS[name], str(mode).lower(), outcome(rehearsal), (started, time.monotonic())))
                    time.sleep(1)
                    if rehearsal["ran"]:
                        break
            before = ddl_seen(url)
            started = time.monotonic()
            said_no_rehearsal, succeeded = check_run(url, migrations, Path(folder))
            window = (started, time.monotonic())
            rehearsed = ddl_seen(url) != before
            runs.append(
                (
                    "recover_p3009.yml --check, protected environment",
                    "gate",
                    f"{'rehearsed!' if rehearsed else 'not rehearsed'}"
                    f"{'' if said_no_rehearsal else ' (output did not say so)'}{'' if succeeded else ', run failed'}",
                    window,
                )
            )
            time.sleep(1)
        # Measured once the sessions have stopped: a query still waiting when a preflight returned counts in full.
        idle, idle_waits = load.worst(*idle_window), load.longest_lock_wait(*idle_window)
        rows = [
            (label, mode, what, end - start, load.worst(start, end), load.longest_lock_wait(start, end))
            for label, mode, what, (start, end) in runs
        ]
    print(
        f"\nWorst stall of a reader and a writer (every 10 ms each) on a {options.rows:,}-row PostgreSQL table, "
        f"rehearsal_timeout = {timeout} s (bound {bound} s)\n"
    )
    print(
        f"  {'migration':<60} {'rehearse':<8} {'rehearsal':<26} {'took':>7} {'reader':>8} {'writer':>8} "
        f"{'lock wait':>9}"
    )
    print(
        f"  {'idle baseline':<60} {'':<8} {'':<26} {options.idle:>6.1f}s {idle['reader']:>7.3f}s "
        f"{idle['writer']:>7.3f}s {idle_waits:>8.3f}s"
    )
    for label, mode, what, seconds, worst, waits in rows:
        print(
            f"  {label:<60} {mode:<8} {what:<26} {seconds:>6.1f}s {worst['reader']:>7.3f}s {worst['writer']:>7.3f}s "
            f"{waits:>8.3f}s"
        )
    worst_stall = max(max(worst.values()) for *_rest, worst, _waits in rows[:-1])
    *_rest, gate, gate_waits = rows[-1]
    print(
        f"\n  worst stall during a rehearsal: {worst_stall:.3f} s (bound {bound} s: "
        f"{'within' if worst_stall <= bound else 'ABOVE'})\n  --check on a protected environment: reader "
        f"{gate['reader']:.3f} s, writer {gate['writer']:.3f} s, longest lock wait {gate_waits:.3f} s; idle: "
        f"{idle['reader']:.3f} s, {idle['writer']:.3f} s, {idle_waits:.3f} s"
    )


if __name__ == "__main__":
    main()
