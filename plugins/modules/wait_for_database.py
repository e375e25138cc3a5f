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
  - Meant for the minutes a new Azure SQL firewall rule takes to apply (see M(backoffice.dbops.azure_sql_firewall)).
  - Only what can pass by itself is waited for - a firewall rule propagating (V(firewall_closed)), the network
    (V(unreachable)) and an Azure SQL serverless database resuming; a wrong password, a missing database or a TLS
    failure fails at once with RV(error_kind), whatever O(timeout).
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
      - Seconds to keep trying, from 0 (one attempt) to 86400; Azure documents up to five minutes for a firewall
        change.
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
attributes:
  check_mode:
    support: full
    description: Only connects, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed.
"""

EXAMPLES = r"""
- name: Wait until the new firewall rule lets this runner in
  backoffice.dbops.wait_for_database:
    database_url: "{{ database_url }}"
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
  returned: success
  type: int
  sample: 3
elapsed:
  description: Seconds from the first attempt to the successful one.
  returned: success
  type: float
  sample: 1.27
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
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.modules import (
    database_argument_spec,
    database_connection,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.wait import (
    connect_once,
    validate_schedule,
    wait_until,
)


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            timeout={"type": "float", "default": 300},
            initial_delay={"type": "float", "default": 0.25},
            max_delay={"type": "float", "default": 1.5},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        validate_schedule(params)
        target, options = database_connection(module, secrets)
        # The whole URL is Ansible's to mask (its option is no_log); it is redacted from driver messages all the same.
        secrets.add(params["database_url"], "The DATABASE_URL")
        waited = wait_until(
            lambda: connect_once(target, secrets, **options),
            timeout=params["timeout"],
            initial_delay=params["initial_delay"],
            max_delay=params["max_delay"],
        )
        module.exit_json(changed=False, database=target.describe(), attempts=waited.attempts, elapsed=waited.elapsed)


if __name__ == "__main__":
    main()
