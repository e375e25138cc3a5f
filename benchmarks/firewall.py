"""How much azure_sql_firewall costs over `ansible.builtin.ping`, and what its import costs when Azure is not used.

Runs the real `ansible` command against the local ARM emulator of the tests (no network), several times each,
and prints medians side by side. Goal: a whole run at most 0.6 s slower than ping, which needs the Azure SDKs
to be imported lazily. Usage: .venv/bin/python benchmarks/firewall.py [--runs N]
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

from ansible_collections.backoffice.dbops.tests.support.arm_emulator import ArmEmulator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)

GOAL_SECONDS = 0.6
SUBSCRIPTION, TENANT, CLIENT_ID, SECRET = "00000000-0000-4000-8000-000000000001", "tenant-1", "app-1", "bench-secret"
IMPORT_MODULE = "import ansible_collections.backoffice.dbops.plugins.modules.azure_sql_firewall"
IMPORT_SDKS = "import azure.identity, azure.mgmt.sql"


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def import_seconds(statement: str, env: dict) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True).stdout)


def median_of(runs: int, measure) -> float:
    return statistics.median(measure() for _run in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as directory:
        emulator = ArmEmulator(
            directory, tenant=TENANT, client_id=CLIENT_ID, client_secret=SECRET, subscription_id=SUBSCRIPTION
        ).start()
        emulator.add_server("rg", "sql")
        env = {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": directory,
            "LC_ALL": "C.UTF-8",
            **emulator.awx_credential_environment(),
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_LOCALHOST_WARNING": "false",
        }
        args = {"resource_group": "rg", "server_name": "sql", "name": "dbops-bench", "start_ip_address": "203.0.113.7"}
        ping = [f"{BIN}/ansible", "localhost", "-m", "ansible.builtin.ping"]
        firewall = [f"{BIN}/ansible", "localhost", "-m", "backoffice.dbops.azure_sql_firewall", "-a", json.dumps(args)]
        # Warm-up: byte-compiles, and creates the rule so that measured runs are the idempotent path.
        timed(ping, env)
        timed(firewall, env)
        ping_runs, firewall_runs = [], []
        for _run in range(runs):  # interleaved, so load from elsewhere hits both alike
            ping_runs.append(timed(ping, env))
            firewall_runs.append(timed(firewall, env))
        emulator.stop()
    python_env = {**env, "PYTHONPATH": os.path.join(ROOT, ".collections")}
    module_import = median_of(runs, lambda: import_seconds(IMPORT_MODULE, python_env))
    sdk_import = median_of(runs, lambda: import_seconds(IMPORT_SDKS, python_env))

    ping_median, firewall_median = statistics.median(ping_runs), statistics.median(firewall_runs)
    extra = firewall_median - ping_median
    print(f"whole run, median of {runs} (ansible localhost -m ..., local ARM emulator)")
    print(f"  {'ansible.builtin.ping':<42}{ping_median:8.3f} s")
    print(f"  {'backoffice.dbops.azure_sql_firewall':<42}{firewall_median:8.3f} s")
    verdict = "within" if extra <= GOAL_SECONDS else "OVER"
    print(f"  {'difference':<42}{extra:8.3f} s  ({verdict} the {GOAL_SECONDS} s goal)")
    print(f"import time, median of {runs} (fresh interpreter)")
    print(f"  {'azure_sql_firewall module (no Azure path)':<42}{module_import:8.3f} s")
    print(f"  {'azure.identity + azure.mgmt.sql (for scale)':<42}{sdk_import:8.3f} s")


if __name__ == "__main__":
    main()
