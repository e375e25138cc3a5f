"""Waiting for a database, as an operator sees it through the real ansible-playbook and ansible commands.

A wait is worth it only while a firewall rule that was just opened propagates (or a serverless database resumes):
a refused connection anywhere else fails at the first attempt with its error_kind, in --check too. Before a long
wait, the run says how long it may take and why, then shows progress at least every `progress_interval` seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import ansible_env
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import FirewalledDatabaseProxy
from ansible_collections.backoffice.dbops.tests.support.backends import free_port, unavailable
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    BIO_INDEX,
    DB_PASSWORD,
    ECHO_IP,
    PLAYBOOK,
    ROOT,
    SECRET_NAME,
    arm_emulator,
    azure_vars,
    playbook_env,
    with_password_and_port,
    write_inventory,
)

RG, SERVER = "rg-backoffice-test", "sql-backoffice-test"
ANNOUNCED = re.compile(r"wait_for_database: waiting up to (\d+) s for .*: (.*)\. Progress every (\d+) s\.")
PROGRESS = re.compile(r"wait_for_database: .* still refuses \((\w+)\) after (\d+) s of up to (\d+) s, (\d+) attempts\.")


def run(inventory, env: str, *flags, environment=None, **extra) -> subprocess.CompletedProcess:
    command = [f"{BIN}/ansible-playbook", PLAYBOOK, "-i", str(inventory), *flags]
    command += ["-e", json.dumps({"env": env, "migration": BIO_INDEX, **extra})]
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=ROOT, env=environment or playbook_env(), capture_output=True, text=True, timeout=600, check=False
    )
    completed.seconds = time.monotonic() - started
    completed.output = completed.stdout + completed.stderr
    assert DB_PASSWORD not in completed.output
    return completed


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def task_seconds(junit: Path, task: str) -> float:
    """How long a task took, from the JUnit report of ansible-core's junit callback (one test case per task)."""
    (report,) = junit.glob("*.xml")
    (case,) = [case for case in ElementTree.parse(report).iter("testcase") if f": {task} " in case.get("name")]
    return float(case.get("time"))


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_a_refused_connection_outside_azure_fails_at_the_first_attempt(tmp_path, check):
    """No firewall rule was opened, so there is nothing to wait for: one attempt and its error_kind, in seconds, not
    the 300 s a firewall rule may take (the acceptance: under 15 s)."""
    closed = free_port()  # nothing listens there: the connection is refused
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {
            "p3009_recovery_database_url": f"postgresql://app:{DB_PASSWORD}@127.0.0.1:{closed}/backoffice",
            "p3009_recovery_audit_dir": str(tmp_path / "audit"),
        },
    )
    junit = tmp_path / "junit"
    environment = {
        **playbook_env(),
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit",
        "JUNIT_OUTPUT_DIR": str(junit),
    }
    result = run(inventory, "rehearsal", *(["--check"] if check else []), environment=environment)
    waited = task_seconds(junit, "Wait until the database accepts a connection")
    print(f"the wait failed after {waited:.2f} s; the whole recover_p3009.yml run took {result.seconds:.1f} s")
    assert result.returncode != 0, result.output
    failed = result.output[result.output.index("TASK [backoffice.dbops.database_access : Wait until the database") :]
    assert "error_kind: unreachable" in failed and "attempts: 1" in failed, failed
    assert "wait_for_database: waiting up to" not in result.output
    assert waited < 15
    assert DB_PASSWORD not in next(junit.glob("*.xml")).read_text()
    if not check:
        (path,) = (tmp_path / "audit").glob("*.json")
        record = json.loads(path.read_text())
        assert record["outcome"] == "failed" and record["error_kind"] == "unreachable", record
        assert record["failed_task"] == "Wait until the database accepts a connection"


