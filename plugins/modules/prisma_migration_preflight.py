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
  - B(What running it costs production) (RV(impact)), statement by statement, before anything runs (the lock it
    takes and on which tables, whether it rewrites or reads every row, each table's rows and size as the catalog
    estimates them, and whether it changes data).
  - B(Whether it will succeed now) (RV(rehearsal)) where DDL is transactional (PostgreSQL, SQLite, SQL Server), runs
    the migration as Prisma would, inside a transaction that is always rolled back, under Prisma's migrate lock. One
    deadline, O(rehearsal_timeout), bounds it from the first lock taken to the rollback, enforced from outside the
    rehearsing session, whatever the migration contains; each statement also gets O(statement_timeout) and a lock
    timeout of at most 5 seconds. Never on MySQL or MariaDB (DDL commits implicitly), nor when statements already
    took effect; not (unless O(rehearse=force)) when a statement changes data or rewrites or reads a table above
    O(rehearsal_max_rows) rows.
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
      - V(true) runs the migration inside a transaction that is rolled back, to tell whether it succeeds now;
        V(false) does not.
      - The rehearsal takes the same locks as the real migration until its rollback, at most O(rehearsal_timeout)
        seconds in all (RV(impact) says which locks, on which tables). What a rollback does not undo is listed in
        the notes.
      - Statements that change data (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, C(nextval)/C(setval), and DO blocks
        or procedure calls, whose writes their text does not show), and statements that rewrite or read every row
        of a table the catalog estimates above O(rehearsal_max_rows) rows, are not rehearsed, and
        RV(rehearsal.skipped_reason) names the first; V(force) rehearses them anyway.
      - A statement that sets the session's own timeouts (PostgreSQL C(SET)/C(RESET)/C(set_config) of
        C(statement_timeout), C(lock_timeout), C(idle_in_transaction_session_timeout), C(idle_session_timeout) or
        C(transaction_timeout); SQL Server C(SET LOCK_TIMEOUT), C(SET QUERY_GOVERNOR_COST_LIMIT),
        C(SET DEADLOCK_PRIORITY); SQLite C(PRAGMA busy_timeout)) is not sent to the rehearsal
        (RV(rehearsal.neutralised)); one that changes them from inside another statement (a DO block, a function's
        SET clause) makes the rehearsal refuse, even with V(force).
      - The role C(backoffice.dbops.p3009_recovery) never rehearses in check mode on a protected environment, nor
        before its confirmation; this module rehearses whenever asked, check mode included.
      - Booleans in any spelling Ansible accepts keep working.
    type: raw
    default: true
  rehearsal_timeout:
    description:
      - Seconds the whole rehearsal may hold locks, from the first lock taken (Prisma's, as its transaction begins)
        to the rollback. A watchdog thread enforces it from outside the rehearsing session (PostgreSQL's cancel
        request, then ending the session from a second connection; SQLite's interrupt; ODBC's cancel on SQL
        Server), so no other session waits on the rehearsal for more than about O(rehearsal_timeout) + 1 seconds.
      - A rehearsal stopped by it reports RV(rehearsal.timed_out) and tells nothing about success.
    type: int
    default: 10
    version_added: 0.3.0
  rehearsal_max_rows:
    description:
      - A statement that rewrites or reads every row of an existing table estimated above this many rows is not
        rehearsed unless O(rehearse=force). Estimates come from the catalog (PostgreSQL C(pg_class.reltuples) and
        C(relpages), MySQL C(information_schema.TABLES), SQLite C(sqlite_stat1) where ANALYZE ran, SQL Server
        C(sys.partitions)); where it has none (a table never analysed), rows are counted, no further than one past
        this limit.
    type: int
    default: 1000000
    version_added: 0.3.0
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
      - Seconds each of the preflight's own reads (catalog, estimates, offending rows) may run before it is
        cancelled.
      - Also the most any one statement of the rehearsal may run (on SQL Server, the migration's one batch); the
        whole rehearsal is bounded by O(rehearsal_timeout).
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description:
      - Never writes; the rehearsal is always rolled back, so it runs the same in check mode. Callers that must not
        rehearse in check mode (the recovery role on a protected environment) pass O(rehearse=false).
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
notes:
  - The rehearsal holds Prisma's migrate lock while it runs; a C(prisma migrate deploy) started meanwhile waits for
    it (Prisma waits 10 seconds).
  - "Locks while it runs, per statement (RV(impact)): PostgreSQL C(ALTER TABLE) takes ACCESS EXCLUSIVE (reads and
    writes of the table wait) except the subforms its documentation lists lower (ADD FOREIGN KEY: SHARE ROW
    EXCLUSIVE on both tables; VALIDATE CONSTRAINT, SET STATISTICS: SHARE UPDATE EXCLUSIVE); C(CREATE INDEX) takes
    SHARE (writes wait, reads do not); C(DROP INDEX), C(DROP TABLE), C(TRUNCATE) ACCESS EXCLUSIVE; INSERT, UPDATE and
    DELETE ROW EXCLUSIVE plus the rows they change. SQLite: one write lock for the whole database (other writers
    wait), and in rollback-journal mode readers wait too once the rehearsal's changes outgrow its page cache.
    SQL Server: every C(ALTER TABLE) holds Sch-M (nothing reads the table, not even NOLOCK), a non-clustered
    C(CREATE INDEX) a shared table lock (writes wait), row changes escalate to a table lock beyond about 5,000
    rows. MySQL/MariaDB are never rehearsed; their plan names the online DDL algorithm (INSTANT, INPLACE, COPY)."
  - "What a rolled-back rehearsal still costs: PostgreSQL writes WAL for everything it did (a table rewrite or
    UPDATE writes the table again: replicas receive it and may lag), leaves dead rows and orphaned files behind
    until VACUUM (table bloat), consumes sequence values (C(nextval), serial columns filled: never given back), and
    may spill sorts and index builds to temporary files; SQL Server logs every change and its undo in the
    transaction log (it grows, replicas and log backups carry it) and rolls a large change back as slowly as it
    made it; SQLite copies every changed page into the rollback journal (or WAL) and, in rollback-journal mode,
    blocks readers while it holds the exclusive lock. MySQL/MariaDB: not rehearsed."
  - On Babelfish (SQL Server's protocol on PostgreSQL) an attention reaches the server only once the running
    statement ends (measured on Babelfish 4.3), so the rehearsal is bounded there by PostgreSQL's C(statement_timeout)
    and the lock timeout instead, set to the deadline; a T-SQL C(WHILE) loop checks neither.
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
impact:
  description:
    - The lock-impact plan, one entry per statement of C(migration.sql), read from each statement's text by the
      database's documented lock rules, with the catalog's estimates of the tables.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: The statement, 1-based.
      type: int
    operation:
      description: What it is (C(ALTER TABLE), C(CREATE INDEX), C(UPDATE), ...; V(unknown) when its text does not
        tell).
      type: str
    lock:
      description:
        - The strongest lock it takes on a table that exists before the migration (PostgreSQL's mode names,
          V(Sch-M)/V(S)/V(IX) on SQL Server, V(database write lock) on SQLite, the LOCK level V(NONE)/V(SHARED)/
          V(EXCLUSIVE) of MySQL's online DDL), V(unknown), or null (no table lock).
      type: str
    blocks_reads:
      description: Whether other sessions' reads of those tables wait while it holds its lock.
      type: bool
    blocks_writes:
      description: Whether other sessions' writes wait (for UPDATE/DELETE, writes of the rows it changes).
      type: bool
    rewrites:
      description: Whether it rewrites a whole existing table.
      type: bool
    scans:
      description: Whether it reads every row of an existing table (a rewrite does).
      type: bool
    changes_data:
      description: Whether it writes rows; null when its text cannot tell (DO blocks, procedure calls).
      type: bool
    algorithm:
      description: MySQL/MariaDB, the online DDL algorithm (V(INSTANT), V(INPLACE), V(COPY)); null elsewhere.
      type: str
    tables:
      description:
        - Per table, C({table, lock, blocks_reads, blocks_writes, rewrites, scans, created_by_migration,
          estimated_rows, estimated_bytes, rows_counted}). Estimates come from the catalog (SQLite's size is the
          whole database's); C(rows_counted) when the catalog had none and rows were counted up to one past
          O(rehearsal_max_rows).
      type: list
      elements: dict
    notes:
      description: What the planner knows beyond the fields (for example that a type change rewrites unless the types
        are binary-coercible).
      type: list
      elements: str
  sample:
    - index: 1
      operation: CREATE INDEX
      lock: SHARE
      blocks_reads: false
      blocks_writes: true
      rewrites: false
      scans: true
      changes_data: false
      algorithm: null
      tables:
        - {table: User, lock: SHARE, blocks_reads: false, blocks_writes: true, rewrites: false, scans: true,
           created_by_migration: false, estimated_rows: 1000000, estimated_bytes: 75235328, rows_counted: false}
      notes: ["UNIQUE: fails on duplicated values; reads and sorts every row; writes wait until it ends"]
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
    timed_out:
      description:
        - Whether O(rehearsal_timeout) stopped it (RV(rehearsal.error_kind) is then V(rehearsal_timeout)); it then
          tells nothing about whether the migration succeeds.
      type: bool
      version_added: 0.3.0
    stopped_by:
      description: How the watchdog stopped it, V(cancel) or V(terminate) (the session ended); null when it did not.
      type: str
      version_added: 0.3.0
    neutralised:
      description:
        - The statements a rehearsal does not send because they set its own timeouts, C({index, statement,
          reason}); the real deploy still runs them.
      type: list
      elements: dict
      version_added: 0.3.0
repair:
  description:
    - For a failed migration whose statements are all judged (RV(verdict) none, partial or complete), the two
      repairs derived from the verdict; null otherwise. Run either with M(backoffice.dbops.prisma_migration_repair)
      (or C(-e repair=revert|complete) in the recovery playbook), which derives it again under Prisma's lock and
      stops when it differs from the SHA-256 (C(sha256)) of RV(repair.revert) or RV(repair.complete) shown here.
  returned: always
  type: dict
  version_added: 0.3.0
  contains:
    revert:
      description:
        - The inverse of each statement that took effect, in reverse order, rendered for the database by sqlglot's
          generator (C(statements) the indexes it undoes, C(script), C(sha256), C(lossless)). When a statement
          cannot be undone without losing what it changed (it dropped something, changed rows, added an enum
          value, restated or retyped a column), C(lossless) is false, C(script) null and C(refused) names each such
          statement C({index, label, reason}).
      type: dict
    complete:
      description:
        - The statements that did not take effect, verbatim from migration.sql and in order, with the migration's
          own session settings where they stand (C(statements) the indexes it runs, C(script), C(sha256)).
      type: dict
advice:
  description:
    - V(fix_data_then_retry), V(retry) (resolve rolled back and redeploy), V(revert_then_retry) (a partial
      migration with a lossless revert, see RV(repair.revert)), V(complete_then_applied) (a partial migration, see
      RV(repair.complete)), V(mark_applied), V(check_by_hand) (the verdict is unknown, and a person must check the
      statements RV(unjudged) names) or V(investigate).
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
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.options import (
    database_argument_spec,
    open_module_database,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.modules import requested_migration
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.run import run_preflight


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            migration={"type": "raw", "required": True},
            migrations_dir={"type": "path", "required": True},
            rehearse={"type": "raw", "default": True},
            sample_size={"type": "int", "default": 5},
            statement_timeout={"type": "int", "default": 30},
            rehearsal_timeout={"type": "int", "default": 10},
            rehearsal_max_rows={"type": "int", "default": 1_000_000},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        migration = requested_migration(module, secrets)
        # The database carries the parsed URL, the module's secrets and the Entra ID token the other modules use.
        database = open_module_database(module, secrets, PreflightDatabase)
        result = run_preflight(
            database,
            migration=migration,
            migrations_dir=params["migrations_dir"],
            rehearse_migration=params["rehearse"],
            sample_size=params["sample_size"],
            statement_timeout=params["statement_timeout"],
            rehearsal_timeout=params["rehearsal_timeout"],
            rehearsal_max_rows=params["rehearsal_max_rows"],
        )
        module.exit_json(changed=False, database=database.target.describe(), **result)


if __name__ == "__main__":
    main()
