"""Run the collection's modules and playbooks through the real `ansible` and `ansible-playbook` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    result: dict

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def ansible_env(extra: dict | None = None) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env.update(extra or {})
    return env


def run_module(module: str, args: dict, *, check=False, diff=False, verbosity=0, env=None, timeout=120) -> Run:
    """`ansible localhost -m backoffice.dbops.MODULE`, with the host's JSON result read from --tree."""
    with tempfile.TemporaryDirectory() as tree:
        command = [
            os.path.join(BIN, "ansible"),
            "localhost",
            "-m",
            f"backoffice.dbops.{module}",
            "-a",
            json.dumps(args),
            "--tree",
            tree,
        ]
        completed = _execute(command, check=check, diff=diff, verbosity=verbosity, env=env, timeout=timeout)
        result_file = os.path.join(tree, "localhost")
        result = {}
        if os.path.exists(result_file):
            with open(result_file) as handle:
                result = json.load(handle)
        return Run(completed.returncode, completed.stdout, completed.stderr, result)


def run_playbook(
    playbook: str,
    extra_vars: dict,
    *,
    check=False,
    diff=False,
    verbosity=0,
    env=None,
    inventory: str | None = None,
    timeout=300,
) -> Run:
    command = [os.path.join(BIN, "ansible-playbook"), playbook, "-e", json.dumps(extra_vars)]
    if inventory:
        command += ["-i", inventory]
    completed = _execute(command, check=check, diff=diff, verbosity=verbosity, env=env, timeout=timeout)
    return Run(completed.returncode, completed.stdout, completed.stderr, {})


def _execute(command: list[str], *, check, diff, verbosity, env, timeout) -> subprocess.CompletedProcess:
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if verbosity:
        command.append("-" + "v" * verbosity)
    return subprocess.run(
        command, cwd=ROOT, env=ansible_env(env), capture_output=True, text=True, timeout=timeout, check=False
    )