@pytest.mark.postgresql
@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_the_azure_path_says_how_long_it_may_wait_and_why_before_waiting(tmp_path, make_backend, check):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)
    with arm_emulator(str(tmp_path / "arm")) as emulator:
        sql_server = emulator.add_server(RG, SERVER)
        proxy = FirewalledDatabaseProxy(
            # Longer than Ansible takes, even on a busy machine, from creating the rule to the first attempt.
            sql_server,
            ECHO_IP,
            ("127.0.0.1", int(backend.target.port)),
            propagation_delay=8.0,
        ).start()
        try:
            emulator.vault_secrets[SECRET_NAME] = with_password_and_port(backend.url, proxy.port)
            inventory = write_inventory(
                tmp_path,
                "test",
                azure_vars(
                    emulator, p3009_recovery_migrations_dir=str(migrations), p3009_recovery_audit_dir=str(tmp_path)
                ),
            )
            flags = ["--check"] if check else []
            extra = {"dry_run_open_firewall": True} if check else {}
            result = run(inventory, "test", *flags, environment=playbook_env(emulator), **extra)
        finally:
            proxy.stop()
    assert result.returncode == 0, result.output
    assert proxy.refused >= 1, "the database was reachable before the rule took effect"
    announced = ANNOUNCED.search(result.output)
    assert announced, result.output
    assert announced.group(1) == "300" and "firewall rule was just opened" in announced.group(2)
    assert "five minutes" in announced.group(2)
    accepted = re.search(r"accepted\s+a\s+connection\s+after", result.output)  # the YAML callback wraps lines
    assert accepted and announced.start() < accepted.start(), result.output


def wait_streaming(arguments: dict, flags: list[str], on_progress) -> tuple[str, str, dict]:
    """`ansible localhost -m backoffice.dbops.wait_for_database`, its output read line by line as it comes;
    `on_progress(count)` after each progress line. The status Ansible printed, all output, and the result."""
    environment = ansible_env({"ANSIBLE_CALLBACK_RESULT_FORMAT": "json", "ANSIBLE_LOCALHOST_WARNING": "false"})
    command = [f"{BIN}/ansible", "localhost", "-m", "backoffice.dbops.wait_for_database", "-a", json.dumps(arguments)]
    lines = []
    with subprocess.Popen(
        [*command, *flags], cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as ansible:
        for line in ansible.stdout:
            lines.append(line)
            if PROGRESS.search(line):
                on_progress(sum(bool(PROGRESS.search(seen)) for seen in lines))
    output = "".join(lines)
    status = re.search(r"^localhost \| ([A-Z!]+) => ", output, re.MULTILINE)
    assert status, output
    return status.group(1), output, json.JSONDecoder().raw_decode(output[status.end() :])[0]


@pytest.mark.postgresql
@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_a_long_wait_shows_its_progress_every_interval(tmp_path, make_backend, check):
    """The module itself, through `ansible`, with a line every 1 s (the interval the test chooses; the default is
    20 s, at most 25): the rule is written once three progress lines came, and the wait then ends."""
    backend = make_backend("postgresql")
    with arm_emulator(str(tmp_path / "arm")) as emulator:
        sql_server = emulator.add_server(RG, SERVER)
        proxy = FirewalledDatabaseProxy(sql_server, ECHO_IP, ("127.0.0.1", int(backend.target.port))).start()

        def open_after_three_lines(count: int) -> None:
            if count == 3:
                sql_server.rules["dbops-test"] = {"startIpAddress": ECHO_IP, "endIpAddress": ECHO_IP}
                sql_server.rule_written_at["dbops-test"] = time.monotonic()

        arguments = {
            "database_url": with_password_and_port(backend.url, proxy.port),
            "firewall_rule_opened": True,
            "timeout": 120,
            "progress_interval": 1,
        }
        try:
            status, output, result = wait_streaming(arguments, ["--check"] if check else [], open_after_three_lines)
        finally:
            proxy.stop()
    assert status == "SUCCESS", output
    assert DB_PASSWORD not in output
    announced = ANNOUNCED.search(output)
    assert announced and announced.group(1) == "120" and announced.group(3) == "1", output
    assert "firewall rule was just opened" in announced.group(2)
    lines = list(PROGRESS.finditer(output))
    assert len(lines) >= 3 and lines[0].start() > announced.start(), output
    seconds = [int(line.group(2)) for line in lines]
    attempts = [int(line.group(4)) for line in lines]
    assert seconds == sorted(seconds) and attempts == sorted(attempts) and attempts[0] >= 2
    assert {line.group(1) for line in lines} <= {"unreachable", "firewall_closed"}
    # The lines give whole seconds, rounded.
    assert result["attempts"] == proxy.refused + 1 and result["elapsed"] >= seconds[-1] - 0.5
