#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prisma_migration_preflight
short_description: Before the retry, tell why a Prisma migration failed, what it left behind and whether it will succeed
version_added: 0.2.0
description:
  - Answers, for a failed (or pending) migration, the questions the runbook's "fix the data, then re-run the pipeline"
    leaves to the operator, without writing anything.
  - B(Why it failed) (RV(cause)), from the failed row's C(logs) in every format Prisma writes them (the native
    engine's P3018 text with its database error code, and on MySQL the query number; the driver adapters' format) and,
    where the logs are not enough, from the statements of C(migration.sql), parsed with sqlglot for the database's
    dialect.
  - B(What is in the way) (RV(offending)) for causes the data explains (unique, not null, foreign key, check) the
    query that finds the rows, their count and up to O(sample_size) sample key values, aggregated in the database.
  - B(What it left behind) (RV(verdict), RV(statements)), judged statement by statement from the live catalog
    (information_schema, pg_catalog, sys.*, sqlite_master), not assumed from the engine's transaction rules.
  - B(Whether it will succeed now) (RV(rehearsal)) where DDL is transactional (PostgreSQL, SQLite, SQL Server), runs
    the migration as Prisma would, inside a transaction that is always rolled back, under Prisma's migrate lock, with
    O(statement_timeout) and a lock timeout of at most 5 seconds so that production is never held up for long. Never
    on MySQL or MariaDB (DDL commits implicitly), nor when statements already took effect.
  - RV(advice) and RV(advice_text) say what to do next.
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.database
  - backoffice.dbops.database.connection
