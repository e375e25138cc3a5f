#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prisma_migration_resolve
short_description: Mark a failed Prisma migration rolled back or applied, exactly as C(prisma migrate resolve)
version_added: 0.1.0
description:
  - The equivalent of C(prisma migrate resolve --rolled-back NAME) and C(prisma migrate resolve --applied NAME),
    with the semantics and error codes of Prisma's schema engine.
  - V(rolled_back) sets C(rolled_back_at) on every row of the migration that is neither finished nor rolled back.
    No row with that name fails with P3011; only finished rows fail with P3012.
  - V(applied) marks open failed rows of the migration rolled back and records it as applied with the checksum of the
    local C(migration.sql), creating C(_prisma_migrations) if it does not exist. A name that is not a folder in
    O(migrations_dir) fails with P3017, an already finished migration with P3008, a C(migration_lock.toml) for another
    provider with P3019.
  - "C(migration_lock.toml) is compared as Prisma compares it, with one allowance: for SQL Server both
    C(provider = \"sqlserver\") and C(provider = \"mssql\") are accepted, because projects carry either spelling
    across Prisma versions and both name the same provider. Any other value is P3019 with Prisma's text, which names
    SQL Server C(mssql) (its schema engine's connector type)."
  - Every write happens in one transaction while holding Prisma's own migrate lock (PostgreSQL advisory lock
    72707369, MySQL C(GET_LOCK('prisma_migrate')), SQL Server C(sp_getapplock) on C(prisma_migrate), SQLite an
    immediate transaction); the history is re-read inside the lock before deciding. When the lock is not free within
    O(lock_timeout), nothing is changed.
  - The rows it returns and its diff carry each row's C(logs) without the row values the database error quotes
    (replaced with C([redacted])); M(backoffice.dbops.prisma_migration_info) shows them with its C(show_values).
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.database
  - backoffice.dbops.database.connection
options:
  migration:
    description:
      - The whole migration name, that is the folder name, for example C(20201127134938_added_bio_index).
      - One name, as a string; a list or any other value is refused (run once per migration to resolve several).
    type: raw
    required: true
  state:
    description:
      - V(rolled_back) to let the next deploy re-attempt the migration (after fixing the data or the migration).
      - V(applied) when the change was completed by hand; needs O(migrations_dir).
    type: str
    choices: [rolled_back, applied]
    default: rolled_back
  lock_timeout:
    description:
      - Seconds to wait for Prisma's migrate lock before failing without any change, from 1 to 86400.
    type: int
    default: 10
  history_limit:
    description:
      - List at most this many rows of the history after the change in RV(migrations), the most recent ones; V(0)
        lists them all. Must not be negative.
      - As in M(backoffice.dbops.prisma_migration_info), only the listing is bounded.
    type: int
    default: 500
    version_added: 0.2.0
attributes:
  check_mode:
    support: full
    description: Reads the history, computes the same changes and returns them, and writes nothing.
  diff_mode:
    support: full
    description: Shows the touched rows before and after.
notes:
  - MySQL commits DDL implicitly; with O(state=applied) on a MySQL database that has no history yet, the table is
    created under Prisma's lock and committed by the C(CREATE TABLE) itself, and the row is then written in the
    transaction that follows. If that row is refused (a user with C(CREATE) but no C(INSERT) privilege), the table
    just created is dropped again and the error names the missing privilege.
"""

EXAMPLES = r"""
- name: Let the next deploy re-attempt a failed migration
  backoffice.dbops.prisma_migration_resolve:
    database_url: "{{ database_url }}"
    migration: 20201127134938_added_bio_index
    state: rolled_back

- name: Record a migration that was completed by hand
  backoffice.dbops.prisma_migration_resolve:
    database_url: "{{ database_url }}"
    migration: 20201127134938_added_bio_index
    state: applied
    migrations_dir: /srv/api/prisma/migrations
"""

RETURN = r"""
migration:
  description: The migration resolved.
  returned: always
  type: str
state:
  description: The state asked for.
  returned: always
  type: str
rolled_back:
  description: Ids of the rows marked rolled back (or that would be, in check mode).
  returned: success
  type: list
  elements: str
inserted:
  description: The row recorded for V(applied), or null.
  returned: success
  type: dict
created_table:
  description: Whether C(_prisma_migrations) was created.
  returned: success
  type: bool
migrations:
  description:
    - The history after the change, as M(backoffice.dbops.prisma_migration_info) returns it, at most
      O(history_limit) rows (the most recent).
  returned: success
  type: list
  elements: dict
migrations_count:
  description: How many rows the history holds after the change.
  returned: success
  type: int
migrations_truncated:
  description: Whether RV(migrations) lists fewer rows than the history holds.
  returned: success
  type: bool
migration_state:
  description: Where O(migration) stands after the change (V(rolled_back) or V(applied) on success).
  returned: success
  type: str
migration_rows:
  description: The rows of O(migration) after the change.
  returned: success
  type: list
  elements: dict
still_blocking:
  description:
    - Other failed migrations that still block deploy after this one was resolved, oldest first. Resolving one of
      several failed migrations succeeds; deploy proceeds once every one is resolved.
  returned: success
  type: list
  elements: str
code:
  description: Prisma's error code on failure (P3008, P3011, P3012, P3017, P3019), or null for other failures.
  returned: failure
  type: str
  sample: P3011
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

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import records_without_values
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.options import database_argument_spec
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import listed, migration_summary
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrations_directory import (
    check_lockfile,
    read_migrations_directory,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.modules import (
    DEFAULT_HISTORY_LIMIT,
    DEFAULT_LOCK_TIMEOUT,
    history_limit,
    lock_timeout,
    new_migration_id,
    open_history_store,
    requested_migration,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.resolve_plan import (
    plan_applied,
    plan_rolled_back,
    touched_rows_diff,
)


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            migration={"type": "raw", "required": True},
            state={"type": "str", "default": "rolled_back", "choices": ["rolled_back", "applied"]},
            lock_timeout={"type": "int", "default": DEFAULT_LOCK_TIMEOUT},
            history_limit={"type": "int", "default": DEFAULT_HISTORY_LIMIT},
        ),
        required_if=[("state", "applied", ("migrations_dir",))],
        supports_check_mode=True,
    )
    params = module.params
    state = params["state"]
    secrets = Secrets(module)
    with report_failures(module, secrets):
        name = requested_migration(module, secrets)
        limit = history_limit(params)
        store = open_history_store(module, secrets, lock_timeout=lock_timeout(params))
        folders = []
        if state == "applied":
            directory = read_migrations_directory(params["migrations_dir"])
            check_lockfile(directory, store.database.dialect.lockfile_providers)
            folders = directory.migrations

            def plan(records):
                return plan_applied(records, name, folders, new_id=new_migration_id(), now=store.database.history.now())
        else:

            def plan(records):
                return plan_rolled_back(records, name)

        def planner(records):
            # Names in errors (P3011 lists the failed ones) and in the result must survive Ansible's masking.
            secrets.keep([record.migration_name for record in records or []] + [f.name for f in folders])
            return plan(records)

        outcome = store.resolve(planner, check_mode=module.check_mode)
        plan_done = outcome.plan
        # What the rows show is for people: the row values Prisma's logs quote stay out.
        before, after = records_without_values(outcome.before), records_without_values(outcome.after)
        shown = listed(after, limit)
        result = {
            "changed": plan_done.changed,
            "migration": name,
            "state": state,
            "rolled_back": [record.id for record in plan_done.roll_back],
            "inserted": plan_done.insert.as_dict() if plan_done.insert else None,
            "created_table": plan_done.create_table,
            "migrations": shown,
            "migrations_count": len(after),
            "migrations_truncated": len(shown) < len(after),
            **migration_summary(after, name, limit),
        }
        if module._diff:
            result["diff"] = touched_rows_diff(before, after, plan_done)
        module.exit_json(**result)


if __name__ == "__main__":
    main()
