# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two repairs of a failed migration whose statements are all judged, derived from the verdict (pure).

- revert: the inverse of each statement that took effect, in reverse order, as the database's SQL (its Inverses
  part), after dropping an INVALID index a failed CREATE INDEX CONCURRENTLY left. It exists only when every such
  statement can be undone without losing anything: a statement that dropped something, changed rows, added an enum
  value, restated a column, or that the parser does not fully understand makes it unavailable, with that statement
  named and why.
- complete: the statements that did not take effect, verbatim from migration.sql and in order, with the session
  settings the migration makes (SET, PRAGMA) where they stand, except those the preflight's bounds neutralise.
Either is shown before it runs (script, SHA-256) and run by prisma/repair_run.py, which derives it again inside
Prisma's lock and stops when it differs from what was shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.inverses import NotInvertible
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.advice import label

REPAIRS = ("revert", "complete")
# Kinds whose effect cannot be undone without losing what they removed or changed.
LOSSY = {
    "drop_table": "it dropped a table, and its rows cannot be brought back",
    "drop_column": "it dropped a column, and its values cannot be brought back",
    "drop_index": "it dropped an index whose definition migration.sql does not say",
    "drop_constraint": "it dropped a constraint whose definition migration.sql does not say",
    "drop_object": "it dropped an object whose definition migration.sql does not say",
    "add_enum_value": "PostgreSQL cannot remove a value from an enum",
    "rename_enum_value": "renaming an enum value back is not derived",
}


@dataclass(frozen=True)
class Refusal:
    """Why a statement makes the revert unavailable."""

    index: int
    reason: str

    def as_dict(self, statements) -> dict:
        return {"index": self.index, "label": label(statements[self.index - 1]), "reason": self.reason}


@dataclass(frozen=True)
class Script:
    # The statements of migration.sql it undoes (revert, in the order it undoes them) or runs (complete).
    statements: tuple[int, ...]
    # What is sent, in order: (statement of migration.sql, its SQL statements); a completion's steps include the
    # migration's own settings. None when the revert is unavailable.
    steps: tuple[tuple[int, tuple[str, ...]], ...] | None

    @property
    def sql(self) -> str | None:
        """The steps' SQL, each statement ending with `;` and a new line; "" when there is nothing to run."""
        if self.steps is None:
            return None
        return "".join(f"{sql.strip()};\n" for _index, sqls in self.steps for sql in sqls)

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest() if self.steps is not None else None


@dataclass(frozen=True)
class Repair:
    revert: Script
    refused: tuple[Refusal, ...]
    complete: Script

    @property
    def lossless(self) -> bool:
        return not self.refused

    def as_dict(self, statements) -> dict:
        return {
            "revert": {
                "statements": list(self.revert.statements),
                "script": self.revert.sql,
                "sha256": self.revert.sha256,
                "lossless": self.lossless,
                "refused": [refusal.as_dict(statements) for refusal in self.refused],
            },
            "complete": {
                "statements": list(self.complete.statements),
                "script": self.complete.sql,
                "sha256": self.complete.sha256,
            },
        }

    def script(self, repair: str) -> Script:
        return self.revert if repair == "revert" else self.complete


def plan_repair(statements, judgement, inverses, left_out=frozenset()) -> Repair | None:
    """Both repairs, or None when the verdict is unknown (what took effect is not known, so neither is derived).

    `left_out`: the indexes of the settings the preflight's bounds neutralise (never sent)."""
    if judgement.verdict == "unknown":
        return None
    applied = [statement for statement in statements if judgement.present.get(statement.index) and statement.lasting]
    steps, refused = [], []
    for index in reversed(judgement.invalid_indexes):
        # The INVALID index a failed CREATE INDEX CONCURRENTLY left goes first: enforcing nothing and holding no
        # rows, dropping it loses nothing, and the retry would fail on its name.
        try:
            steps.append((index, tuple(undo(statements[index - 1], inverses))))
        except NotInvertible as why:
            refused.append(Refusal(index, f"it left an INVALID index behind, and {why}"))
    for statement in reversed(applied):
        try:
            steps.append((statement.index, tuple(undo(statement, inverses))))
        except NotInvertible as why:
            refused.append(Refusal(statement.index, str(why)))
    revert = Script((), None) if refused else Script(tuple(index for index, _sqls in steps), tuple(steps))
    missing = {
        statement.index
        for statement in statements
        if statement.lasting and judgement.present.get(statement.index) is False
    }
    completion = (
        tuple(
            (statement.index, (statement.text,))
            for statement in statements
            if statement.index in missing or (statement.category == "session" and statement.index not in left_out)
        )
        if missing
        else ()
    )
    return Repair(
        revert=revert,
        refused=tuple(sorted(refused, key=lambda refusal: refusal.index)),
        complete=Script(tuple(sorted(missing)), completion),
    )


