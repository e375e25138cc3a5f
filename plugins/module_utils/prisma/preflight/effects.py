# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failed migration left behind, proven from the live catalog or said to be unknown (pure).

A failed migration ran statements 1..f-1, failed at f, and of what ran a prefix 1..p stayed (p = f-1 where each
statement commits on its own: MySQL, SQLite, Prisma 7's PostgreSQL driver adapter; p = 0 where the script is one
transaction: Prisma's native PostgreSQL and SQL Server engines; any p in between where the script commits itself).
Each hypothesis (f, p) predicts facts: what the statements 1..p set, and before the migration what the statements
1..f-1 needed to succeed (CREATE TABLE needed the table absent, DROP INDEX the index present). A hypothesis stands
unless the catalog contradicts one of its facts for certain. `f` is the failed statement when Prisma's record says
which (MySQL's query number, PostgreSQL's position), else every statement that can fail with the recorded cause.

A statement took effect when every standing hypothesis kept it (p >= its index), and did not when none did; when
the standing hypotheses disagree, or none stands (changed by hand?), it is not judged (None, with the reason). A
data statement changes nothing the catalog shows: it is judged only through the statements around it. The verdict
is none/partial/complete only when every statement with a lasting effect is judged, else unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import DATA_KINDS
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.replay import (
    ABSENT,
    ABSENT_OR_INVALID,
    ANY_DEFAULT,
    NO_DEFAULT,
    NO_PK,
    PRESENT,
    Model,
    ObjectSpec,
    SqlText,
    State,
    facts_named,
    satisfies,
)

# Hypotheses x facts compared at most: beyond it (hundreds of statements with no failed statement on record) the
# verdict is unknown rather than slow.
WORK_LIMIT = 4_000_000
# A fact the catalog shows something for that it cannot compare with what the statement leaves.
THERE = object()


@dataclass(frozen=True)
class Judgement:
    verdict: str
    # statement index -> True/False/None
    present: dict[int, bool | None]
    # statement index -> why it is not judged (only for None)
    reasons: dict[int, str] = field(default_factory=dict)
    # When no state the migration can leave matches: what the catalog contradicts (one line each).
    mismatches: tuple[str, ...] = ()
    # What would make a retry fail now: a statement that needs what the database does not have.
    conflicts: tuple[str, ...] = ()
    # The statements 1..p that stayed, for each standing hypothesis (for the record and for repairs).
    prefixes: tuple[int, ...] = ()

    # The statements with a lasting effect (not SET, PRAGMA, BEGIN, COMMIT).
    lasting: frozenset[int] = frozenset()
    # Statements that did not take effect but left their index INVALID (a failed CREATE INDEX CONCURRENTLY): a retry
    # of them fails on the name until the index is dropped.
    invalid_indexes: tuple[int, ...] = ()

    @property
    def applied(self) -> list[int]:
        return [index for index, present in self.present.items() if present and index in self.lasting]

    @property
    def unjudged(self) -> list[int]:
        return [index for index, present in self.present.items() if present is None and index in self.reasons]


def model_for(database) -> Model:
    dialect = database.dialect
    return Model(dialect.fold, dialect.default_schema(), database.catalog.primary_key_implies_not_null)


def index_owners_in(statements, model) -> dict:
    """(schema, index) -> table for indexes the migration itself creates, so that a later DROP INDEX "x" (named
    without its table) is placed."""
    owners = {}
    for statement in statements:
        for action in statement.actions:
            for created in (action, *action.declared.inline):
                if created.kind == "create_index" and created.name and created.table is not None:
                    schema = model.schema_of(created.table.schema)
                    owners.setdefault((schema, model.fold(created.name)), created.table.name)
    return owners


def unowned_indexes(statements, model, owners) -> list[tuple[str | None, tuple[str, ...]]]:
    """(schema as written, (index name, name after a rename)) of indexes named without their table that no statement
    creates: the catalog knows the table under one of the names."""
    found = []
    for statement in statements:
        for action in statement.actions:
            if action.kind in ("drop_index", "rename_index") and action.table is None and action.name:
                key = (model.schema_of(action.schema), model.fold(action.name))
                if key not in owners:
                    found.append((action.schema, tuple(name for name in (action.name, action.new_name) if name)))
    return found


def changes_of(statements, model: Model, owners) -> tuple[list, set]:
    """Each statement's Change, and every fact they name (what the live catalog is asked)."""
    changes = [model.change(statement, owners) for statement in statements]
    return changes, set().union(*(facts_named(change) for change in changes)) if changes else set()


def judge(
    statements, changes, universe, live, failing: int | None = None, candidates=None, structure_held=False
) -> Judgement:
    """The verdict. `live` is a LiveCatalog (value() and compare()); `failing` the failed statement when Prisma's
    record says which; otherwise `candidates`, the statements that can have failed (None: any, or none at all).
    `structure_held`: the recorded error is about the rows (a duplicate, a NULL, a value that does not convert), so
    the failed statement had what it needed of the schema (the index name was free, the column was there)."""
    n = len(statements)
    if failing is not None and 1 <= failing <= n:
        failures = [failing]
    else:
        failures = sorted(candidates) if candidates else list(range(1, n + 2))
    if len(failures) * (n + 1) * max(len(universe), 1) > WORK_LIMIT:
        reason = f"the migration is too large ({n} statements) to judge without knowing which statement failed"
        return Judgement("unknown", {s.index: None for s in statements}, {s.index: reason for s in statements})
    # The facts each standing hypothesis predicts: the catalog showing them is no news.
    standing, closest, knowns = [], None, []
    for f in failures:
        pins = _before_migration(changes, f, structure_held)
        if pins is None:
            continue
        if f <= n:
            # A CREATE INDEX CONCURRENTLY that fails leaves its index behind, INVALID (so does one a person ran that
            # way by hand), or nothing.
            for op in changes[f - 1].ops:
                if op[0] == "set" and op[1][0] == "index" and pins.get(op[1]) in (None, ABSENT):
                    pins[op[1]] = ABSENT_OR_INVALID
        state = State(pins)
        for p in range(n + 1):
            if p:
                # Beyond the failed statement, only a person can have gone on (completing the migration by hand),
                # and only with what the catalog shows: a data statement from there on is taken as not run.
                if p >= f and (
                    statements[p - 1].category in ("data", "unmodelled") or not _needs_met(state, changes[p - 1])
                ):
                    break
                state.apply(changes[p - 1])
            wrong = _contradicted(state, live, universe)
            if not wrong:
                standing.append((f, p))
                knowns.append({fact for fact in universe | state.facts.keys() if state.get(fact) is not None})
            elif closest is None or len(wrong) < len(closest[1]):
                closest = ((f, p), wrong)
    if not standing:
        mismatches = tuple(
            _describe_mismatch(fact, expected, live) for fact, expected in (closest[1] if closest else ())[:5]
        )
        why = "the database matches no state this migration can leave (changed by hand since?)"
        if mismatches:
            why += ": " + "; ".join(mismatches)
        present = {s.index: None for s in statements}
        return Judgement("unknown", present, {s.index: why for s in statements if s.lasting}, mismatches)
    prefixes = tuple(sorted({p for _f, p in standing}))
    shows = _what_each_shows(statements, changes, live)
    present, reasons = {}, {}
    for statement in statements:
        index = statement.index
        if all(p >= index for p in prefixes):
            present[index] = True
        elif all(p < index for p in prefixes):
            present[index] = False
        else:
            present[index] = None
        if index in shows:
            present[index] = _confirmed(present[index], *shows[index], knowns)
        if present[index] is None and statement.lasting:
            reasons[index] = _why_not_judged(statement, changes[index - 1], live)
    lasting = [present[s.index] for s in statements if s.lasting]
    if any(value is None for value in lasting):
        verdict = "unknown"
    elif lasting and all(lasting):
        verdict = "complete"
    elif not any(lasting):
        # Nothing lasting took effect (or the migration has nothing lasting: SET, PRAGMA).
        verdict = "none"
    else:
        verdict = "partial"
    conflicts = _retry_conflicts(statements, changes, live) if verdict == "none" else ()
    lasting_indexes = frozenset(s.index for s in statements if s.lasting)
    invalid = tuple(
        statement.index
        for statement, change in zip(statements, changes, strict=True)
        if present[statement.index] is False
        and any(op[0] == "set" and op[1][0] == "index" and _left_invalid(live.value(op[1])) for op in change.ops)
    )
    return Judgement(verdict, present, reasons, (), conflicts, prefixes, lasting_indexes, invalid)


def _left_invalid(live) -> bool:
    """An index the catalog shows, not valid: what a failed CREATE INDEX CONCURRENTLY leaves under its name."""
    return live is not None and live is not ABSENT and getattr(live, "valid", True) is False


def failure_candidates(statements, kind: str | None) -> list[int] | None:
    """The statements that can have failed with an error of this kind (a superset: a statement is left out only
    when its shape cannot raise it). None: any, or none (no error on record)."""
    if kind is None:
        return None
    found = [s.index for s in statements if _may_fail_with(s, kind)]
    return found or None


def _may_fail_with(statement, kind: str) -> bool:
    if statement.category in ("data", "unmodelled"):
        return True
    if kind not in DATA_KINDS:
        return statement.category not in ("session", "transaction")
    actions = [inner for action in statement.actions for inner in (action, *action.declared.inline)]
    kinds = {action.kind for action in actions}
    constraints = {action.constraint for action in actions}
    # A type change rewrites the rows and checks every constraint on them again.
    if "alter_column" in kinds:
        return True
    if kind == "unique_violation":
        return any(action.rule.unique for action in actions) or "primary_key" in constraints
    if kind == "not_null_violation":
        return "primary_key" in constraints or any(a.kind == "add_column" and a.change.not_null for a in actions)
    if kind == "foreign_key_violation":
        return "foreign_key" in constraints or "validate_constraint" in kinds
    return "check" in constraints or bool(kinds & {"add_column", "validate_constraint"})


def _before_migration(changes, f, structure_held) -> dict | None:
    """The facts the statements 1..f-1 needed before the migration (they ran, so they had them), and the failed
    statement's own where `structure_held`; None when they could not all have run (the migration contradicts
    itself)."""
    run, pins = State(), {}
    for position, change in enumerate(changes[:f], start=1):
        if position == f and not structure_held:
            break
        for fact, required in change.requires:
            current = run.get(fact)
            if current is not None:
                if not satisfies(current, required):
                    return None
                continue
            if run.untouched(fact):
                pins[fact] = required
            run.facts[fact] = required
        run.apply(change)
    return pins


def _needs_met(state, change) -> bool:
    """Whether a statement can have run on this state; what it needs that nothing before it changed is taken as
    the state before the migration (it ran, so it had it)."""
    for fact, required in change.requires:
        current = state.get(fact)
        if current is not None:
            if not satisfies(current, required):
                return False
        elif state.untouched(fact):
            state.facts[fact] = required
    return True


def _what_each_shows(statements, changes, live) -> dict[int, tuple[list, list]]:
    """For each statement the catalog can see: how the facts it leaves compare with the catalog (those no later
    statement changes), and how the facts it needed compare (those no other statement changes)."""
    alone = []
    for change in changes:
        state = State()
        state.apply(change)
        alone.append(state)
    found = {}
    for position, (statement, change) in enumerate(zip(statements, changes, strict=True)):
        if statement.category != "schema" or statement.partly_modelled or change.forgets_all:
            continue
        before = dict(change.requires)
        after = State(before)
        after.apply(change)
        later = alone[position + 1 :]
        others = alone[:position] + later
        leaves = [
            (fact, _shown(live, fact, after.get(fact)), all(other.untouched(fact) for other in later))
            for fact in after.written | set(before)
            if after.get(fact) is not None
        ]
        needed = [
            live.compare(fact, value)
            for fact, value in before.items()
            if all(other.untouched(fact) for other in others)
        ]
        found[statement.index] = (leaves, needed)
    return found


def _shown(live, fact, expected):
    """How the catalog shows a fact a statement leaves: True, False, None (it cannot tell), or THERE: something is
    there (an index on an expression under the name, a type it cannot compare) that it cannot compare."""
    answer = live.compare(fact, expected)
    if answer is None and live.value(fact) is not None:
        return THERE
    return answer


def _confirmed(present, leaves, needed, knowns):
    """The order of the migration's judgement, held against what the statement alone shows in the catalog: what
    it leaves there (a created table, a dropped column) and what it needed (the table absent before)."""
    # What it leaves that no later statement changes: what the catalog shows of it after the whole migration.
    answers = [answer for _fact, answer, last in leaves if last]
    shows_after = bool(answers) and all(answer is True for answer in answers)
    contradicts_after = False in answers
    contradicts_before = False in needed
    if present is True:
        return None if contradicts_after else True
    if present is False:
        # Not run, by the order of the migration: unless the catalog shows all it leaves all the same (or something
        # under that name it cannot compare), and no standing hypothesis explains that (an object a person created by
        # hand, the statements after it not run).
        shown = bool(leaves) and all(answer is True or answer is THERE for _fact, answer, _last in leaves)
        explained = any(all(fact in known for fact, _answer, _last in leaves) for known in knowns)
        return None if shown and not explained else False
    if shows_after and contradicts_before:
        return True
    if contradicts_after and needed and all(answer is True for answer in needed):
        return False
    return None


def _contradicted(state, live, universe) -> list:
    wrong = []
    for fact in universe | state.facts.keys():
        expected = state.get(fact)
        if expected is not None and live.compare(fact, expected) is False:
            wrong.append((fact, expected))
    return wrong


def _why_not_judged(statement, change, live) -> str:
    if statement.category == "data":
        return "it changes data, which the catalog does not show: check whether it ran"
    if statement.category == "unmodelled":
        return "the catalog check does not cover this statement: check whether it took effect"
    facts = [fact for fact, _value in change.requires] + [op[1] for op in change.ops if op[0] == "set"]
    if facts and all(live.value(fact) is None for fact in facts):
        return "the catalog read does not cover what it changes: check whether it took effect"
    for op in change.ops:
        if op[0] == "set" and _shown(live, op[1], op[2]) is THERE:
            return (
                f"the catalog shows {describe_fact(op[1])} but cannot compare it with what the statement makes (on an "
                "expression, partial): check whether it is the statement's"
            )
    return "the database looks the same whether or not it ran (it may have changed nothing): check by hand"


def _retry_conflicts(statements, changes, live) -> tuple[str, ...]:
    """What the statements need that the database does not have now: a retry would fail there."""
    run, found = State(), []
    for statement, change in zip(statements, changes, strict=True):
        for fact, required in change.requires:
            current = run.get(fact)
            if current is None and run.untouched(fact):
                current = live.value(fact)
            if current is not None and not satisfies(current, required):
                invalid = " (an INVALID index)" if getattr(current, "valid", True) is False else ""
                found.append(
                    f"statement {statement.index} needs {describe_fact(fact)} to "
                    f"{'exist' if required in (True, PRESENT) else 'be absent'}, and it "
                    f"{'does not' if required in (True, PRESENT) else 'does'}{invalid}"
                )
            run.facts[fact] = required if current is None else current
        run.apply(change)
    return tuple(found)


def _table(key) -> str:
    schema, name = key
    return name if not schema else f"{schema}.{name}"


def describe_fact(fact) -> str:
    kind = fact[0]
    if kind == "thing":
        scope = _table(fact[2]) if fact[1] == "trigger" else fact[2]
        return f"{fact[1]} {fact[3]}" + (f" on {scope}" if fact[1] == "trigger" else "")
    if kind in ("type_exists", "labels", "label"):
        name = f"type {fact[2]}"
        return {"type_exists": name, "labels": f"the labels of {name}"}.get(kind) or f"label '{fact[3]}' of {name}"
    table = _table(fact[1]) if fact[1][1] is not None else "its table"
    if kind == "table":
        return f"table {table}"
    if kind == "columns":
        return f"the columns of {table}"
    if kind == "pk":
        return f"the primary key of {table}"
    name = fact[2]
    return {
        "column": f"column {table}.{name}",
        "type": f"the type of {table}.{name}",
        "nullable": f"whether {table}.{name} takes NULL",
        "default": f"the default of {table}.{name}",
        "index": f"index {name} on {table}",
        "constraint": f"constraint {name} on {table}",
        "any": f"index or constraint {name} on {table}",
        "validated": f"whether constraint {name} on {table} is validated",
    }.get(kind, str(fact))


def _describe_value(value) -> str:
    if value is True:
        return "present"
    if value is False or value is ABSENT:
        return "absent"
    if value is NO_DEFAULT:
        return "no default"
    if value is NO_PK:
        return "none"
    if value is PRESENT or value is ANY_DEFAULT:
        return "present"
    if isinstance(value, SqlText):
        return value.text
    if isinstance(value, ObjectSpec):
        columns = ", ".join(value.columns) if value.columns is not None else "expressions"
        return f"{'unique ' if value.unique else ''}{value.kind.replace('_', ' ')} on ({columns})"
    if isinstance(value, frozenset):
        return "(" + ", ".join(sorted(value)) + ")"
    if isinstance(value, tuple):
        return "(" + ", ".join(value) + ")"
    kind = getattr(value, "kind", None)
    if kind is not None:
        columns = ", ".join(value.columns) if value.columns is not None else "expressions"
        state = "" if value.valid else " (INVALID)"
        return f"{'unique ' if value.unique else ''}{kind.replace('_', ' ')} on ({columns}){state}"
    return str(value)


def _describe_mismatch(fact, expected, live) -> str:
    return f"{describe_fact(fact)} is {_describe_value(live.value(fact))}, expected {_describe_value(expected)}"
