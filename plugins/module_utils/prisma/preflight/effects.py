# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failed migration left behind, judged from the live catalog, never assumed from transaction rules (pure).

Each statement changes facts the catalog can show: a table, a column, whether a column takes NULL, an index or
constraint. Replaying the statements symbolically gives the facts after each prefix 0..n of the migration (a fact
is known before the migration when the first statement that touches it implies it: CREATE means it was absent, DROP
that it was there). The live catalog is compared with every prefix: the prefixes it matches say how far the
migration got. Statements that change no fact the catalog shows (DML, PRAGMA, ...) are not judgeable (None).

verdict: none (no statement took effect), complete (all did), partial (a prefix did), unknown (no prefix matches,
or nothing is judgeable).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Judgement:
    verdict: str
    # statement index -> True/False/None
    present: dict[int, bool | None]

    @property
    def applied(self) -> list[int]:
        return [index for index, present in self.present.items() if present]


def table_key(flavour, table, default_schema):
    return (flavour.fold(table.schema or default_schema or ""), flavour.fold(table.name))


class _Replay:
    """Symbolic effects of the statements, as facts: ("table", t) / ("column", t, c) / ("nullable", t, c) /
    ("object", t, name); t is a folded (schema, table) key."""

    def __init__(self, flavour, index_tables):
        self.flavour = flavour
        self.schema = flavour.default_schema()
        # (schema, index name) -> table name, for indexes named without their table
        self.index_tables = index_tables

    def key(self, table):
        return table_key(self.flavour, table, self.schema)

    def index_owner(self, action):
        if action.table is not None:
            return self.key(action.table)
        table = self.index_tables.get((action.schema, action.name))
        if table is None:
            return None
        return (self.flavour.fold(action.schema or self.schema or ""), self.flavour.fold(table))

    def effects(self, statement):
        """[(fact, value)] in order; drops of a table also clear every fact known on it (cascade=True)."""
        fold = self.flavour.fold
        out = []
        for action in statement.actions:
            kind = action.kind
            if kind == "create_table" and action.table:
                out.append((("table", self.key(action.table)), True, False))
            elif kind == "drop_table" and action.table:
                out.append((("table", self.key(action.table)), False, True))
            elif kind == "rename_table" and action.table and action.new_name:
                old = self.key(action.table)
                out.append((("table", old), False, True))
                out.append((("table", (old[0], fold(action.new_name))), True, False))
            elif kind == "add_column" and action.table and action.name:
                out.append((("column", self.key(action.table), fold(action.name)), True, False))
            elif kind == "drop_column" and action.table and action.name:
                out.append((("column", self.key(action.table), fold(action.name)), False, False))
            elif kind == "rename_column" and action.table and action.name and action.new_name:
                table = self.key(action.table)
                out.append((("column", table, fold(action.name)), False, False))
                out.append((("column", table, fold(action.new_name)), True, False))
            elif kind == "alter_column" and action.table and action.name and action.not_null is not None:
                out.append((("nullable", self.key(action.table), fold(action.name)), not action.not_null, False))
            elif kind in ("create_index", "add_constraint") and action.name:
                owner = self.key(action.table) if action.table else None
                if owner is not None:
                    out.append((("object", owner, fold(action.name)), True, False))
            elif kind in ("drop_index", "drop_constraint") and action.name:
                owner = self.index_owner(action)
                if owner is not None:
                    out.append((("object", owner, fold(action.name)), False, False))
            elif kind == "rename_index" and action.name and action.new_name:
                owner = self.index_owner(action)
                if owner is not None:
                    out.append((("object", owner, fold(action.name)), False, False))
                    out.append((("object", owner, fold(action.new_name)), True, False))
        return out


def prefix_states(statements, replay):
    """The known facts before the migration and after each statement: [state_0, ..., state_n], and each statement's
    effects. A fact first touched after its table was dropped by an earlier statement has no known initial value."""
    effects = [replay.effects(statement) for statement in statements]
    initial, touched, dropped = {}, set(), set()
    for statement_effects in effects:
        for fact, value, cascade in statement_effects:
            if fact not in touched and (fact[0] == "table" or fact[1] not in dropped):
                initial[fact] = not value
            touched.add(fact)
            if cascade:
                dropped.add(fact[1])
    states, state = [dict(initial)], dict(initial)
    for statement_effects in effects:
        for fact, value, cascade in statement_effects:
            if cascade:
                # A dropped table takes its columns, indexes and constraints with it.
                for other in [other for other in state if other[0] != "table" and other[1] == fact[1]]:
                    if other[0] == "nullable":
                        del state[other]
                    else:
                        state[other] = False
            state[fact] = value
        states.append(dict(state))
    return states, effects


def live_value(fact, facts_of):
    """The catalog's answer for a fact; None when it cannot be told (a nullable flag of a missing column)."""
    kind, table = fact[0], fact[1]
    known = facts_of(table)
    if kind == "table":
        return known is not None
    if known is None:
        return None if kind == "nullable" else False
    if kind == "column":
        return fact[2] in known.columns
    if kind == "nullable":
        return known.columns.get(fact[2])
    return fact[2] in known.objects


def judge(statements, flavour, facts_of, index_tables=None, failed_index: int | None = None) -> Judgement:
    """The verdict and each statement's effect; `facts_of((schema, table))` reads the live catalog (folded key).

    `failed_index` is the statement the migration failed on, when known: a failed statement took no effect, so the
    prefixes before it are preferred when the catalog cannot tell them from later ones (a table rebuilt under its
    own name looks the same before and after)."""
    replay = _Replay(flavour, index_tables or {})
    states, effects = prefix_states(statements, replay)
    facts = {fact for state in states for fact in state}
    live = {fact: live_value(fact, facts_of) for fact in facts}
    changing = [statement.index for statement, found in zip(statements, effects, strict=True) if found]
    if not changing:
        return Judgement("unknown", {statement.index: None for statement in statements})
    matches = [
        k
        for k, state in enumerate(states)
        if all(live[fact] is None or live[fact] == value for fact, value in state.items())
    ]
    if not matches:
        return _individually(statements, effects, live)
    if failed_index is not None:
        matches = [k for k in matches if k < failed_index] or matches
    low, high = min(matches), max(matches)
    present = {}
    for statement, found in zip(statements, effects, strict=True):
        if not found:
            present[statement.index] = None
        elif statement.index <= low:
            present[statement.index] = True
        elif statement.index > high:
            present[statement.index] = False
        else:
            present[statement.index] = None
    judged = [present[index] for index in changing]
    if any(value is None for value in judged):
        verdict = "unknown"
    elif all(judged):
        verdict = "complete"
    elif not any(judged):
        verdict = "none"
    else:
        verdict = "partial"
    return Judgement(verdict, present)


def _individually(statements, effects, live) -> Judgement:
    """No prefix of the migration matches the catalog (changed by hand since?): each statement on its own."""
    present = {}
    for statement, found in zip(statements, effects, strict=True):
        answers = {live[fact] == value for fact, value, _cascade in found if live[fact] is not None}
        present[statement.index] = answers.pop() if len(answers) == 1 else None
    return Judgement("unknown", present)
