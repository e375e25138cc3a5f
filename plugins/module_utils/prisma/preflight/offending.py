# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rows in the way of a statement: one aggregate query, planned from the statement (pure) and run in the database.

- unique: the duplicated key values with how many rows share each (NULLs never collide, except on SQL Server);
- foreign key: the referencing values with no parent row, with how many rows carry each;
- not null: the rows whose column is NULL (every existing row for a new NOT NULL column without a default);
- check: the rows for which the condition is false.

The database aggregates; at most `sample_size` rows come back (0: counts only). Sample values are user data: they are
returned to the caller and nowhere else.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName

VALUE_LIMIT = 200


@dataclass(frozen=True)
class OffendingPlan:
    kind: str
    table: TableName
    # The columns the statement constrains, and the columns each sample shows (the key of a row, or the values).
    columns: tuple[str, ...]
    sample_columns: tuple[str, ...]
    query: str
    # grouped: samples are values with a row count each; rows: samples are the keys of single rows.
    shape: str
    with_samples: bool


@dataclass(frozen=True)
class Offending:
    plan: OffendingPlan
    count: int
    groups: int | None
    samples: list[dict]

    def as_dict(self) -> dict:
        plan = self.plan
        return {
            "kind": plan.kind,
            "table": str(plan.table),
            "columns": list(plan.columns),
            "query": plan.query,
            "count": self.count,
            "groups": self.groups,
            "samples": self.samples,
        }


def plan_offending(
    kind: str, statement, statements, dialect, facts, sample_size: int, names=()
) -> OffendingPlan | None:
    """The query for the rows that make `statement` fail with `kind`, or None when no query can tell.

    `facts(table)` is the live catalog's TableFacts of a table (None: it does not exist); `names` are the objects the
    error message names (they pick the action of a statement that has several).
    """
    planner = _PLANNERS.get(kind)
    return (
        planner(statement, statements, dialect, facts, sample_size, {name.lower() for name in names})
        if planner
        else None
    )


def _columns_exist(facts, table, columns, dialect) -> bool:
    known = facts(table)
    return known is not None and all(dialect.fold(column) in known.columns for column in columns)


def _grouped(dialect, kind, action, condition, sample_size, *, duplicates_only: bool) -> OffendingPlan:
    """Groups of the action's columns among the rows of its table that meet `condition`."""
    q = dialect.quote_name
    table, columns = action.table, action.columns
    source_sql = dialect.qualified(table)
    keys = ", ".join(f"c.{q(column)}" for column in columns)
    inner = f"SELECT {keys}, count(*) AS dbops_n FROM {source_sql} AS c WHERE {condition} GROUP BY {keys}" + (
        " HAVING count(*) > 1" if duplicates_only else ""
    )
    if sample_size > 0:
        outer = ", ".join(f"d.{q(column)}" for column in columns)
        query = dialect.limited_select(
            f"{outer}, d.dbops_n, count(*) OVER () AS dbops_groups, sum(d.dbops_n) OVER () AS dbops_rows",
            f"FROM ({inner}) AS d ORDER BY d.dbops_n DESC, {outer}",
            sample_size,
        )
    else:
        query = f"SELECT count(*) AS dbops_groups, sum(d.dbops_n) AS dbops_rows FROM ({inner}) AS d"
    return OffendingPlan(kind, table, tuple(columns), tuple(columns), query, "grouped", sample_size > 0)


def _rows(dialect, kind, table, columns, condition, primary_key, sample_size) -> OffendingPlan:
    q = dialect.quote_name
    source = f"FROM {dialect.qualified(table)} AS c WHERE {condition}"
    if sample_size > 0 and primary_key:
        keys = ", ".join(f"c.{q(column)}" for column in primary_key)
        query = dialect.limited_select(
            f"{keys}, count(*) OVER () AS dbops_rows", f"{source} ORDER BY {keys}", sample_size
        )
        return OffendingPlan(kind, table, tuple(columns), tuple(primary_key), query, "rows", True)
    return OffendingPlan(kind, table, tuple(columns), (), f"SELECT count(*) AS dbops_rows {source}", "rows", False)


def _unique(statement, statements, dialect, facts, sample_size, names):
    del statements
    action = _pick([action for action in statement.actions if action.rule.unique and action.columns], names)
    if action is None or action.table is None or not _columns_exist(facts, action.table, action.columns, dialect):
        return None
    q = dialect.quote_name
    condition = (
        " AND ".join(f"c.{q(column)} IS NOT NULL" for column in action.columns)
        if dialect.unique_ignores_nulls
        else "1 = 1"
    )
    return _grouped(dialect, "unique_violation", action, condition, sample_size, duplicates_only=True)


def _foreign_key(statement, statements, dialect, facts, sample_size, names):
    del statements
    action = _pick([action for action in statement.actions if action.constraint == "foreign_key"], names)
    if action is None or action.table is None or action.reference.table is None or not action.columns:
        return None
    if not _columns_exist(facts, action.table, action.columns, dialect):
        return None
    referenced = action.reference.table
    if facts(referenced) is None:
        return None
    q = dialect.quote_name
    references = action.reference.columns or facts(referenced).primary_key
    if len(references) != len(action.columns):
        return None
    present = " AND ".join(f"c.{q(column)} IS NOT NULL" for column in action.columns)
    joined = " AND ".join(f"p.{q(ref)} = c.{q(column)}" for ref, column in zip(references, action.columns, strict=True))
    condition = f"{present} AND NOT EXISTS (SELECT 1 FROM {dialect.qualified(referenced)} AS p WHERE {joined})"
    return _grouped(dialect, "foreign_key_violation", action, condition, sample_size, duplicates_only=False)


