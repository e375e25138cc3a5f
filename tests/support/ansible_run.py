"""Run the collection's modules and playbooks through the real `ansible` and `ansible-playbook` commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
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
    # The working tree's collection (make setup's link): ansible.cfg names no collections path.
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(ROOT, ".collections")
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


class ModuleResult(dict):
    """A module's result, with the status Ansible printed (SUCCESS, CHANGED, FAILED!) and all it wrote."""

    def __init__(self, result: dict, status: str, output: str):
        super().__init__(result)
        self.status = status
        self.output = output


def run_module_in(env: dict, module: str, args: dict, *flags) -> ModuleResult:
    """`ansible localhost -m MODULE` in exactly `env` (nothing inherited), its result read from the JSON the
    callback prints (set ANSIBLE_CALLBACK_RESULT_FORMAT=json in `env`)."""
    completed = subprocess.run(
        [os.path.join(BIN, "ansible"), "localhost", "-m", module, "-a", json.dumps(args), *flags],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = completed.stdout + completed.stderr
    match = re.search(r"^localhost \| ([A-Z!]+) => ", completed.stdout, re.MULTILINE)
    assert match, output
    result = json.JSONDecoder().raw_decode(completed.stdout[match.end() :])[0]
    return ModuleResult(result, match.group(1), output)
