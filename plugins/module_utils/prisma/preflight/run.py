# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""prisma_migration_preflight's executor: one connection, reads only, and a rehearsal that is always rolled back."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import without_values
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import DatabaseError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import APPLIED, FAILED
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrations_directory import (
    check_lockfile,
    read_migrations_directory,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.advice import advise
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import (
    DATA_KINDS,
    cause_from_log,
    make_cause,
    with_kind,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.effects import judge, table_key
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import (
    mentioned_names,
    parse_failure_log,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.offending import (
    plan_offending,
    read_offending,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.rehearsal import rehearse, skipped
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.statements import (
    TableName,
    split_statements,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.store import records_of

# How long the rehearsal waits for Prisma's lock and for a lock on a table: others queue behind a waiting ALTER.
LOCK_WAIT = 5


def run_preflight(
    store,
    *,
    migration: str,
    migrations_dir: str,
    rehearse_migration: bool = True,
    sample_size: int = 5,
    statement_timeout: int = 30,
) -> dict:
    """Everything prisma_migration_preflight returns; `store` is the HistoryStore of the database (its target and
    credentials)."""
    target, flavour = store.target, store.flavour
    if sample_size < 0 or statement_timeout < 1:
        raise DbopsError("sample_size must be 0 or more and statement_timeout at least 1 (seconds).")
    directory = read_migrations_directory(migrations_dir)
    check_lockfile(directory, flavour.lockfile_providers)
    local = next((candidate for candidate in directory.migrations if candidate.name == migration), None)
    if local is None or local.script is None:
        raise DbopsError(
            f"Migration {migration} has no readable migration.sql in {migrations_dir}.",
            hint="Pass the whole folder name of the migration (as prisma_migration_info lists it) and the migrations "
            "folder of the release that ran it.",
        )
    if local.problem:
        raise DbopsError(
            f"Migration {migration}'s migration.sql cannot be read as SQL: {local.problem}.",
            hint="Check the file is the migration Prisma generated (UTF-8 text).",
        )
    # The directory keeps the file's bytes (Prisma's checksum is over them); statements are its UTF-8 text.
    script = local.script.decode("utf-8")
    statements = split_statements(script, flavour.sqlglot_dialect)
    secrets = store.secrets
    lock_wait = min(LOCK_WAIT, statement_timeout)
    connection = store.connect(read_only=not rehearse_migration, lock_timeout=lock_wait)
    try:
        return _Preflight(flavour, connection, statements, script, secrets).run(
            migration, rehearse_migration, sample_size, statement_timeout, lock_wait
        )
    except DbopsError:
        raise
    except Exception as exc:  # drivers raise their own classes; report them uniformly, without secrets
        raise DatabaseError(f"{target.describe()}: {redact(one_line(exc), secrets)}") from None
    finally:
        with suppress(Exception):
            connection.rollback()
        with suppress(Exception):
            connection.close()


class _Preflight:
    def __init__(self, flavour, connection, statements, script, secrets):
        self.flavour = flavour
        self.connection = connection
        self.cursor = connection.cursor()
        self.statements = statements
        self.script = script
        self.secrets = secrets
        self._tables = {}

    def facts(self, table: TableName):
        key = table_key(self.flavour, table, self.flavour.default_schema())
        if key not in self._tables:
            self._tables[key] = self.flavour.catalog_table(self.cursor, table)
        return self._tables[key]

    def facts_of(self, key):
        return self._tables.get(key)

    def run(self, migration, rehearse_migration, sample_size, statement_timeout, lock_wait) -> dict:
        flavour, statements = self.flavour, self.statements
        flavour.limit_reads(self.cursor, statement_timeout=statement_timeout, lock_wait=lock_wait)
        state, failed = self._history_state(migration)
        log = parse_failure_log(failed.logs if failed else None)
        cause = cause_from_log(log, statements, flavour.classify_error, self.script)
        index_tables = self._read_catalog()
        judgement = judge(
            statements, flavour, self.facts_of, index_tables, failed_index=cause.statement_index if cause else None
        )
        offending = None
        if cause is not None and cause.statement_index:
            cause, offending = self._offending(cause, log.names, sample_size)
        # Reads are done: end their transaction before the rehearsal begins its own.
        self.connection.rollback()

        if not rehearse_migration:
            rehearsal = skipped("rehearse is false.")
        elif state == APPLIED:
            rehearsal = skipped("the migration is already applied.")
        elif judgement.verdict in ("partial", "complete"):
            rehearsal = skipped(
                f"statements {', '.join(map(str, judgement.applied))} already took effect ({judgement.verdict}); "
                "running the migration again would fail on them."
            )
        else:
            reason = flavour.rehearsal_blocker(self.connection, statements)
            if reason:
                rehearsal = skipped(reason)
            else:

                def count_in_the_way(cursor, index, kind):
                    plan = plan_offending(kind, statements[index - 1], statements, flavour, self.facts, sample_size)
                    return read_offending(cursor, plan) if plan is not None else None

                rehearsal, found = rehearse(
                    self.connection,
                    flavour,
                    self.script,
                    statements,
                    statement_timeout=statement_timeout,
                    lock_wait=lock_wait,
                    secrets=self.secrets,
                    on_failure=count_in_the_way if offending is None else None,
                )
                offending = offending or found
                if cause is None and rehearsal.succeeded is False:
                    cause = make_cause(
                        rehearsal.error_kind,
                        rehearsal.failed_statement_index,
                        statements,
                        rehearsal.database_code,
                        rehearsal.error or "",
                    )
                    if offending is None and cause.statement_index:
                        # One batch (SQL Server) has no savepoint to count from: count as the database is now.
                        cause, offending = self._offending(cause, mentioned_names(cause.message), sample_size)
                        self.connection.rollback()
        if sample_size == 0:
            # Counts only: the row values a database quotes in its messages stay out too, advice_text included.
            cause = replace(cause, message=without_values(cause.message)) if cause else None
            if rehearsal.error:
                rehearsal = replace(rehearsal, error=without_values(rehearsal.error))
        advice, advice_text = advise(migration, state, judgement, cause, offending, rehearsal)
        return {
            "migration": migration,
            "migration_state": state,
            "cause": cause.as_dict() if cause else None,
            "offending": offending.as_dict() if offending else None,
            "verdict": judgement.verdict,
            "statements": [
                {
                    **statement.as_dict(),
                    "effect_present": judgement.present[statement.index],
                    "statement": statement.short_text,
                }
                for statement in statements
            ],
            "rehearsal": rehearsal.as_dict(),
            "advice": advice,
            "advice_text": advice_text,
        }

    def _history_state(self, migration):
        """failed (with its most recent failed row), applied, or pending (no row, or only rolled-back ones)."""
        cursor = self.cursor
        cursor.execute(*self.flavour.table_exists_query())
        if cursor.fetchone() is None:
            return "pending", None
        cursor.execute(self.flavour.select_history)
        records = [record for record in records_of(cursor.fetchall()) if record.migration_name == migration]
        failed = [record for record in records if record.state == FAILED]
        if failed:
            return "failed", failed[-1]
        if any(record.state == APPLIED for record in records):
            return "applied", None
        return "pending", None

    def _read_catalog(self) -> dict:
        """Read every table the statements touch; returns (schema, index) -> table for indexes named alone."""
        index_tables = {}
        for statement in self.statements:
            for action in statement.actions:
                for table in (action.table, action.ref_table, action.source_table):
                    if table is not None:
                        self.facts(table)
                if action.kind == "rename_table" and action.table is not None and action.new_name:
                    self.facts(TableName(action.new_name, action.table.schema))
                if action.table is None and action.kind in ("drop_index", "rename_index") and action.name:
                    owner = self.flavour.catalog_index_table(self.cursor, action.schema, action.name)
                    if owner is not None:
                        index_tables[(action.schema, action.name)] = owner
                        self.facts(TableName(owner, action.schema))
        return index_tables

    def _offending(self, cause, names, sample_size):
        """The rows in the way of the failed statement, counted in the database now."""
        statement = self.statements[cause.statement_index - 1]
        kind = cause.kind
        if kind == "type_conversion" and any(action.not_null for action in statement.actions):
            # MySQL reports NULLs met by MODIFY ... NOT NULL as data truncation (1265).
            plan = plan_offending(
                "not_null_violation", statement, self.statements, self.flavour, self.facts, sample_size, names
            )
            found = read_offending(self.cursor, plan) if plan is not None else None
            if found is not None and found.count:
                return with_kind(cause, "not_null_violation"), found
            return cause, None
        if kind not in DATA_KINDS:
            return cause, None
        plan = plan_offending(kind, statement, self.statements, self.flavour, self.facts, sample_size, names)
        return cause, read_offending(self.cursor, plan) if plan is not None else None