options:
  migration:
    description:
      - The whole migration name, that is the folder name, for example C(20201127134938_added_bio_index).
      - One name, as a string; a list or any other value is refused.
    type: raw
    required: true
  migrations_dir:
    description:
      - The Prisma migrations folder of the release that ran the migration; its C(migration.sql) is what is analysed
        and rehearsed.
    type: path
    required: true
  rehearse:
    description:
      - Run the migration inside a transaction that is rolled back, to tell whether it succeeds now.
      - The rehearsal takes the same locks as the real migration for its duration (at most O(statement_timeout) per
        statement, and at most 5 seconds waiting for any lock).
    type: bool
    default: true
  sample_size:
    description:
      - How many sample key values RV(offending) returns (the duplicated values, the missing parents, or the keys of
        rows with a NULL or failing a check). Sample values are user data.
      - V(0) returns counts only, and keeps every row value out of the result - RV(advice_text), RV(cause.message)
        and RV(rehearsal.error) too, where the values a database quotes (MySQL's C(Duplicate entry), PostgreSQL's
        C(Key) and C(Failing row contains) details, an enum, date or JSON input that did not convert) are replaced
        with C([redacted]).
    type: int
    default: 5
  statement_timeout:
    description:
      - Seconds each statement of the rehearsal may run (PostgreSQL; on SQLite the whole rehearsal, on SQL Server the
        migration's one batch) before it is cancelled and everything rolled back.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description: Never writes; the rehearsal is always rolled back, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
notes:
  - The rehearsal holds Prisma's migrate lock while it runs; a C(prisma migrate deploy) started meanwhile waits for
    it (Prisma waits 10 seconds).
  - RV(cause.message) is the database error as Prisma recorded it in C(_prisma_migrations), which can quote row values
    (for example MySQL's C(Duplicate entry)) unless O(sample_size=0). Error messages the module fails with never
    quote row values.
"""

EXAMPLES = r"""
- name: Will the failed migration succeed if retried?
  backoffice.dbops.prisma_migration_preflight:
    database_url: "{{ database_url }}"
    migrations_dir: "{{ playbook_dir }}/../apps/api/prisma/migrations"
    migration: 20201127134938_added_bio_index
  register: preflight

- name: Say what to do
  ansible.builtin.debug:
    msg: "{{ preflight.verdict }} / {{ preflight.advice }}: {{ preflight.advice_text }}"

- name: Counts only, no sample values, no rehearsal
  backoffice.dbops.prisma_migration_preflight:
    database_url: "{{ database_url }}"
    migrations_dir: prisma/migrations
    migration: 20201127134938_added_bio_index
    sample_size: 0
    rehearse: false
"""

RETURN = r"""
database:
  description: Where the migration was checked, without credentials.
  returned: always
  type: str
migration:
  description: The migration checked.
  returned: always
  type: str
migration_state:
  description: V(failed) (a failed row blocks deploy), V(applied), or V(pending) (no row, or only rolled-back rows).
  returned: always
  type: str
cause:
  description:
    - Why the migration failed, from its failed row's C(logs) (or, for a pending migration, from a failed rehearsal);
      null when nothing failed.
  returned: always
  type: dict
  contains:
    kind:
      description:
        - V(unique_violation), V(not_null_violation), V(foreign_key_violation), V(check_violation),
          V(type_conversion), V(duplicate_object), V(missing_object), V(permission_denied), V(lock_timeout),
          V(statement_timeout), V(syntax_error), V(unsupported_by_adapter) or V(unknown).
        - V(lock_timeout) - a lock was not granted in time, or the statement was chosen as a deadlock victim
          (PostgreSQL 55P03 and 40P01, MySQL 1205 and 1213, SQL Server 1222 and 1205, SQLite C(database is
          locked)); nothing in the data is at fault.
        - V(statement_timeout) - the statement ran longer than a limit and was cancelled (PostgreSQL 57014, MariaDB
          1969, MySQL 3024, SQL Server's query timeout or cancel, SQLite's interrupt); running it again hits the
          same limit unless the limit or the load changes.
        - V(unsupported_by_adapter) - Prisma's driver adapter (Prisma 7's C(prisma.config.ts) setups) splits
          C(migration.sql) at every C(;), also inside a C($$) body, a quoted string or a comment, so the database
          received a fragment of the statement named; the data is not at fault and a redeploy fails the same way.
          V(advice) is then V(investigate), never V(retry).
      type: str
    statement_index:
      description: The failing statement, 1-based in C(migration.sql) (SQL Server's transaction wrapper not counted).
      type: int
    statement:
      description: That statement's text, cut at 500 characters.
      type: str
    database_code:
      description:
        - The database's error code (SQLSTATE, MySQL errno, SQLite extended code, SQL Server number) when known.
      type: str
    message:
      description: The database error as recorded.
      type: str
  sample:
    kind: unique_violation
    statement_index: 1
    statement: CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")
    database_code: "23505"
    message: 'ERROR: could not create unique index "User_bio_key"'
offending:
  description: The rows in the way of the failing statement, for the causes data explains; null otherwise.
  returned: always
  type: dict
  contains:
    kind:
      description: The cause the rows explain.
      type: str
    table:
      description: The table holding them.
      type: str
    columns:
      description: The columns the statement constrains.
      type: list
      elements: str
    query:
      description: The exact query run (aggregates in the database; at most O(sample_size) rows come back).
      type: str
    count:
      description: How many rows are in the way (for unique, the rows that share a value with another).
      type: int
    groups:
      description: Unique and foreign key causes, how many distinct values are duplicated or missing their parent.
      type: int
    samples:
      description: Up to O(sample_size) entries C({values, rows}); empty when O(sample_size=0).
      type: list
      elements: dict
  sample:
    kind: unique_violation
    table: public.User
    columns: [bio]
    count: 2
    groups: 1
    samples: [{values: {bio: "Hello, I'm new here"}, rows: 2}]
verdict:
  description:
    - What the migration left behind, from the live catalog. V(none) (no statement took effect), V(partial),
      V(complete) or V(unknown) (the catalog matches no point of the migration, or no statement can be judged).
  returned: always
  type: str
statements:
  description: One entry per statement of C(migration.sql).
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: 1-based.
      type: int
    line:
      description: The line of C(migration.sql) the statement starts on.
      type: int
    kind:
      description:
        - V(create_table), V(add_column), V(create_index), V(add_constraint), V(alter_column), V(drop_*) (table,
          index, column, constraint, ...), V(rename_*) (table, column, index), V(dml) or V(other).
      type: str
    table:
      description: The table the statement changes, as written.
      type: str
    effect_present:
      description: Whether its effect is in the database; null when it cannot be judged (DML, PRAGMA, ...).
      type: bool
    statement:
      description: The statement, cut at 500 characters.
      type: str
rehearsal:
  description: Whether the migration succeeds now, run in a transaction that was rolled back.
  returned: always
  type: dict
  contains:
    ran:
      description: Whether it ran.
      type: bool
    succeeded:
      description: Whether every statement succeeded; null when it did not run.
      type: bool
    failed_statement_index:
      description: The statement that failed.
      type: int
    error:
      description:
        - The database's message (its primary text only); the row values it quotes are replaced with C([redacted])
          when O(sample_size=0).
      type: str
    error_kind:
      description:
        - The error classified as RV(cause.kind) is; V(statement_timeout) when the rehearsal's own
          O(statement_timeout) cut a statement off, V(lock_timeout) when a lock was not granted in time.
      type: str
    database_code:
      description: The database's error code.
      type: str
    skipped_reason:
      description: Why it did not run.
      type: str
    seconds:
      description: How long it ran.
      type: float
advice:
  description:
    - V(fix_data_then_retry), V(retry) (resolve rolled back and redeploy), V(complete_by_hand_then_applied),
      V(mark_applied) or V(investigate).
  returned: always
  type: str
advice_text:
  description:
    - One sentence to act on, naming the table, columns and count (and a sample value only when O(sample_size) > 0).
  returned: always
  type: str
  sample: >-
    Will fail at statement 1: 2 rows of User share bio 'same'; fix them, then resolve it as rolled back and redeploy.
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.modules import (
    database_argument_spec,
    open_history_store,
    requested_migration,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.run import run_preflight


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            migration={"type": "raw", "required": True},
            migrations_dir={"type": "path", "required": True},
            rehearse={"type": "bool", "default": True},
            sample_size={"type": "int", "default": 5},
            statement_timeout={"type": "int", "default": 30},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        migration = requested_migration(module, secrets)
        # The store carries the parsed URL, the module's secrets and the Entra ID token the other modules use.
        store = open_history_store(module, secrets)
        result = run_preflight(
            store,
            migration=migration,
            migrations_dir=params["migrations_dir"],
            rehearse_migration=params["rehearse"],
            sample_size=params["sample_size"],
            statement_timeout=params["statement_timeout"],
        )
        module.exit_json(changed=False, database=store.target.describe(), **result)


if __name__ == "__main__":
    main()
