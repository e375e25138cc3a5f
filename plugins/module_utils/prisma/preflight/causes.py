# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why a migration failed: the cause kind and the statement, from what Prisma recorded and the statements (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import FailureLog

CAUSE_KINDS = (
    "unique_violation",
    "not_null_violation",
    "foreign_key_violation",
    "check_violation",
    "type_conversion",
    "duplicate_object",
    "missing_object",
    "permission_denied",
    "lock_timeout",
    "statement_timeout",
    "syntax_error",
    "unsupported_by_adapter",
    "unknown",
)
# The causes existing rows explain: an offending-rows query finds them.
DATA_KINDS = ("unique_violation", "not_null_violation", "foreign_key_violation", "check_violation")
MESSAGE_LIMIT = 1000


@dataclass(frozen=True)
class Cause:
    kind: str
    statement_index: int | None
    statement: str | None
    database_code: str | None
    message: str

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "statement_index": self.statement_index,
            "statement": self.statement,
            "database_code": self.database_code,
            "message": self.message,
        }


# How PostgreSQL rejects the fragment of a statement a driver adapter cut at a `;` inside it.
FRAGMENT_REJECTED = re.compile(r"unterminated|syntax error at (?:or near|end of input)")


def cause_from_log(log: FailureLog, statements, classify, script: str | None = None) -> Cause | None:
    """The cause Prisma's record tells; `classify(code, message)` is the database's error classification (its
    CodeTable), `script` the text of migration.sql the statements come from."""
    if log.format == "none":
        return None
    kind = log.adapter_kind or classify(log.database_code, log.message)
    if log.format == "adapter" and kind == "syntax_error" and FRAGMENT_REJECTED.search(log.message) and script:
        cut = statement_cut_by_adapter(script, statements)
        if cut is not None:
            return make_cause("unsupported_by_adapter", cut, statements, log.database_code, log.message)
    index = log.query_number if log.query_number and log.query_number <= len(statements) else None
    if index is None and log.error_line is not None:
        index = statement_at_line(statements, log.error_line)
    if index is None:
        index = locate_statement(kind, log.names, statements)
    return make_cause(kind, index, statements, log.database_code, log.message)


def make_cause(kind: str, index: int | None, statements, code: str | None, message: str) -> Cause:
    statement = statements[index - 1].short_text if index else None
    text = message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 3] + "..."
    return Cause(kind, index, statement, code, text)


def with_kind(cause: Cause, kind: str) -> Cause:
    return replace(cause, kind=kind)


def statement_cut_by_adapter(script: str, statements) -> int | None:
    """The first statement Prisma's driver adapter cuts in two, or None.

    Prisma 7's schema engine sends migration.sql through a driver adapter (adapter-pg) cut at every `;` - also one
    inside a dollar-quoted body, a string literal or a comment (measured with Prisma 7.10) - where the statements
    here end only at the `;` between statements. A `;` that ends no statement cuts the statement it lies in, or
    (inside a comment between statements) the one after it.
    """
    position, spans = 0, []
    for statement in statements:
        start = script.find(statement.text, position)
        if start == -1:
            return None
        position = start + len(statement.text)
        spans.append((start, position, statement.index))
    separators = set()
    for _start, end, _index in spans:
        gap = re.match(r"\s*", script[end:]).end()
        if script.startswith(";", end + gap):
            separators.add(end + gap)
    for cut in (offset for offset, char in enumerate(script) if char == ";" and offset not in separators):
        for _start, end, index in spans:
            if cut < end:
                return index
    return None


def statement_at_line(statements, line: int) -> int | None:
    """The statement a 1-based script line falls in (the last one starting at or before it)."""
    found = None
    for statement in statements:
        if statement.line <= line:
            found = statement.index
    return found


def locate_statement(kind: str, names, statements) -> int | None:
    """The statement that fails this way: the one whose objects the message names, else the only one that can."""
    candidates = [statement for statement in statements if can_fail_with(statement, kind)]
    wanted = {name.lower() for name in names}
    if wanted:
        scored = [(len(wanted & statement_names(statement)), statement) for statement in candidates or statements]
        best = max((score for score, _statement in scored), default=0)
        if best:
            matches = [statement for score, statement in scored if score == best]
            if len(matches) == 1 or kind in DATA_KINDS:
                return matches[0].index
    if len(candidates) == 1:
        return candidates[0].index
    return None


def statement_names(statement) -> set[str]:
    names = set()
    for action in statement.actions:
        for name in (action.name, action.new_name, *action.columns, *action.declared.not_null_columns):
            if name:
                names.add(name.lower())
        referenced = action.reference.table if action.reference else None
        read_from = action.source.table if action.source else None
        for table in (action.table, referenced, read_from):
            if table is not None and table.name:
                names.add(table.name.lower())
    if statement.table is not None:
        names.add(statement.table.name.lower())
    return names


def can_fail_with(statement, kind: str) -> bool:
    """Whether a statement of this shape can raise an error of this kind."""
    if statement.kind == "dml":
        return kind in (
            *DATA_KINDS,
            "type_conversion",
            "missing_object",
            "permission_denied",
            "lock_timeout",
            "statement_timeout",
        )
    actions = statement.actions
    if kind == "unique_violation":
        return any(action.rule.unique for action in actions)
    if kind == "not_null_violation":
        return any(
            (action.kind == "add_column" and action.change.not_null and not action.change.has_default)
            or (action.kind == "alter_column" and action.change.not_null)
            for action in actions
        )
    if kind == "foreign_key_violation":
        return any(action.constraint == "foreign_key" for action in actions)
    if kind == "check_violation":
        return any(action.constraint == "check" for action in actions)
    if kind == "type_conversion":
        return any(action.kind == "alter_column" and action.change.set_type for action in actions)
    if kind == "duplicate_object":
        return any(
            action.kind in ("create_table", "create_index", "add_column", "add_constraint") for action in actions
        )
    return kind not in DATA_KINDS
