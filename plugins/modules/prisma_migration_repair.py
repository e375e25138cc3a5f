#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prisma_migration_repair
short_description: Repair what a failed Prisma migration left behind, then resolve it
version_added: 0.3.0
description:
  - For a failed migration (P3009) whose statements are all judged by
    M(backoffice.dbops.prisma_migration_preflight), runs one of the two repairs it derives, then resolves the
    migration as C(prisma migrate resolve) does, under Prisma's migrate lock and in the same session.
  - V(revert) runs the inverse of each statement that took effect, in reverse order, then resolves the migration
    as rolled back, so that the next C(prisma migrate deploy) runs all of it again. It refuses
    (V(revert_not_lossless)) when a statement cannot be undone without losing what it changed. An INVALID index a
    failed C(CREATE INDEX CONCURRENTLY) left is dropped first.
  - V(complete) runs the statements that did not take effect, verbatim from C(migration.sql), then resolves the
    migration as applied (Prisma's checksum of the file is recorded).
  - Inside the lock the history and the catalog are read again and the script derived again; a migration that is
    no longer failed, a verdict that is now unknown, or a script whose SHA-256 differs from O(expected_sha256) stops
    the run before the first statement (V(not_failed), V(verdict_unknown), V(repair_changed)).
  - PostgreSQL, SQLite and SQL Server - the script and the history rows are one transaction, so all of it commits, or
    nothing does. One deadline, O(repair_timeout), bounds it from Prisma's lock to the commit, enforced from
    outside the session as the preflight's rehearsal is; each statement also gets O(statement_timeout) and waits
    for a table lock at most 5 seconds; the migration's own statements that would loosen these timeouts are not
    sent.
  - MySQL and MariaDB commit every DDL statement - the statements run one by one under the same deadline (its
    watchdog ends a running statement with C(KILL QUERY) from a second session of the same user), each waiting for
    a metadata lock at most 5 seconds; after each schema statement, the verdict is read again and the run stops
    (V(repair_not_confirmed)) when the catalog contradicts it (the statement shown not done). A failure half-way
    lists the statements that ran (RV(ran)); a rerun derives the rest from the verdict.
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.database
  - backoffice.dbops.database.connection
options:
  migration:
    description:
      - The whole migration name, that is the folder name, for example C(20201127134938_added_bio_index).
    type: raw
    required: true
  migrations_dir:
    description:
      - The Prisma migrations folder of the release that ran the migration.
    type: path
    required: true
  repair:
    description:
      - V(revert) or V(complete), as RV(backoffice.dbops.prisma_migration_preflight#module:repair) shows them.
    type: str
    required: true
    choices: [revert, complete]
  expected_sha256:
    description:
      - The SHA-256 of the script the operator reviewed (the preflight's C(repair.revert.sha256) or
        C(repair.complete.sha256)). When the script derived inside the lock differs, nothing is written.
    type: str
  statement_timeout:
    description: Seconds any one statement (a read, or a statement of the script) may run.
    type: int
    default: 30
  repair_timeout:
    description: Seconds the whole repair may take, from Prisma's lock to the commit.
    type: int
    default: 60
  lock_timeout:
    description: Seconds to wait for Prisma's migrate lock.
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    description: Reads the verdict and returns the script it would run; writes nothing and takes no lock.
  diff_mode:
    support: full
    description: RV(diff) shows each statement of the migration in effect or not, before and after.
notes:
  - "Costs: a revert's DROP or a completion's statement takes the same locks as the statement would in a deploy
    (see the preflight's RV(backoffice.dbops.prisma_migration_preflight#module:impact)); on PostgreSQL and SQL Server
    until the commit. Rows are never read or shown."
  - The audit record of the recovery playbook keeps RV(repair), RV(sha256), RV(statement_count) and the outcome.
"""

EXAMPLES = r"""
- name: Show the revert script (check mode)
  backoffice.dbops.prisma_migration_repair:
    database_url: "{{ database_url }}"
    migrations_dir: "{{ app_dir }}/prisma/migrations"
    migration: 20201127134938_added_bio_index
    repair: revert
  check_mode: true
  register: revert

- name: Revert it as shown, then resolve it as rolled back
  backoffice.dbops.prisma_migration_repair:
    database_url: "{{ database_url }}"
    migrations_dir: "{{ app_dir }}/prisma/migrations"
    migration: 20201127134938_added_bio_index
    repair: revert
    expected_sha256: "{{ revert.sha256 }}"
"""

RETURN = r"""
database:
  description: Where the repair ran, without credentials.
  returned: always
  type: str
repair:
  description: V(revert) or V(complete).
  returned: success
  type: str
resolved_as:
  description: What the migration is resolved as after the repair, V(rolled_back) or V(applied).
  returned: success
  type: str
verdict:
  description: The verdict read inside the lock (none, partial or complete) that the script was derived from.
  returned: success
  type: str
script:
  description: The script run (in check mode, that would run); empty when there is nothing to run.
  returned: success
  type: str
sha256:
  description: The SHA-256 of RV(script).
  returned: success
  type: str
statement_count:
  description: How many SQL statements RV(script) holds.
  returned: success
  type: int
statements:
  description: The statements of migration.sql the script repairs, in the order it repairs them.
  returned: success
  type: list
  elements: int
ran:
  description:
    - The statements of migration.sql whose repair ran; on a failure on MySQL/MariaDB, those committed before it.
  returned: always
  type: list
  elements: int
migration_state:
  description: The migration's state after the run (in check mode, now).
  returned: success
  type: str
diff:
  description: Each statement of the migration in effect or not, before and after.
  returned: when diff mode is on
  type: dict
error_kind:
  description:
    - V(not_failed), V(verdict_unknown), V(revert_not_lossless), V(repair_changed), V(repair_not_transactional) (a
      completion statement that cannot run inside a transaction, such as PostgreSQL's C(CREATE INDEX CONCURRENTLY)),
      V(repair_timeout), V(repair_not_confirmed), the database error's kind for a statement that failed, or a
      connection failure's kind.
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
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.modules import (
    DEFAULT_LOCK_TIMEOUT,
    lock_timeout,
    new_migration_id,
    requested_migration,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.repair_run import run_repair


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            migration={"type": "raw", "required": True},
            migrations_dir={"type": "path", "required": True},
            repair={"type": "str", "required": True, "choices": ["revert", "complete"]},
            expected_sha256={"type": "str"},
            statement_timeout={"type": "int", "default": 30},
            repair_timeout={"type": "int", "default": 60},
            lock_timeout={"type": "int", "default": DEFAULT_LOCK_TIMEOUT},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        migration = requested_migration(module, secrets)
        database = open_module_database(module, secrets, PreflightDatabase)
        result = run_repair(
            database,
            migration=migration,
            migrations_dir=params["migrations_dir"],
            repair=params["repair"],
            expected_sha256=params["expected_sha256"],
            statement_timeout=params["statement_timeout"],
            lock_timeout=lock_timeout(params),
            repair_timeout=params["repair_timeout"],
            check_mode=module.check_mode,
            new_id=new_migration_id,
        )
        diff = result.pop("diff")
        if module._diff:
            result["diff"] = diff
        module.exit_json(database=database.target.describe(), **result)


if __name__ == "__main__":
    main()
