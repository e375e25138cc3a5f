#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: run_with_database_url
short_description: Run a deploy command with C(DATABASE_URL) in its environment, never on a command line
version_added: 0.2.0
description:
  - Runs O(argv) (for example C(npx prisma migrate deploy)) with O(database_url) in the environment variable
    O(variable) of that command only, and returns the end of its output with the URL and its password removed in
    every form (as is, percent-encoded, base64).
  - Use it instead of M(ansible.builtin.command) with the C(environment) keyword, which puts the variable on the
    C(/bin/sh -c) line Ansible runs, visible to every local user in C(ps) and printed at C(-vvv) and in C(log_path).
    Here the URL reaches the module as a C(no_log) option and the command through its environment, which only its
    owner and root can read.
author:
  - Backoffice platform team (@backoffice-platform)
options:
  argv:
    description: The program and its arguments; no shell is involved. Never put the URL here.
    type: list
    elements: str
    required: true
  database_url:
    description: The value to hand over, the Prisma C(DATABASE_URL); never logged or returned.
    type: str
    required: true
  variable:
    description: The name of the environment variable that holds O(database_url).
    type: str
    default: DATABASE_URL
  chdir:
    description: The folder to run the command in.
    type: path
  output_lines:
    description: How many of the last lines of standard output and of standard error to return (0 to 1000).
    type: int
    default: 20
  timeout:
    description: Seconds after which the command (and what it started) is killed; no limit when omitted.
    type: int
attributes:
  check_mode:
    support: none
    description: A deploy cannot be simulated; the task is skipped in check mode.
  diff_mode:
    support: none
    description: Nothing to compare.
notes:
  - The output is redacted of the URL and of the password inside it; a password shorter than 8 characters is
    redacted only where it stands alone, never inside a longer word such as a migration name.
  - The row values a database error in the output quotes (a failed C(prisma migrate deploy) prints Prisma's P3018
    text with the database's C(DETAIL)) are replaced with C([redacted]), as in every module of the collection.
"""

EXAMPLES = r"""
- name: Run Prisma's deploy with the recovered database's URL
  backoffice.dbops.run_with_database_url:
    argv: [npx, prisma, migrate, deploy]
    chdir: /srv/api
    database_url: "{{ database_url }}"
  register: deploy
"""

RETURN = r"""
rc:
  description: The command's exit status (negative when a signal ended it).
  returned: always
  type: int
  sample: 0
stdout_lines:
  description: The last O(output_lines) lines of standard output, without the URL or its password.
  returned: always
  type: list
  elements: str
stderr_lines:
  description: The last O(output_lines) lines of standard error, without the URL or its password.
  returned: always
  type: list
  elements: str
timed_out:
  description: Whether the command was killed after O(timeout) seconds.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secret_command import (
    run_with_secret,
    validate_command,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import parse_database_url
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseUrlError


def main():
    module = AnsibleModule(
        argument_spec={
            "argv": {"type": "list", "elements": "str", "required": True},
            "database_url": {"type": "str", "required": True, "no_log": True},
            "variable": {"type": "str", "default": "DATABASE_URL"},
            "chdir": {"type": "path"},
            "output_lines": {"type": "int", "default": 20},
            "timeout": {"type": "int"},
        },
        supports_check_mode=False,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        validate_command(params["argv"], params["variable"], params["output_lines"], params["timeout"])
        url = params["database_url"]
        try:
            password = parse_database_url(url).password
        except DatabaseUrlError:
            # The deploy tool may take a form we do not parse; the whole URL is still hidden.
            password = None
        secrets.add(password, "The database password")
        outcome = run_with_secret(
            params["argv"],
            variable=params["variable"],
            value=url,
            secrets=secrets,
            chdir=params["chdir"],
            output_lines=params["output_lines"],
            timeout=params["timeout"],
        )
        result = {
            "changed": True,
            "rc": outcome.rc,
            "stdout_lines": outcome.stdout_lines,
            "stderr_lines": outcome.stderr_lines,
            "timed_out": outcome.timed_out,
        }
        if outcome.rc != 0:
            why = f"was killed after {params['timeout']} s" if outcome.timed_out else f"exited with {outcome.rc}"
            module.fail_json(msg=f"The command {why}.", **result)
        module.exit_json(**result)


if __name__ == "__main__":
    main()
