"""Fleet triage beyond one runner: playbooks/p3009_status.yml over 400 databases (SQLite files and databases on a
throwaway PostgreSQL server, in four environments) as one run over the environments' inventory, side by side with
the same fleet as AWX's job slicing runs it - the backoffice.dbops.prisma_databases inventory, one host per
database, 4 slices in parallel through ansible-runner (AWX's slices as --limit) - and the merge of their reports.

    .venv/bin/python benchmarks/status_slices.py [--slices 4] [--environments 4] [--forks 5]

On one machine the slices share its cores, so this measures what slicing costs (a host per database: each slice's
plays run over 100 hosts) rather than what it gains; on AWX each slice runs on its own execution node, so the
wall time of a sliced run is about that of its slowest slice, which the last column shows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.ansible_run import ansible_env
from ansible_collections.backoffice.dbops.tests.support.backends import postgres
from ansible_collections.backoffice.dbops.tests.support.fleet import (
    awx_slices,
    large_fleet,
    runner_artifacts,
    runner_job,
    start_runner,
    write_fleet_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.recovery import BIN, ROOT

PLAYBOOK = "playbooks/p3009_status.yml"


def run_jobs(jobs: list[tuple[Path, Path, list[str] | None]], env: dict) -> tuple[float, list[float]]:
    """Start every job at once; the wall time, and each job's own."""
    began = time.perf_counter()
    running = [(start_runner(job, PLAYBOOK, inventory, env=env, limit=limit), job) for job, inventory, limit in jobs]
    own = []
    for process, job in running:
        process.communicate(timeout=1800)
        status = (runner_artifacts(job) / "status").read_text().strip()
        if status not in ("successful", "failed") or not list(runner_artifacts(job).glob("p3009-status*.json")):
            raise SystemExit(f"{job} did not report:\n{(runner_artifacts(job) / 'stdout').read_text()[-3000:]}")
        own.append(job_seconds(job))
    return time.perf_counter() - began, own


def job_seconds(job: Path) -> float:
    """From the job's first event to its last, as ansible-runner recorded them."""
    events = [json.loads(path.read_text()) for path in (runner_artifacts(job) / "job_events").glob("*.json")]
    stamps = sorted(event["created"] for event in events)
    return (datetime.fromisoformat(stamps[-1]) - datetime.fromisoformat(stamps[0])).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--environments", type=int, default=4)
    parser.add_argument("--forks", type=int, default=5, help="ansible-runner's forks (AWX's default is 5)")
    options = parser.parse_args()
    env = {**ansible_env(), "ANSIBLE_FORKS": str(options.forks)}
    with (
        postgres.throwaway_server(max_connections=40 + 16 * options.slices) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp)
        environments, expected = large_fleet(folder / "fleet", server, options.environments)
        inventory = write_fleet_inventory(folder / "inventory", environments)
        listed = subprocess.run(
            [f"{BIN}/ansible-inventory", "-i", str(inventory / "prisma_databases.yml"), "--list"],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        hosts = json.loads(listed.stdout)["prisma_databases"]["hosts"]
        whole = runner_job(folder / "whole", {"env": "all"})
        unsliced, _own = run_jobs([(whole, inventory / "hosts.yml", None)], env)
        jobs = [runner_job(folder / f"slice{number}", {"env": "all"}) for number in range(1, options.slices + 1)]
        limits = awx_slices(hosts, options.slices)
        sliced, own = run_jobs(
            [(job, inventory / "prisma_databases.yml", limit) for job, limit in zip(jobs, limits, strict=True)], env
        )
        parts = [str(next(runner_artifacts(job).glob("p3009-status-*.json"))) for job in jobs]
        began = time.perf_counter()
        subprocess.run(
            [f"{BIN}/ansible-playbook", "playbooks/p3009_status_merge.yml", "-e", json.dumps({"reports": parts})],
            env={**env, "DBOPS_STATUS_DIR": str(folder / "merged")}, cwd=ROOT, capture_output=True, check=False,
        )  # fmt: skip
        merge = time.perf_counter() - began
        merged = json.loads((folder / "merged" / "p3009-status.json").read_text())
        report = json.loads((runner_artifacts(whole) / "p3009-status.json").read_text())
        same = [{k: v for k, v in e.items() if k != "elapsed"} for e in merged["databases"]] == [
            {k: v for k, v in e.items() if k != "elapsed"} for e in report["databases"]
        ]
    print(
        f"p3009_status.yml over {len(expected)} databases ({os.cpu_count()} cores, forks {options.forks}); "
        f"merged report {'equals' if same else 'DIFFERS FROM'} the unsliced one"
    )
    header = ("unsliced (hosts.yml)", f"{options.slices} slices in parallel", "merge", "slowest slice")
    print("  {:>22}  {:>22}  {:>7}  {:>14}".format(*header))
    print(f"  {unsliced:>20.1f} s  {sliced:>20.1f} s  {merge:>5.1f} s  {max(own):>12.1f} s")
    print("  each slice: " + ", ".join(f"{seconds:.1f} s" for seconds in own))


if __name__ == "__main__":
    main()
