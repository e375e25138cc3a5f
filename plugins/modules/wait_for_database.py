#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: wait_for_database
short_description: Wait until the database of a Prisma C(DATABASE_URL) accepts a connection
version_added: 0.1.0
description:
  - Opens a read-only connection, again and again with a growing pause (capped at O(max_delay)), until one succeeds
    or O(timeout) seconds have passed; no fixed sleep.
  - Waits only for what can pass by itself - a firewall rule that was just opened (O(firewall_rule_opened)) reaching
    the database, see M(backoffice.dbops.azure_sql_firewall), and an Azure SQL serverless database resuming (error
    40613). Anything else fails at the first attempt with RV(error_kind), whatever O(timeout) - a refused or
    unreachable port when no rule was just opened (V(unreachable)), a wrong password, a missing database, a TLS
    failure.
  - Before a wait that may be long it says, once, how long at most and why; then prints a progress line every
    O(progress_interval) seconds, in check mode too (its action plugin runs the module in slices of that length).
  - Reads nothing and writes nothing.
  - Takes the connection options of the other Prisma modules (fragment C(backoffice.dbops.database)), so
    C(module_defaults) for C(group/backoffice.dbops.prisma) reach it too; O(migrations_dir) is accepted and unused.
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.database
  - backoffice.dbops.database.connection
options:
  timeout:
    description:
      - Seconds to keep trying what is worth waiting for, from 0 (one attempt) to 86400; Azure documents up to five
        minutes for a firewall change.
    type: float
    default: 300
  initial_delay:
    description:
      - Seconds to wait after the first failed attempt, from 0.1 to 60; each later pause is 1.5 times longer.
      - Attempts are never closer than 0.1 s.
    type: float
    default: 0.25
  max_delay:
    description:
      - The longest pause between two attempts, so a database that opens is noticed this fast; from O(initial_delay)
        to 60.
    type: float
    default: 1.5
  firewall_rule_opened:
    description:
      - Whether a firewall rule admitting this runner was just created or changed (for example, the result of
        M(backoffice.dbops.azure_sql_firewall) C(is changed)). Only then are V(firewall_closed), V(unreachable) and
        unclassified connection failures waited for, up to O(timeout), while the rule propagates.
      - When false, such a failure ends the wait at the first attempt, within the driver's connect timeout - there
        is nothing to wait for. A resuming serverless database is waited for either way.
    type: bool
    default: false
    version_added: 0.3.0
  progress_interval:
    description:
      - Seconds between two progress lines during a wait, from 1 to 25 (a line then comes at least every 30 s).
    type: float
    default: 20
    version_added: 0.3.0
  # Described by the doc fragments; these three came to this module in 0.2.0 (the other modules had them in 0.1.0).
  migrations_dir:
    version_added: 0.2.0
  odbc_driver:
    version_added: 0.2.0
  entra_auth:
    version_added: 0.2.0
attributes:
  action:
    support: full
    description:
      - An action plugin of the same name says why and for how long it waits, and prints the progress lines, on the
        controller; it runs the module in slices of O(progress_interval) seconds.
  check_mode:
    support: full
    description: Only connects, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed.
"""

EXAMPLES = r"""
- name: Open the Azure SQL firewall to this runner
  backoffice.dbops.azure_sql_firewall:
    resource_group: rg-backoffice
    server_name: sql-backoffice
    expires_in: 1h
  register: access

- name: Wait until the new firewall rule lets this runner in
  backoffice.dbops.wait_for_database:
    database_url: "{{ database_url }}"
    firewall_rule_opened: "{{ access is changed }}"
    timeout: 300
"""

RETURN = r"""
database:
  description: Where the connection was opened, without credentials.
  returned: always
  type: str
  sample: postgresql app@db.internal:5432/backoffice (schema public)
attempts:
  description: How many connections were tried.
  returned: always
  type: int
  sample: 3
elapsed:
  description:
    - Seconds from the first attempt to the successful one (or to the last, when the wait ran out).
  returned: success, and when the wait ran out
  type: float
  sample: 1.27
waiting_for:
  description: When the wait ran out, why it waited (a rule propagating, or a serverless database resuming).
  returned: when the wait ran out
  type: str
  version_added: 0.3.0
last_error:
  description: When the wait ran out, the connection error of the last attempt, without credentials.
  returned: when the wait ran out
  type: str
  version_added: 0.3.0
hint:
  description: What to do about a failure, in one sentence.
  returned: failure
  type: str
error_kind:
  description:
    - On a connection failure, why, in the vocabulary of M(backoffice.dbops.prisma_migration_status) -
      V(firewall_closed), V(public_access_disabled), V(vnet_rule_missing), V(auth_failed), V(database_missing),
      V(unreachable) or V(tls_error); null for other failures.
  returned: failure
  type: str
  sample: firewall_closed
client_ip:
  description: With V(firewall_closed), the address Azure SQL saw.
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.options import (
    database_argument_spec,
    open_module_database,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.wait import validate_schedule, wait_for


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            timeout={"type": "float", "default": 300},
            initial_delay={"type": "float", "default": 0.25},
            max_delay={"type": "float", "default": 1.5},
            firewall_rule_opened={"type": "bool", "default": False},
            progress_interval={"type": "float", "default": 20},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        validate_schedule(params)
        database = open_module_database(module, secrets)
        # The whole URL is Ansible's to mask (its option is no_log); it is redacted from driver messages all the same.
        secrets.add(params["database_url"], "The DATABASE_URL")
        waited = wait_for(database, params)
        module.exit_json(
            changed=False, database=database.target.describe(), attempts=waited.attempts, elapsed=waited.elapsed
        )


if __name__ == "__main__":
    main()
