# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""prisma_migration_preflight's executor: one connection, reads only, and a rehearsal that is always rolled back."""

from __future__ import annotations

from dataclasses import replace

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import without_values
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import APPLIED, FAILED
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history_reader import (
    read_records,
    secrets_of,
    session,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrations_directory import (
    check_lockfile,
    read_migrations_directory,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.advice import advise, label
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.bounds import guard_settings
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.catalog import read_live_catalog
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import (
    DATA_KINDS,
    cause_from_log,
    make_cause,
    statement_at_line,
    with_kind,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.effects import (
    changes_of,
    failure_candidates,
    index_owners_in,
    judge,
    model_for,
    unowned_indexes,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import (
    mentioned_names,
    parse_failure_log,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.impact import (
    Estimate,
    entries,
    plan_impact,
    rehearsal_skip_reason,
    resolve_indexes,
    tables_of,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.offending import (
    plan_offending,
    read_offending,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.rehearsal import rehearse, skipped
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.repair import plan_repair
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements

# How long the rehearsal waits for Prisma's lock and for a lock on a table: others queue behind a waiting ALTER.
LOCK_WAIT = 5
FORCE = "force"


def run_preflight(
    database,
    *,
    migration: str,
    migrations_dir: str,
    rehearse_migration: bool | str = True,
    sample_size: int = 5,
    statement_timeout: int = 30,
    rehearsal_timeout: int = 10,
    rehearsal_max_rows: int = 1_000_000,
) -> dict:
    """Everything prisma_migration_preflight returns; `database` is the Database the module opened (its target and
    credentials). `rehearse_migration` is True, False or "force" (rehearse statements that change data or rewrite
    or read a table above `rehearsal_max_rows` rows too)."""
    if sample_size < 0 or statement_timeout < 1:
        raise DbopsError("sample_size must be 0 or more and statement_timeout at least 1 (seconds).")
    if rehearsal_timeout < 1 or rehearsal_max_rows < 0:
        raise DbopsError("rehearsal_timeout must be at least 1 (seconds) and rehearsal_max_rows 0 or more.")
    rehearse_migration = rehearse_mode(rehearse_migration)
    _directory, script, statements = load_migration(database, migrations_dir, migration)
    lock_wait = min(LOCK_WAIT, statement_timeout)
    with session(database, read_only=not rehearse_migration, lock_timeout=lock_wait) as connection:
        return Preflight(database, connection, statements, script, secrets_of(database)).run(
            migration,
            rehearse_migration,
            sample_size,
            statement_timeout,
            lock_wait,
            rehearsal_timeout=rehearsal_timeout,
            rehearsal_max_rows=rehearsal_max_rows,
        )


def load_migration(database, migrations_dir: str, migration: str):
    """(the migrations directory, migration.sql's text, its statements) of the migration, as the preflight and the
    repair read it."""
    directory = read_migrations_directory(migrations_dir)
    check_lockfile(directory, database.dialect.lockfile_providers)
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
    return directory, script, split_statements(script, database.dialect.syntax)


class Preflight:
    """What a failed migration left behind and whether it will succeed, read over one connection."""

    def __init__(self, database, connection, statements, script, secrets):
        self.database = database
        self.connection = connection
        self.cursor = connection.cursor()
        self.statements = statements
        self.script = script
        self.secrets = secrets
        self._tables = {}

    def facts(self, table: TableName):
        """The live catalog's TableInfo of a table the offending-rows queries need (None: it does not exist)."""
        dialect = self.database.dialect
        key = (dialect.fold(table.schema or dialect.default_schema() or ""), dialect.fold(table.name))
        if key not in self._tables:
            self._tables[key] = self.database.catalog.catalog_table(self.cursor, table)
        return self._tables[key]

    def run(
        self,
        migration,
        rehearse_migration,
        sample_size,
        statement_timeout,
        lock_wait,
        *,
        rehearsal_timeout,
        rehearsal_max_rows,
    ) -> dict:
        database, statements = self.database, self.statements
        database.rehearsal.limit_reads(self.cursor, statement_timeout=statement_timeout, lock_wait=lock_wait)
        state, log, cause, judgement = self.verdict(migration)
        offending = None
        if cause is not None and cause.statement_index:
            cause, offending = self._offending(cause, log.names, sample_size)
        impact = self._impact(rehearsal_max_rows)
        # Reads are done: end their transaction before the rehearsal begins its own.
        self.connection.rollback()

        neutralised, refusal = guard_settings(statements, database.rehearsal)
        repair = (
            plan_repair(statements, judgement, database.inverses, {entry.index for entry in neutralised})
            if state == FAILED
            else None
        )
        if not rehearse_migration:
            rehearsal = skipped("rehearse is false.", neutralised)
        elif state == APPLIED:
            rehearsal = skipped("the migration is already applied.", neutralised)
        elif judgement.verdict in ("partial", "complete"):
            rehearsal = skipped(
                f"statements {', '.join(map(str, judgement.applied))} already took effect ({judgement.verdict}); "
                "running the migration again would fail on them.",
                neutralised,
            )
        else:
            reason = database.rehearsal.rehearsal_blocker(self.connection, statements) or refusal
            if not reason and rehearse_migration != FORCE:
                reason = rehearsal_skip_reason(impact, statements, rehearsal_max_rows)
            if reason:
                rehearsal = skipped(reason, neutralised)
            else:

                def count_in_the_way(cursor, index, kind):
                    plan = plan_offending(
                        kind, statements[index - 1], statements, database.dialect, self.facts, sample_size
                    )
                    return read_offending(cursor, plan) if plan is not None else None

                rehearsal, found = rehearse(
                    self.connection,
                    database,
                    self.script,
                    statements,
                    statement_timeout=statement_timeout,
                    lock_wait=lock_wait,
                    rehearsal_timeout=rehearsal_timeout,
                    secrets=self.secrets,
                    on_failure=count_in_the_way if offending is None else None,
                    neutralised=neutralised,
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
        advice, advice_text = advise(
            migration, state, judgement, cause, offending, rehearsal, {s.index: s for s in statements}, repair
        )
        return {
            "migration": migration,
            "migration_state": state,
            "cause": cause.as_dict() if cause else None,
            "offending": offending.as_dict() if offending else None,
            "verdict": judgement.verdict,
            "statements": [
                {
                    **statement.as_dict(),
                    "category": statement.category,
                    "effect_present": judgement.present[statement.index],
                    "reason": judgement.reasons.get(statement.index),
                    "statement": statement.short_text,
                }
                for statement in statements
            ],
            "unjudged": [
                {"index": index, "label": label(statements[index - 1]), "reason": judgement.reasons[index]}
                for index in judgement.unjudged
            ],
            "conflicts": list(judgement.conflicts),
            "impact": impact,
            "rehearsal": rehearsal.as_dict(),
            "repair": repair.as_dict(statements) if repair is not None else None,
            "advice": advice,
            "advice_text": advice_text,
        }

    def _impact(self, max_rows: int) -> list[dict]:
        """The lock-impact plan, with each existing table's size as the catalog estimates it; where the catalog
        has no row estimate, rows are counted up to just past `max_rows` (enough to tell whether it is above)."""
        catalog, cursor = self.database.catalog, self.cursor
        rules = self.database.impact
        facts = catalog.impact_facts(cursor)
        impacts = plan_impact(self.statements, rules)
        owners = {}
        for impact in impacts:
            for effect in impact.tables:
                if effect.table is None and effect.index is not None and effect.index not in owners:
                    schema, name = effect.index
                    owner = catalog.catalog_index_table(cursor, schema, name)
                    if owner is not None:
                        owners[effect.index] = TableName(owner, schema)
        impacts = resolve_indexes(impacts, owners)
        estimates = {}
        for table in tables_of(impacts):
            found = catalog.table_estimate(cursor, table)
            if found is None:
                continue
            rows, size = found
            # No estimate, or 0, which is also what a table never analysed shows: counting an empty table is free.
            if rows:
                estimates[table] = Estimate(rows, size)
                continue
            try:
                estimates[table] = Estimate(catalog.count_up_to(cursor, table, max_rows + 1), size, counted=True)
            except Exception:  # the drivers share no base class
                # The count waits for no lock longer than the reads may (a deployment holding the table): no
                # estimate then. Its aborted transaction ends here; every read before is done.
                self.connection.rollback()
                estimates[table] = Estimate(None, size)
        return entries(impacts, estimates, rules, facts)

    def verdict(self, migration):
        """(the migration's state in the history, Prisma's failure log parsed, the cause, the Judgement) as the
        database is now: the repair asks again inside Prisma's lock, and after each statement where DDL commits."""
        state, failed, started = self._history_state(migration)
        log = parse_failure_log(failed.logs if failed else None, self.database.codes)
        cause = cause_from_log(log, self.statements, self.database.codes.classify_error, self.script)
        return state, log, cause, self._judge(log, cause, state, started)

    def _history_state(self, migration):
        """failed (with its most recent failed row), applied, or pending (no row, or only rolled-back ones); and
        whether Prisma ever started it (a row of it, rolled back included)."""
        history = read_records(self.cursor, self.database.history)
        if history is None:
            return "pending", None, False
        records = [record for record in history if record.migration_name == migration]
        failed = [record for record in records if record.state == FAILED]
        if failed:
            return "failed", failed[-1], True
        if any(record.state == APPLIED for record in records):
            return "applied", None, True
        return "pending", None, bool(records)

    def _judge(self, log, cause, state, started):
        """The verdict from the live catalog. The failed statement is pinned only where Prisma's record says which
        (MySQL's query number, PostgreSQL's position); otherwise any statement that can fail with the cause."""
        database, statements = self.database, self.statements
        catalog = database.catalog
        model = model_for(database)
        owners = index_owners_in(statements, model)
        for schema, names in unowned_indexes(statements, model, owners):
            owner = next(
                (
                    table
                    for table in (catalog.catalog_index_table(self.cursor, schema, name) for name in names)
                    if table
                ),
                None,
            )
            if owner is not None:
                owners[(model.schema_of(schema), model.fold(names[0]))] = owner
        changes, universe = changes_of(statements, model, owners)
        live = read_live_catalog(catalog, self.cursor, universe, model.originals)
        failing = None
        if log.query_number and log.query_number <= len(statements):
            failing = log.query_number
        elif log.error_line is not None:
            failing = statement_at_line(statements, log.error_line)
        candidates = failure_candidates(statements, cause.kind if cause is not None else None)
        if state != "failed":
            # Rolled back: whatever that attempt ran left a prefix, or nothing. Never started by Prisma: nothing ran,
            # unless a person ran statements by hand (which the catalog shows, or contradicts).
            failing, candidates = (None, None) if started else (1, None)
        structure_held = cause is not None and cause.kind in (*DATA_KINDS, "type_conversion")
        return judge(statements, changes, universe, live, failing, candidates, structure_held)

    def _offending(self, cause, names, sample_size):
        """The rows in the way of the failed statement, counted in the database now."""
        statement = self.statements[cause.statement_index - 1]
        kind = cause.kind
        if kind == "type_conversion" and any(action.change and action.change.not_null for action in statement.actions):
            # MySQL reports NULLs met by MODIFY ... NOT NULL as data truncation (1265).
            plan = plan_offending(
                "not_null_violation", statement, self.statements, self.database.dialect, self.facts, sample_size, names
            )
            found = read_offending(self.cursor, plan) if plan is not None else None
            if found is not None and found.count:
                return with_kind(cause, "not_null_violation"), found
            return cause, None
        if kind not in DATA_KINDS:
            return cause, None
        plan = plan_offending(kind, statement, self.statements, self.database.dialect, self.facts, sample_size, names)
        return cause, read_offending(self.cursor, plan) if plan is not None else None


def rehearse_mode(value) -> bool | str:
    """True, False or "force", from what the module or a caller was given (booleans in any of Ansible's spellings)."""
    if isinstance(value, str) and value.strip().lower() == FORCE:
        return FORCE
    if isinstance(value, bool):
        return value
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise DbopsError(
            f"rehearse must be true, false or force, not {str(value)[:40]!r}.",
            hint="force also rehearses statements that change data or rewrite or read a table above "
            "rehearsal_max_rows rows.",
        ) from None
