"""Wall time of the P3009 recovery playbook, and how fast it notices a firewall rule taking effect.

    .venv/bin/python benchmarks/recover.py [--runs N]

1. `recover_p3009.yml -e env=local` on a fresh P3009 SQLite database (goal: at most 8 s on a 2-core machine);
2. the same with --check --diff (goal: at most 6 s);
3. `wait_for_database` against the ARM emulator's firewalled proxy with an injected propagation delay: time from
   the rule's creation to the first successful connection (goal: within 2 s of the delay).
Medians are quoted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.arm_emulator import ArmEmulator, FirewalledDatabaseProxy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


MIGRATION = "20201127134938_added_bio_index"
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"}


def playbook_seconds(*flags: str) -> float:
    subprocess.run([sys.executable, "scripts/demo_prisma.py", "build"], cwd=ROOT, check=True, capture_output=True)
    started = time.perf_counter()
    command = [
        f"{BIN}/ansible-playbook",
        "playbooks/recover_p3009.yml",
        "-e",
        "env=local",
        "-e",
        f"migration={MIGRATION}",
    ]
    subprocess.run([*command, *flags], cwd=ROOT, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - started


def propagation_gap(delay: float) -> float:
    """Seconds between the moment the rule takes effect and the first connection wait_for_database opens."""
    with tempfile.TemporaryDirectory() as folder:
        emulator = ArmEmulator(folder, tenant="t", client_id="c", client_secret="s", subscription_id="sub").start()
        server = emulator.add_server("rg", "sql")
        # A listener that answers, standing in for the database behind the gateway.
        backend = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=lambda: [backend.accept() for _attempt in range(1000)], daemon=True).start()
        proxy = FirewalledDatabaseProxy(server, "198.51.100.23", backend.getsockname(), delay).start()
        url = f"postgresql://u:p@127.0.0.1:{proxy.port}/db?connect_timeout=1"
        waiting = subprocess.Popen(
            [f"{BIN}/ansible", "localhost", "-m", "backoffice.dbops.wait_for_database", "-a", json.dumps(
                {"database_url": url, "timeout": delay + 30, "firewall_rule_opened": True})],
            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)  # the module is polling by now
        server.rules["dbops-bench"] = {"startIpAddress": "198.51.100.23", "endIpAddress": "198.51.100.23"}
        server.rule_written_at["dbops-bench"] = created = time.monotonic()
        waiting.wait()
        proxy.stop()
        emulator.stop()
        return proxy.admitted_at[0] - created - delay


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=5.0)
    runs = parser.parse_args().runs
    delay = parser.parse_args().delay
    full = statistics.median(playbook_seconds() for _run in range(runs))
    check = statistics.median(playbook_seconds("--check", "--diff") for _run in range(runs))
    gap = statistics.median(propagation_gap(delay) for _run in range(runs))
    print(f"local rehearsal run:          {full:6.2f} s (goal <= 8 s)")
    print(f"local rehearsal --check:      {check:6.2f} s (goal <= 6 s)")
    print(f"firewall rule to connection:  delay {delay:g} s + {gap:4.2f} s (goal: within 2 s of the delay)")


if __name__ == "__main__":
    main()
