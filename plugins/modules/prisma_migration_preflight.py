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
  - B(What it left behind) (RV(verdict), RV(statements)), proven from the live catalog (information_schema,
    pg_catalog, sys.*, sqlite_master) or said to be V(unknown), never assumed from the engine's transaction rules.
    Each hypothesis of how far the migration got (the statement that failed, as Prisma recorded it, and how many
    statements before it stayed, each one where statements commit on their own, none where the script is one
    transaction, or more where a person went on by hand) predicts what the catalog shows, that is tables, columns
    with their type, nullability and default, indexes and constraints with their columns and validity (PostgreSQL's
    C(indisvalid), C(convalidated), SQL Server's C(is_disabled)), enums and their labels, functions, views,
    sequences, triggers, extensions. A statement is judged when every hypothesis the catalog leaves standing agrees
    on it; a statement that changes data (INSERT, UPDATE, DELETE, DO, a procedure) is judged only through the
    statements around it.
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
      - V(0) returns counts only, and keeps values out of RV(advice_text), and out of RV(cause.message) and
        RV(rehearsal.error), where the row values a database quotes (C(Duplicate entry '...'),
        C(Key (bio)=(...))) are masked.
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
    (for example MySQL's C(Duplicate entry)) unless O(sample_size=0).
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
          V(syntax_error) or V(unknown).
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
      V(complete), or V(unknown) when a statement with a lasting effect cannot be judged (RV(unjudged) names it) or
      the catalog matches no state the migration can leave.
    - The recovery role refuses to resolve over V(unknown) until a person has checked and passes
      C(accept_unknown=<migration>).
  returned: always
  type: str
unjudged:
  description: The statements with a lasting effect whose effect the catalog cannot tell, and what to check.
  returned: always
  type: list
  elements: dict
  version_added: 0.3.0
  contains:
    index:
      description: 1-based.
      type: int
    label:
      description:
        - Its opening words up to its first string literal (C(UPDATE "User" SET "balance" = "balance" * 100)), never
          its values.
      type: str
    reason:
      description: Why it cannot be judged and what a person must check.
      type: str
conflicts:
  description:
    - When nothing took effect, what a retry would fail on now (a statement that creates what exists already, or
      needs what is not there); empty otherwise.
  returned: always
  type: list
  elements: str
  version_added: 0.3.0
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
          index, column, constraint, type, view, ...), V(rename_*) (table, column, index, constraint, type),
          V(create_type), V(add_enum_value), V(create_function), V(create_view), V(create_trigger), ..., V(dml),
          V(session) (SET, PRAGMA), V(transaction) (BEGIN, COMMIT) or V(other).
      type: str
    category:
      description:
        - V(schema) (judged from the catalog), V(data) (changes rows; the catalog cannot show it), V(session) or
          V(transaction) (nothing lasts), V(unmodelled) (the catalog check does not cover it).
      type: str
      version_added: 0.3.0
    reason:
      description: Why RV(statements.effect_present) is null; null when it is judged.
      type: str
      version_added: 0.3.0
    table:
      description: The table the statement changes, as written.
      type: str
    effect_present:
      description:
        - Whether its effect is in the database; null when the catalog cannot tell (RV(statements.reason) says why).
        - For SET, PRAGMA, BEGIN and COMMIT, whether the migration got past it.
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
      description: The database's message (its primary text only; no row values).
      type: str
    error_kind:
      description: The error classified as RV(cause.kind) is.
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
      V(mark_applied), V(check_by_hand) (the verdict is unknown, and a person must check the statements RV(unjudged)
      names) or V(investigate).
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
    with report_failures(module):
        migration = requested_migration(module)
        # The store carries the parsed URL, the masked password and the Entra ID token the other modules use.
        store = open_history_store(module)
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