def _not_null(statement, statements, dialect, facts, sample_size, names):
    q = dialect.quote_name
    if statement.kind == "dml":
        return _not_null_copy(statement, statements, dialect, facts, sample_size, names)
    conditions, columns, table = [], [], None
    actions = [
        action
        for action in statement.actions
        if (action.kind == "add_column" and action.change.not_null and not action.change.has_default)
        or (action.kind == "alter_column" and action.change.not_null)
    ]
    named = [action for action in actions if action.name and action.name.lower() in names]
    for action in named or actions:
        table = action.table
        columns.append(action.name)
        if action.kind == "add_column":
            conditions = ["1 = 1"]
            break
        conditions.append(f"c.{q(action.name)} IS NULL")
    if table is None:
        return None
    known = facts(table)
    if known is None:
        return None
    if conditions != ["1 = 1"] and not _columns_exist(facts, table, columns, dialect):
        return None
    return _rows(dialect, "not_null_violation", table, columns, " OR ".join(conditions), known.primary_key, sample_size)


def _not_null_copy(statement, statements, dialect, facts, sample_size, names):
    """SQLite's table rebuild: INSERT INTO "new_T" (...) SELECT ... FROM "T" fails on rows of T with a NULL where
    new_T's column is NOT NULL."""
    q = dialect.quote_name
    action = statement.actions[0] if statement.actions else None
    if action is None or action.source is None or action.source.table is None or action.table is None:
        return None
    read_from = action.source
    created = next(
        (
            candidate
            for earlier in statements[: statement.index - 1]
            for candidate in earlier.actions
            if candidate.kind == "create_table" and candidate.table and candidate.table.name == action.table.name
        ),
        None,
    )
    required = {column.lower() for column in (created.declared.not_null_columns if created else ())}
    wanted = (required & names) or required
    sources = []
    for target, source in zip(action.columns, read_from.columns, strict=False):
        if target.lower() in wanted and source:
            sources.append(source)
    known = facts(read_from.table)
    if not sources or known is None or not _columns_exist(facts, read_from.table, sources, dialect):
        return None
    condition = " OR ".join(f"c.{q(column)} IS NULL" for column in sources)
    return _rows(dialect, "not_null_violation", read_from.table, sources, condition, known.primary_key, sample_size)


def _check(statement, statements, dialect, facts, sample_size, names):
    del statements
    action = _pick(
        [action for action in statement.actions if action.constraint == "check" and action.rule.check], names
    )
    if action is None or action.table is None:
        return None
    known = facts(action.table)
    if known is None:
        return None
    # A CHECK passes when its condition is unknown (NULL): NOT (...) leaves those rows out, as the database does.
    # The condition names columns unqualified; the table is the only one in the query.
    source = f"FROM {dialect.qualified(action.table)} AS c WHERE NOT ({action.rule.check})"
    q = dialect.quote_name
    if sample_size > 0 and known.primary_key:
        keys = ", ".join(f"c.{q(column)}" for column in known.primary_key)
        query = dialect.limited_select(
            f"{keys}, count(*) OVER () AS dbops_rows", f"{source} ORDER BY {keys}", sample_size
        )
        return OffendingPlan("check_violation", action.table, (), known.primary_key, query, "rows", True)
    return OffendingPlan(
        "check_violation", action.table, (), (), f"SELECT count(*) AS dbops_rows {source}", "rows", False
    )


def _pick(actions, names):
    named = [action for action in actions if action.name and action.name.lower() in names]
    return (named or actions or [None])[0]


_PLANNERS = {
    "unique_violation": _unique,
    "foreign_key_violation": _foreign_key,
    "not_null_violation": _not_null,
    "check_violation": _check,
}


def read_offending(cursor, plan: OffendingPlan) -> Offending:
    cursor.execute(plan.query)
    rows = cursor.fetchall()
    width = len(plan.sample_columns)
    if plan.shape == "grouped":
        if not plan.with_samples:
            groups, total = rows[0] if rows else (0, 0)
            return Offending(plan, int(total or 0), int(groups or 0), [])
        if not rows:
            return Offending(plan, 0, 0, [])
        samples = [{"values": _values(plan.sample_columns, row[:width]), "rows": int(row[width])} for row in rows]
        return Offending(plan, int(rows[0][-1] or 0), int(rows[0][-2] or 0), samples)
    if not plan.with_samples:
        return Offending(plan, int(rows[0][0] or 0) if rows else 0, None, [])
    samples = [{"values": _values(plan.sample_columns, row[:width]), "rows": 1} for row in rows]
    return Offending(plan, int(rows[0][-1]) if rows else 0, None, samples)


def _values(columns, row) -> dict:
    return {column: plain(value) for column, value in zip(columns, row, strict=True)}


def plain(value):
    """A database value as JSON can carry it, long text cut short."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = "0x" + bytes(value).hex()
    elif isinstance(value, (datetime.date, datetime.time)):
        value = value.isoformat()
    value = str(value)
    return value if len(value) <= VALUE_LIMIT else value[: VALUE_LIMIT - 3] + "..."
