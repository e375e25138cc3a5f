# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command with a secret in its environment only, and bring back its output without the secret.

Why not Ansible's `environment:` keyword: Ansible puts those variables on the `/bin/sh -c 'NAME=value python
AnsiballZ_...'` line it runs, which every local user can read in `ps` (and -vvv and log_path print). Here the
secret reaches this process as a module option (inside the module file, in Ansible's private temporary folder)
and is handed to the child through execve's environment: a process's environment is readable only by its owner
and root (/proc/<pid>/environ is mode 0400), unlike its command line. No file holds it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import without_values
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import redact
from ansible_collections.backoffice.dbops.plugins.module_utils.common.validation import OptionError, require_range

VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_OUTPUT_LINES = 1000


@dataclass(frozen=True)
class CommandOutcome:
    rc: int
    stdout_lines: list[str]
    stderr_lines: list[str]
    timed_out: bool = False


def validate_command(argv, variable: str, output_lines: int, timeout) -> None:
    if not argv or not all(isinstance(argument, str) for argument in argv):
        raise OptionError("argv must be a non-empty list of strings: the program, then its arguments.")
    if not VARIABLE_NAME.fullmatch(variable or ""):
        raise OptionError("variable must be an environment variable name, such as DATABASE_URL.")
    require_range("output_lines", output_lines, minimum=0, maximum=MAX_OUTPUT_LINES)
    if timeout is not None:
        require_range("timeout", timeout, minimum=1, unit=" s", hint="Omit timeout to wait for the command to end.")


def run_with_secret(
    argv: list[str],
    *,
    variable: str,
    value: str,
    secrets,
    chdir: str | None = None,
    output_lines: int = 20,
    timeout: float | None = None,
) -> CommandOutcome:
    """Run `argv` with `variable=value` added to its environment; the last `output_lines` lines of its output come
    back with every form of every secret (and `value`) redacted, and without the row values database errors in it
    quote (a failed `prisma migrate deploy` prints its database error)."""
    environment = {**os.environ, variable: value}
    hidden = [value, *secrets]
    # Not AnsibleModule.run_command: it has no timeout, and a hung deploy must be stopped with all it started.
    process = subprocess.Popen(  # pylint: disable=ansible-bad-function
        argv,
        cwd=chdir,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Its own process group, so a timeout stops whatever it started too.
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
    return CommandOutcome(
        rc=process.returncode,
        stdout_lines=_tail(stdout, hidden, output_lines),
        stderr_lines=_tail(stderr, hidden, output_lines),
        timed_out=timed_out,
    )


def _tail(output: bytes, secrets, lines: int) -> list[str]:
    if not lines:
        return []
    text = without_values(redact(output.decode("utf-8", errors="replace"), secrets))
    return text.splitlines()[-lines:]
