# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each statement of a migration does to production while it runs, as the preflight reports it (pure): each
database's lock rules (its LockImpact part) read statement by statement, then what the migration as a whole tells
about them (tables it made earlier hold only its own rows; an index it made is on the table it named), sized with
the catalog's estimates; and whether a rehearsal may run it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ansible_collections.backoffice.dbops.plugins.module_utils.sql.lock_impact import UNKNOWN, Impact, LockImpact
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.tokens import Token, TokenReader, read_tokens

# Functions whose effect a rollback does not undo.
NON_TRANSACTIONAL_FUNCTIONS = ("NEXTVAL", "SETVAL")


@dataclass(frozen=True)
class Estimate:
    """A table's size as the catalog estimates it; None where the catalog has no estimate."""

    rows: int | None
    bytes: int | None
    # The catalog had no estimate: rows were counted, no further than just past rehearsal_max_rows.
    counted: bool = False


@dataclass
class _Context:
    rules: LockImpact
    # Tables made earlier in the migration (folded names): their rows are the migration's own.
    created: set = field(default_factory=set)
    # Folded name -> the existing table whose rows it holds (copied into it, or renamed to it).
    rows_of: dict = field(default_factory=dict)


def plan_impact(statements, rules: LockImpact) -> list[Impact]:
    """One Impact per statement, in order, by the database's lock rules; tables created earlier in the migration count
    as new."""
    context = _Context(rules)
    impacts = []
    # Indexes made earlier in the migration, by name: the table a later DROP INDEX "name" locks.
    made = {}
    for statement in statements:
        tokens = read_tokens(statement.text, rules.syntax)
        if not tokens:
            impact = Impact(statement.index, UNKNOWN, changes_data=None, notes=("its text cannot be read",))
        else:
            impact = rules.plan(TokenReader(tokens, rules.syntax), statement.index)
            impact = _non_transactional(impact, tokens)
            impact = _mark_new_tables(impact, context)
            impact = _name_made_indexes(impact, made)
        impacts.append(impact)
    return impacts


def _name_made_indexes(impact: Impact, made: dict) -> Impact:
    effects = []
    for effect in impact.tables:
        name = effect.index[1] if effect.index is not None else None
        if effect.table is not None and name is not None:
            made[name] = effect
        elif effect.table is None and name in made:
            effect = replace(effect, table=made[name].table, created=made[name].created)
        effects.append(effect)
    return replace(impact, tables=tuple(effects))


def _non_transactional(impact: Impact, tokens: list[Token]) -> Impact:
    called = {token.up for token in tokens} & set(NON_TRANSACTIONAL_FUNCTIONS)
    if not called:
        return impact
    note = (
        f"calls {'/'.join(sorted(name.lower() for name in called))}: sequence values it takes or sets stay taken "
        "after a rollback"
    )
    return replace(impact, changes_data=True, notes=(*impact.notes, note))


def _mark_new_tables(impact: Impact, context: _Context) -> Impact:
    """Tables made earlier in the migration hold only the migration's own rows: locking, rewriting or filling
    them costs production nothing; what a statement writes into them is no change of existing data."""
    effects = []
    for effect in impact.tables:
        key = context.rules.key(effect.table)
        if effect.created and key is not None:
            context.created.add(key)
            context.rows_of.pop(key, None)
        new = key is not None and key in context.created
        effects.append(replace(effect, created=new, rows_of=context.rows_of.get(key)))
    changes = impact.changes_data
    if changes and impact.operation in ("INSERT", "UPDATE", "DELETE", "MERGE") and _targets_new(effects, context):
        changes = False
        # Prisma's RedefineTables: INSERT INTO "new_T" SELECT ... FROM "T" fills the copy with T's rows.
        sources = [effect for effect in effects[1:] if effect.table is not None]
        if impact.operation == "INSERT" and sources:
            source = sources[0]
            context.rows_of[context.rules.key(effects[0].table)] = source.rows_of or source.table
    if impact.renamed is not None:
        old, new_name = (context.rules.key(table) for table in impact.renamed)
        if old in context.created:
            context.created.add(new_name)
            context.rows_of[new_name] = context.rows_of.get(old)
        else:
            # The same existing table under another name.
            context.created.discard(new_name)
            context.rows_of[new_name] = context.rows_of.get(old) or impact.renamed[0]
    return replace(impact, tables=tuple(effects), changes_data=changes)


def _targets_new(effects, context) -> bool:
    """The statement's first table (the one it writes) was made earlier in the migration."""
    if not effects or effects[0].table is None:
        return False
    return context.rules.key(effects[0].table) in context.created


