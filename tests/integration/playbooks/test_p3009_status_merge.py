"""A fleet too large for one runner, checked as AWX's job slicing checks it: 200 databases (SQLite files and
databases on one throwaway PostgreSQL server) as 4 slices of the backoffice.dbops.prisma_databases inventory, run in
parallel through ansible-runner with AWX's slices as --limit, merged by playbooks/p3009_status_merge.yml: the same
report as one unsliced run over the environments' inventory. Reports land in each job's artifacts folder."""

from __future__ import annotations

import json
import subprocess
from xml.etree import ElementTree

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import ansible_env
from ansible_collections.backoffice.dbops.tests.support.backends import postgres, unavailable
from ansible_collections.backoffice.dbops.tests.support.fleet import (
    awx_slices,
    large_fleet,
    runner_artifacts,
    runner_job,
    start_runner,
    write_fleet_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import BIN, ROOT

SCHEMA = json.loads((ROOT / "docs" / "p3009_status_report.schema.json").read_text())
SLICES = 4


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """200 databases in 2 environments, and the outcome each must get (benchmarks/status_slices.py times 4 slices of
    larger fleets)."""
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")
    if postgres.server_unavailable():
        unavailable(postgres.server_unavailable())
    folder = tmp_path_factory.mktemp("fleet")
    # 4 slices check 16 databases at a time each: room for them all.
    with postgres.throwaway_server(max_connections=120) as server:
        environments, expected = large_fleet(folder, server, environments=2)
        yield write_fleet_inventory(folder / "inventory", environments), expected


def comparable(report: dict) -> dict:
    """A report without what differs from run to run: when it ran, how long each database took."""
    databases = [{key: value for key, value in entry.items() if key != "elapsed"} for entry in report["databases"]]
    return {**{key: value for key, value in report.items() if key != "generated_at"}, "databases": databases}


def finished(process, job) -> None:
    """The job ran to its verdict: failed, as it must with blocked databases in every slice."""
    _stdout, stderr = process.communicate(timeout=900)
    output = (runner_artifacts(job) / "stdout").read_text()
    assert (runner_artifacts(job) / "status").read_text().strip() == "failed", stderr + output
    assert "database(s) stop a deploy: " in output, output


def test_four_parallel_slices_merge_into_the_report_of_one_run(fleet, tmp_path):
    inventory, expected = fleet
    assert len(expected) == 200
    env = ansible_env()
    whole = runner_job(tmp_path / "whole", {"env": "all", "awx_job_id": 100})
    unsliced = start_runner(whole, "playbooks/p3009_status.yml", inventory / "hosts.yml", env=env)
    finished(unsliced, whole)
    listed = subprocess.run(
        [f"{BIN}/ansible-inventory", "-i", str(inventory / "prisma_databases.yml"), "--list"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    hosts = json.loads(listed.stdout)["prisma_databases"]["hosts"]
    assert len(hosts) == 200
    jobs = [runner_job(tmp_path / f"slice{number}", {"env": "all"}) for number in range(1, SLICES + 1)]
    slices = [
        start_runner(job, "playbooks/p3009_status.yml", inventory / "prisma_databases.yml", env=env, limit=limit)
        for job, limit in zip(jobs, awx_slices(hosts, SLICES), strict=True)
    ]
    for process, job in zip(slices, jobs, strict=True):
        finished(process, job)

    # Each run's report files are in its job's artifacts folder; each slice names its own.
    report = json.loads((runner_artifacts(whole) / "p3009-status.json").read_text())
    parts = [next(runner_artifacts(job).glob("p3009-status-*.json")) for job in jobs]
    assert [len(json.loads(part.read_text())["databases"]) for part in parts] == [50] * SLICES
    for document in [report, *(json.loads(part.read_text()) for part in parts)]:
        pytest.importorskip("jsonschema").validate(document, SCHEMA)
    assert {entry["name"]: entry["outcome"] for entry in report["databases"]} == expected

    merged_folder = tmp_path / "merged"
    reports = json.dumps({"reports": [str(part) for part in parts]})
    merge = subprocess.run(
        [f"{BIN}/ansible-playbook", "playbooks/p3009_status_merge.yml", "-e", reports],
        env={**env, "DBOPS_STATUS_DIR": str(merged_folder)}, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    merged = json.loads((merged_folder / "p3009-status.json").read_text())
    assert comparable(merged) == comparable(report)
    assert merge.returncode != 0
    counts = "200 databases: 72 ok, 72 pending, 52 blocked, 2 database_missing, 2 unreachable."
    assert counts in merge.stdout and "52 database(s) stop a deploy: " in merge.stdout
    assert "blocked and 32 more." in merge.stdout
    junit = ElementTree.parse(merged_folder / "p3009-status.junit.xml").getroot()
    assert junit.get("tests") == "200" and junit.get("failures") == "52" and junit.get("errors") == "4"

    # What AWX keeps of each slice: its bounded summary, the slice's counts.
    for job in jobs:
        events = [json.loads(path.read_text()) for path in (runner_artifacts(job) / "job_events").glob("*.json")]
        (stats,) = [event for event in events if event.get("event") == "playbook_on_stats"]
        summary = stats["event_data"]["artifact_data"]["p3009_status"]
        assert sum(summary["counts"].values()) == 50 and len(summary["databases"]) == 50