def undo(statement, inverses) -> list[str]:
    """The SQL that undoes one statement that took effect (its actions in reverse order)."""
    if statement.category != "schema":
        raise NotInvertible(
            "it changed rows, which the catalog cannot undo"
            if statement.category == "data"
            else "its effect is not understood well enough to undo it"
        )
    if statement.partly_modelled or not statement.actions:
        raise NotInvertible("part of it is not understood well enough to undo it")
    sqls = []
    for action in reversed(statement.actions):
        sqls.extend(_undo_action(action, inverses))
    return sqls


def _undo_action(action, inverses) -> list[str]:
    kind = action.kind
    if kind in LOSSY:
        raise NotInvertible(LOSSY[kind])
    guards = action.guards
    if guards.if_not_exists or guards.or_replace:
        raise NotInvertible(
            "it says IF NOT EXISTS or OR REPLACE, so what it created may have been there before the migration"
        )
    table = action.table
    if kind == "create_table":
        return inverses.drop_table(table)
    if kind == "add_column":
        spec = next((spec for spec in action.declared.columns if spec.name == action.name), None)
        return inverses.drop_column(table, action.name, spec)
    if kind == "create_index":
        if not action.name:
            raise NotInvertible("the index has no name in migration.sql")
        return inverses.drop_index(table, action.schema or (table.schema if table else None), action.name)
    if kind == "add_constraint":
        if not action.name and action.constraint != "primary_key":
            raise NotInvertible("the constraint has no name in migration.sql")
        return inverses.drop_constraint(table, action.name, action.constraint)
    if kind == "alter_column":
        return _undo_column_change(action, inverses)
    if kind == "rename_table":
        renamed = type(table)(action.new_name, table.schema)
        return inverses.rename_table(renamed, table.name)
    if kind == "rename_column":
        return inverses.rename_column(table, action.new_name, action.name)
    if kind == "rename_index":
        return inverses.rename_index(table, action.schema, action.new_name, action.name)
    if kind == "rename_constraint":
        return inverses.rename_constraint(table, action.new_name, action.name)
    if kind == "create_type":
        return inverses.drop_type(action.schema, action.name)
    if kind == "rename_type":
        return inverses.rename_type(action.schema, action.new_name, action.name)
    if kind == "create_object":
        return inverses.drop_object(action.object_kind or "object", action.schema, action.name, table)
    if kind == "validate_constraint":
        # Validating changes nothing a redeploy minds: it validates again.
        return []
    raise NotInvertible(f"undoing {kind.replace('_', ' ')} is not derived")


def _undo_column_change(action, inverses) -> list[str]:
    change = action.change
    if change is None or change.restates:
        raise NotInvertible("it restates the column, and migration.sql does not say what the column was before")
    if change.set_type is not None:
        raise NotInvertible("it changed the column's type, and migration.sql does not say the type before")
    if change.default is not None or change.drop_default:
        raise NotInvertible("it changed the column's default, and migration.sql does not say the default before")
    if change.not_null is True:
        # Prisma writes SET NOT NULL only for a column that allowed NULL, so DROP NOT NULL is what it was.
        return inverses.drop_not_null(action.table, action.name)
    raise NotInvertible("it changed the column in a way that is not derived")