def resolve_indexes(impacts: list[Impact], owners: dict) -> list[Impact]:
    """Name the table of indexes named alone, from `owners` ((schema, index) -> TableName) the catalog gave."""
    out = []
    for impact in impacts:
        effects = tuple(
            replace(effect, table=owners.get(effect.index, effect.table))
            if effect.table is None and effect.index is not None
            else effect
            for effect in impact.tables
        )
        out.append(replace(impact, tables=effects))
    return out


def tables_of(impacts: list[Impact]) -> list[TableName]:
    """The existing tables whose estimates the plan needs, once each, in order."""
    seen, out = set(), []
    for impact in impacts:
        for effect in impact.tables:
            table = effect.rows_of or (None if effect.created else effect.table)
            if table is not None and table not in seen:
                seen.add(table)
                out.append(table)
    return out


def entries(impacts: list[Impact], estimates: dict, rules: LockImpact, facts: dict) -> list[dict]:
    """The `impact` the module returns: one entry per statement; `facts` are what the catalog said about the database
    as a whole (Catalog.impact_facts)."""
    out = []
    for impact in impacts:
        tables = []
        for effect in impact.tables:
            reads, writes = rules.blocks(effect, **facts)
            estimate = estimates.get(effect.rows_of) if effect.rows_of else None
            if estimate is None and not effect.created:
                estimate = estimates.get(effect.table)
            tables.append(
                {
                    "table": str(effect.table) if effect.table is not None else None,
                    "lock": effect.lock,
                    "blocks_reads": reads,
                    "blocks_writes": writes,
                    "rewrites": effect.rewrites,
                    "scans": effect.scans,
                    "created_by_migration": effect.created,
                    "estimated_rows": estimate.rows if estimate else (0 if effect.created else None),
                    "estimated_bytes": estimate.bytes if estimate else (0 if effect.created else None),
                    "rows_counted": bool(estimate and estimate.counted),
                }
            )
        existing = [table for table in tables if rules.database_wide or not table["created_by_migration"]]
        out.append(
            {
                "index": impact.index,
                "operation": impact.operation,
                "lock": rules.strongest([table["lock"] for table in existing]) or None,
                "tables": tables,
                "blocks_reads": any(table["blocks_reads"] for table in existing),
                "blocks_writes": any(table["blocks_writes"] for table in existing),
                "rewrites": any(table["rewrites"] for table in existing),
                "scans": any(table["scans"] or table["rewrites"] for table in existing),
                "changes_data": impact.changes_data,
                "algorithm": impact.algorithm,
                "notes": list(impact.notes),
            }
        )
    return out


def rehearsal_skip_reason(impact_entries: list[dict], statements, max_rows: int) -> str | None:
    """Why a rehearsal (without `force`) must not run: the first statement that changes data, or that rewrites or
    scans an existing table the catalog estimates above `max_rows` rows; None when every statement is cheap to
    rehearse and undo."""
    texts = {statement.index: statement.short_text for statement in statements}
    for entry in impact_entries:
        text = _quote(texts.get(entry["index"], ""))
        if entry["changes_data"] is None:
            return (
                f"statement {entry['index']} {text} runs code whose writes its text does not show; "
                "rehearse: force runs it anyway, inside the rolled-back transaction"
            )
        if entry["changes_data"]:
            return (
                f"statement {entry['index']} {text} changes data: a rehearsal would write (and then roll back) "
                "those rows under lock, and what it consumes (sequence values, WAL, bloat) stays; "
                "rehearse: force runs it anyway"
            )
        for table in entry["tables"]:
            # A table the migration made counts too when it holds an existing table's rows (RedefineTables' copy).
            if not (table["rewrites"] or table["scans"]):
                continue
            rows = table["estimated_rows"]
            if rows is not None and rows > max_rows:
                what = "rewrites" if table["rewrites"] else "reads every row of"
                size = (
                    f"more than {max_rows:,} rows (counted that far)"
                    if table["rows_counted"]
                    else f"about {rows:,} rows by the catalog's estimate"
                )
                return (
                    f"statement {entry['index']} {text} {what} {table['table']}, {size}, above rehearsal_max_rows "
                    f"({max_rows:,}); rehearse: force runs it anyway"
                )
    return None


def _quote(text: str) -> str:
    line = " ".join(text.split())
    return f"`{line[:80]}{'...' if len(line) > 80 else ''}`" if line else ""
