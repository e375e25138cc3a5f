#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prisma_migration_info
short_description: Read Prisma's migration history and tell whether C(prisma migrate deploy) is blocked (P3009)
version_added: 0.1.0
description:
  - Reads C(_prisma_migrations) exactly as Prisma's schema engine does (rows ordered by C(started_at)) and classifies
    each row as V(applied), V(failed) or V(rolled_back).
  - Reports the failed migrations that make C(prisma migrate deploy) stop with P3009, with the database error Prisma
    recorded in C(logs) (which Prisma itself never prints), and the message Prisma would print.
  - The row values a database error quotes (the key in PostgreSQL's C(DETAIL) line, MySQL's C(Duplicate entry), an
    enum or date input that did not convert, ...) are replaced with C([redacted]) in every C(logs) unless
    O(show_values) is true; the error's code, wording and the names it gives stay.
  - With O(migrations_dir), also reports what deploy would apply (pending), migrations edited after they were applied
    (checksum mismatch, by Prisma's rule) and applied migrations missing from the folder.
  - Read only; a missing C(_prisma_migrations) table is a normal answer, not an error.
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.database
  - backoffice.dbops.database.connection
options:
  history_limit:
    description:
      - List at most this many rows in RV(migrations), the most recent ones; V(0) lists them all. Must not be
        negative.
      - Only the listing is bounded, here and in RV(missing_locally) (Ansible's result handling grows with every row
        returned); failed and pending migrations, counts and the P3009 message are always computed over the whole
        history.
    type: int
    default: 500
  migration:
    description:
      - One migration name (a folder name, a string) to answer about in RV(migration_state), RV(migration_rows) and
        RV(still_blocking), so that a playbook never has to compare names itself.
      - A list or any other non-string value is refused.
    type: raw
    version_added: 0.2.0
  audit_dir:
    description:
      - A folder of audit records written by the C(backoffice.dbops.p3009_recovery) role. The history is compared
        with the last record of O(audit_environment) there, to report resolves that no audit record accounts for
        (a run killed after its resolve committed, or a resolve made outside this collection).
      - A missing folder or no record is not an error; nothing is written.
    type: path
    version_added: 0.2.0
  audit_environment:
    description: The environment whose last audit record O(audit_dir) is searched for.
    type: str
    version_added: 0.2.0
  show_values:
    description:
      - Return C(logs) as Prisma recorded them, with the row values the database error quotes (user data, which then
        shows in the run output at any verbosity and in AWX's job output).
      - By default those values are replaced with C([redacted]).
    type: bool
    default: false
    version_added: 0.3.0
attributes:
  check_mode:
    support: full
    description: Never writes; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
"""

EXAMPLES = r"""
- name: Is deploy blocked by a failed migration?
  backoffice.dbops.prisma_migration_info:
    database_url: "{{ database_url }}"
    migrations_dir: "{{ playbook_dir }}/../apps/api/prisma/migrations"
  register: history

- name: Show what failed and why
  ansible.builtin.debug:
    msg: "{{ item.migration_name }}: {{ item.logs }}"
  loop: "{{ history.failed_migrations }}"

- name: Read a local SQLite rehearsal database
  backoffice.dbops.prisma_migration_info:
    database_url: file:./dev.db
    project_dir: /srv/api/prisma
"""

RETURN = r"""
database:
  description: Where the history was read, without credentials.
  returned: always
  type: str
  sample: postgresql app@db.internal:5432/backoffice (schema public)
has_migrations_table:
  description: Whether C(_prisma_migrations) exists; false means Prisma never migrated this database.
  returned: always
  type: bool
migrations_count:
  description: How many rows C(_prisma_migrations) holds.
  returned: always
  type: int
migrations_truncated:
  description: Whether RV(migrations) lists fewer rows than the table holds (see O(history_limit)).
  returned: always
  type: bool
migrations:
  description:
    - The rows of C(_prisma_migrations) in Prisma's order (C(started_at) ascending); all of them unless the history
      is longer than O(history_limit).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Row id (a UUID).
      type: str
    migration_name:
      description: The migration folder name.
      type: str
    checksum:
      description: SHA-256 of the migration script when it ran.
      type: str
    started_at:
      description: ISO 8601 UTC.
      type: str
    finished_at:
      description: ISO 8601 UTC, or null when the migration did not finish.
      type: str
    rolled_back_at:
      description: ISO 8601 UTC, or null.
      type: str
    applied_steps_count:
      description: Steps Prisma applied.
      type: int
    logs:
      description:
        - The database error Prisma recorded for a failed migration, with the row values it quotes replaced by
          C([redacted]) unless O(show_values) is true.
      type: str
    state:
      description: V(applied), V(failed) or V(rolled_back).
      type: str
  sample:
    - id: 1b4e28ba-2fa1-41d2-883f-0016d3cca427
      migration_name: 20201127134938_added_bio_index
      checksum: 2b1f0f5a2d6c61e53c0f14c0b0b9f0f7e3a1f0c9f6d5e3b1a0c9e8d7f6a5b4c3
      started_at: "2020-11-27T13:49:38.123Z"
      finished_at: null
      rolled_back_at: null
      applied_steps_count: 0
      logs: "Database error code: 23505 ..."
      state: failed
failed_migrations:
  description:
    - The failed rows that block deploy (P3009), oldest first, with their C(logs), shaped like RV(migrations).
    - Named so because Ansible reserves C(failed) for the task outcome.
  returned: always
  type: list
  elements: dict
blocked:
  description: Whether C(prisma migrate deploy) would stop with P3009.
  returned: always
  type: bool
p3009_message:
  description: The message Prisma would print, or null when deploy is not blocked.
  returned: always
  type: str
pending:
  description: Local migrations deploy would apply (no row that is not rolled back), in folder order.
  returned: when O(migrations_dir) is set
  type: list
  elements: str
edited:
  description: Applied migrations whose local file no longer matches the recorded checksum.
  returned: when O(migrations_dir) is set
  type: list
  elements: str
missing_locally:
  description:
    - Migrations of the history that have no folder in O(migrations_dir), oldest first; at most O(history_limit)
      of them, the most recent (RV(missing_locally_count) counts them all).
  returned: when O(migrations_dir) is set
  type: list
  elements: str
missing_locally_count:
  description: How many migrations of the history have no folder in O(migrations_dir).
  returned: when O(migrations_dir) is set
  type: int
failed_migration_names:
  description: The names of the failed migrations, once each, oldest first.
  returned: always
  type: list
  elements: str
migration_state:
  description:
    - Where O(migration) stands, V(failed) while any of its rows is failed, else the state of its latest row
      (V(applied) or V(rolled_back)), or V(absent) when the history has no row of that name.
  returned: when O(migration) is set
  type: str
  sample: failed
migration_rows:
  description: The rows of O(migration), shaped like RV(migrations) (at most O(history_limit), the latest).
  returned: when O(migration) is set
  type: list
  elements: dict
still_blocking:
  description: The failed migrations other than O(migration), oldest first; deploy stays blocked while any is.
  returned: when O(migration) is set
  type: list
  elements: str
not_comparable:
  description:
    - Recorded migrations whose local C(migration.sql) cannot be compared with the stored checksum, with the reason
      (not a regular file, too large, not valid UTF-8); they are never listed in RV(edited).
  returned: when O(migrations_dir) is set
  type: list
  elements: dict
  contains:
    migration_name:
      description: The migration folder name.
      type: str
    reason:
      description: Why the file cannot be compared.
      type: str
last_audit:
  description: The last audit record of O(audit_environment) in O(audit_dir), or null when there is none.
  returned: when O(audit_dir) is set
  type: dict
  contains:
    file:
      description: Its file name.
      type: str
    at:
      description: When it was written (UTC).
      type: str
    migration:
      description: The migration that run was about.
      type: str
    action:
      description: What it was asked to do.
      type: str
    outcome:
      description: How it ended.
      type: str
unaudited_resolves:
  description:
    - Rows resolved after the last audit record was written that are not among its rows, oldest first, each with
      C(migration_name), C(id), C(resolved_as) (V(rolled_back) or V(applied)) and C(at).
    - An interrupted run, or a resolve outside this collection, left no record of these.
  returned: when O(audit_dir) is set
  type: list
  elements: dict
lockfile_provider:
  description: The provider named in C(migration_lock.toml), or null.
  returned: when O(migrations_dir) is set
  type: str
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
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import summarize
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrations_directory import (
    read_migrations_directory,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.modules import (
    DEFAULT_HISTORY_LIMIT,
    history_limit,
    open_history_store,
    requested_migration,
)


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            history_limit={"type": "int", "default": DEFAULT_HISTORY_LIMIT},
            migration={"type": "raw"},
            audit_dir={"type": "path"},
            audit_environment={"type": "str"},
            show_values={"type": "bool", "default": False},
        ),
        required_together=[("audit_dir", "audit_environment")],
        supports_check_mode=True,
    )
    secrets = Secrets(module)
    with report_failures(module, secrets):
        limit = history_limit(module.params)
        migration = requested_migration(module, secrets)
        store = open_history_store(module, secrets)
        directory = None
        if module.params["migrations_dir"]:
            directory = read_migrations_directory(module.params["migrations_dir"])
        records = store.read()
        local = directory.migrations if directory else None
        secrets.keep([record.migration_name for record in records or []] + [folder.name for folder in local or []])
        shown = records if module.params["show_values"] else records_without_values(records)
        result = summarize(shown, local, limit, migration)
        if module.params["audit_dir"]:
            # Imported only when asked: Ansible compiles every module_util the module loads, on every run.
            from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.audit_trail import (
                last_record,
                unaudited_resolves,
            )

            last = last_record(module.params["audit_dir"], module.params["audit_environment"])
            result["last_audit"] = last.as_dict() if last else None
            result["unaudited_resolves"] = unaudited_resolves(records or [], last) if last else []
        if directory:
            result["lockfile_provider"] = directory.lockfile_provider
        module.exit_json(changed=False, database=store.target.describe(), **result)


if __name__ == "__main__":
    main()
