"""wait_for_database through the real `ansible` command: what waiting cannot fix fails at once, a schedule out of
range is refused, polls never come faster than the floor, and a wait gets through once Azure SQL's gateway lets it
in."""

from __future__ import annotations

import re
import time

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    GATEWAY_CLIENT_IP,
    arm_emulator,
    azure_sql_gateway,
)

SECRET = "Sup3r-S3cret_pw"


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"initial_delay": 0}, "initial_delay must be at least 0.1 s"),
        ({"initial_delay": -1}, "initial_delay must be at least 0.1 s"),
        ({"max_delay": -2}, "max_delay must be at least"),
        ({"timeout": -1}, "timeout must be at least 0 s"),
    ],
)
def test_wait_for_database_refuses_a_schedule_out_of_range(extra, said):
    run = run_module("wait_for_database", {"database_url": "postgresql://u@127.0.0.1:9/db", "timeout": 1, **extra})
    assert run.rc != 0 and said in run.result["msg"], run.result


def test_wait_for_database_polls_no_faster_than_its_floor():
    run = run_module(
        "wait_for_database",
        {
            "database_url": "postgresql://u@127.0.0.1:9/db",
            "timeout": 2,
            "initial_delay": 0.1,
            "max_delay": 0.1,
            "firewall_rule_opened": True,
        },
    )
    attempts = int(re.search(r"\((\d+) attempts\)", run.result["msg"]).group(1))
    assert attempts <= 2 / 0.1 + 1


@pytest.mark.parametrize("case", ["wrong_password", "missing_sqlite_file", "missing_database"])
def test_wait_for_database_gives_up_at_once_on_what_waiting_cannot_fix(make_backend, tmp_path, case):
    """Only a firewall rule propagating, the network or a resuming database are worth waiting for."""
    if case == "wrong_password":
        backend = make_backend("mysql")
        url, kind = backend.url.replace("mysql://root@", f"mysql://root:{SECRET}@"), "auth_failed"
    elif case == "missing_sqlite_file":
        url, kind = f"file:{tmp_path}/none.db", "database_missing"
    else:
        backend = make_backend("postgresql")
        url, kind = backend.url.replace(backend.target.database, "no_such_database"), "database_missing"
    started = time.monotonic()
    run = run_module("wait_for_database", {"database_url": url, "timeout": 120}, verbosity=3)
    assert time.monotonic() - started < 5 + 3  # the module's own answer in < 5 s, plus Ansible's start-up
    assert run.rc != 0
    assert run.result["error_kind"] == kind, run.result
    assert "Azure" not in run.result["hint"] and "firewall" not in run.result["hint"]
    assert SECRET not in run.output


PROPAGATION = 8.0


@pytest.mark.mssql
def test_wait_for_database_gets_through_once_the_40615_clears(make_backend, tmp_path):
    """Azure SQL's gateway refuses with 40615 until the firewall rule has propagated (8 s here: longer than Ansible's
    start-up on a loaded runner, so the module meets the closed gateway): the wait gets through once it opens."""
    backend = make_backend("sqlserver")
    with arm_emulator(str(tmp_path / "arm")) as emulator:
        sql_server = emulator.add_server("rg", "sql-backoffice")
        with azure_sql_gateway(sql_server, backend.url, propagation_delay=PROPAGATION) as (url, proxy):
            sql_server.rules["dbops-test"] = {"startIpAddress": GATEWAY_CLIENT_IP, "endIpAddress": GATEWAY_CLIENT_IP}
            sql_server.rule_written_at["dbops-test"] = time.monotonic()
            started = time.monotonic()
            run = run_module(
                "wait_for_database",
                {"database_url": url, "timeout": 60, "odbc_driver": "FreeTDS", "firewall_rule_opened": True},
            )
            waited = time.monotonic() - started
    assert run.rc == 0, run.output
    assert proxy.refused >= 1 and run.result["attempts"] == proxy.refused + 1
    # It stops waiting once the gateway lets it in, not at the 60 s timeout.
    assert waited < 60, run.result
