# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each statement needs before it and changes after it, as facts the catalog can show (pure).

A fact is a tuple key with a value:
    ("table", T) -> bool                      ("columns", T) -> frozenset of column names
    ("column", T, c) -> bool                  ("type", T, c) -> SqlText   ("nullable", T, c) -> bool
    ("default", T, c) -> NO_DEFAULT | ANY_DEFAULT | SqlText
    ("index", T, name) -> ObjectSpec | ABSENT      indexes, and the unique and primary key constraints they back
    ("constraint", T, name) -> ObjectSpec | ABSENT foreign keys, checks, SQL Server's named defaults
    ("any", T, name) -> bool                      either of the two (DROP CONSTRAINT does not say which)
    (PRESENT stands for an index or constraint whose shape is not known.)
    ("validated", T, name) -> bool            ("pk", T) -> tuple of columns | NO_PK
    ("type_exists", S, t) -> bool             ("labels", S, t) -> frozenset    ("label", S, t, label) -> bool
    ("thing", kind, S, name) -> bool          (functions, views, sequences, extensions, schemas; triggers by table)
T is a table key (schema, table) and S a schema, folded as the database compares names.

`requires` are the facts a statement needs to succeed; `ops` change a State. A State knows some facts; the others
are unknown. A table the migration created or dropped is closed: its columns, indexes and constraints that no
statement names are known to be absent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName


class _Sentinel:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Sentinel("ABSENT")
PRESENT = _Sentinel("PRESENT")
NO_DEFAULT = _Sentinel("NO_DEFAULT")
ANY_DEFAULT = _Sentinel("ANY_DEFAULT")
NO_PK = _Sentinel("NO_PK")
# What a failed CREATE INDEX CONCURRENTLY leaves under its name: nothing, or an INVALID index.
ABSENT_OR_INVALID = _Sentinel("ABSENT_OR_INVALID")
# The kinds of facts that belong to one table (they go with it on DROP and RENAME).
TABLE_FACTS = ("columns", "column", "type", "nullable", "default", "index", "constraint", "any", "validated", "pk")
OBJECT_FACTS = ("index", "constraint")
INDEX_KINDS = ("index", "unique", "primary_key")
COLUMN_FACTS = ("column", "type", "nullable", "default")


@dataclass(frozen=True)
class SqlText:
    """A type or default expression as migration.sql writes it (compared by the database's Catalog part)."""

    text: str


@dataclass(frozen=True)
class ObjectSpec:
    """An index or constraint as a statement makes it. kind: index, unique, primary_key, foreign_key, check,
    default. columns None: on expressions, or not known."""

    kind: str
    columns: tuple[str, ...] | None = None
    unique: bool = False
    ref_table: tuple | None = None
    ref_columns: tuple[str, ...] = ()
    partial: bool = False
    # A foreign key's (ON DELETE, ON UPDATE), names.referential_action words; None: not known.
    actions: tuple[str, str] | None = None


@dataclass(frozen=True)
class Change:
    """One statement's facts: what it needs before it (if it succeeds) and the operations that apply its effect."""

    requires: tuple = ()
    ops: tuple = ()
    # Facts it may change that the model cannot follow: after it, every fact (True) or the facts of these tables
    # are unknown.
    forgets_all: bool = False
    forgets_tables: tuple = ()


class Model:
    """Statements to Changes for one database: names folded as it compares them, its default schema."""

    def __init__(self, fold, default_schema: str | None, pk_implies_not_null: bool = True):
        self.fold = fold
        self.schema = fold(default_schema or "")
        self.pk_implies_not_null = pk_implies_not_null
        # ("table" | "type", schema, name) folded -> the TableName as written: what the catalog is asked for.
        self.originals = {}

    def table(self, table) -> tuple:
        key = (self.fold(table.schema) if table.schema else self.schema, self.fold(table.name))
        self.originals.setdefault(("table", *key), table)
        return key

    def schema_of(self, schema: str | None) -> str:
        return self.fold(schema) if schema else self.schema

    def change(self, statement, index_owners: dict) -> Change:
        """`index_owners`: (schema, index name) -> table name, for indexes named without their table."""
        if statement.category in ("session", "transaction"):
            return Change()
        requires, ops = [], []
        # An ALTER TABLE's actions run in order: what one needs of a fact an earlier one changed is not a need of
        # the statement (DROP CONSTRAINT "pkey", ADD CONSTRAINT "pkey" PRIMARY KEY (...)).
        within = State()
        for action in statement.actions:
            handler = getattr(self, "_" + action.kind, None)
            if handler is None:
                continue
            found = handler(action, index_owners)
            if found is None:
                return Change(forgets_all=True)
            action_requires, action_ops = found
            requires.extend((fact, value) for fact, value in action_requires if within.untouched(fact))
            ops.extend(action_ops)
            within.apply(Change(ops=tuple(action_ops)))
        if statement.category == "unmodelled":
            return Change(tuple(requires), tuple(ops), forgets_all=_opaque(statement))
        if statement.category == "data":
            # It ran only where its tables were there: an INSERT ... SELECT needs both.
            tables = {
                self.table(table)
                for action in statement.actions
                for table in (action.table, action.source.table if action.source else None)
                if table is not None
            }
            return Change(tuple((("table", t), True) for t in sorted(tables)), forgets_all=_opaque(statement))
        forgets = ()
        if statement.partly_modelled and statement.table is not None:
            forgets = (self.table(statement.table),)
        if any(action.guards.cascade for action in statement.actions):
            return Change(tuple(requires), tuple(ops), forgets_all=True)
        return Change(tuple(requires), tuple(ops), forgets_tables=forgets)

    # Tables -----------------------------------------------------------------------------------------------------

    def _create_table(self, action, owners):
        del owners
        t = self.table(action.table)
        requires = [] if action.guards.if_not_exists else [(("table", t), False)]
        if action.guards.if_not_exists or not action.declared.columns:
            # It may have existed already (then nothing changed), or its columns come from a query.
            return requires, [("set", ("table", t), True), ("forget_table", t)]
        columns = frozenset(self.fold(spec.name) for spec in action.declared.columns)
        ops = [("create_table", t), ("set", ("columns", t), columns)]
        for spec in action.declared.columns:
            ops.extend(self._column_ops(t, spec))
        for inner in action.declared.inline:
            ops.extend(self._inline_ops(t, inner))
        return requires, ops

    def _column_ops(self, t, spec) -> list:
        c = self.fold(spec.name)
        ops = [("set", ("column", t, c), True), ("set", ("nullable", t, c), not spec.not_null)]
        if spec.type:
            ops.append(("set", ("type", t, c), SqlText(spec.type)))
        if spec.generated:
            # SERIAL's default is a sequence of its own; IDENTITY and AUTO_INCREMENT show no default at all.
            ops.append(("unset", ("default", t, c)))
        else:
            ops.append(("set", ("default", t, c), SqlText(spec.default) if spec.default is not None else NO_DEFAULT))
        return ops

    def _inline_ops(self, t, action) -> list:
        if action.kind == "create_index":
            return self._index_ops(t, action)
        return self._constraint_ops(t, action)

    def _drop_table(self, action, owners):
        del owners
        t = self.table(action.table)
        requires = [] if action.guards.if_exists else [(("table", t), True)]
        return requires, [("drop_table", t)]

    def _rename_table(self, action, owners):
        del owners
        if not action.new_name:
            return None
        old = self.table(action.table)
        new = self.table(TableName(action.new_name, action.table.schema))
        return [(("table", old), True), (("table", new), False)], [("rename_table", old, new)]

    # Columns ----------------------------------------------------------------------------------------------------

    def _add_column(self, action, owners):
        del owners
        t = self.table(action.table)
        spec = action.declared.columns[0] if action.declared.columns else None
        if spec is None:
            return None
        c = self.fold(spec.name)
        if action.guards.if_not_exists:
            return [(("table", t), True)], [("set", ("column", t, c), True), *self._unset_column(t, c)]
        requires = [(("table", t), True), (("column", t, c), False)]
        ops = [("add_to_set", ("columns", t), c), *self._column_ops(t, spec)]
        for inner in action.declared.inline:
            ops.extend(self._constraint_ops(t, inner))
        return requires, ops

    def _unset_column(self, t, c) -> list:
        return [("unset", ("type", t, c)), ("unset", ("nullable", t, c)), ("unset", ("default", t, c))]

    def _drop_column(self, action, owners):
        del owners
        t = self.table(action.table)
        c = self.fold(action.name)
        requires = [] if action.guards.if_exists else [(("column", t, c), True)]
        return requires, [("drop_column", t, c)]

    def _rename_column(self, action, owners):
        del owners
        if not action.new_name:
            return None
        t = self.table(action.table)
        old, new = self.fold(action.name), self.fold(action.new_name)
        return [(("column", t, old), True), (("column", t, new), False)], [("rename_column", t, old, new)]

    def _alter_column(self, action, owners):
        del owners
        t = self.table(action.table)
        c = self.fold(action.name)
        requires = [(("column", t, c), True)]
        ops = []
        if action.new_name and self.fold(action.new_name) != c:
            new = self.fold(action.new_name)
            requires.append((("column", t, new), False))
            ops.append(("rename_column", t, c, new))
            c = new
        change = action.change
        if change.set_type:
            ops.append(("set", ("type", t, c), SqlText(change.set_type)))
        if change.not_null is not None:
            ops.append(("set", ("nullable", t, c), not change.not_null))
        if change.default is not None:
            ops.append(("set", ("default", t, c), SqlText(change.default)))
        elif change.drop_default and not (change.restates and change.not_null is False):
            # A MODIFY that leaves a nullable column without DEFAULT gives it DEFAULT NULL: not "no default".
            ops.append(("set", ("default", t, c), NO_DEFAULT))
        elif change.restates and change.drop_default:
            ops.append(("unset", ("default", t, c)))
        for inner in action.declared.inline:
            ops.append(("set", ("constraint", t, self.fold(inner.name)), ObjectSpec("default", (c,))))
        return requires, ops

    # Indexes and constraints ------------------------------------------------------------------------------------

    def _owner(self, action, owners) -> tuple | None:
        if action.table is not None:
            return self.table(action.table)
        schema = self.schema_of(action.schema)
        table = owners.get((schema, self.fold(action.name)))
        if table is None:
            # An index no statement and no table owns: the catalog shows it nowhere, which is an answer too.
            return (schema, None)
        return self.table(TableName(table, action.schema))

    def _index_ops(self, t, action) -> list:
        if not action.name:
            return []
        spec = ObjectSpec(
            "index",
            None if action.rule.partial else tuple(self.fold(column) for column in action.columns),
            action.rule.unique,
            partial=action.rule.partial,
        )
        return [("set", ("index", t, self.fold(action.name)), spec)]

    def _create_index(self, action, owners):
        del owners
        t = self.table(action.table) if action.table is not None else None
        if t is None or not action.name:
            return None
        name = self.fold(action.name)
        if action.guards.if_not_exists:
            return [(("table", t), True)], [("set", ("index", t, name), PRESENT)]
        return [(("table", t), True), (("index", t, name), ABSENT)], self._index_ops(t, action)

    def _drop_index(self, action, owners):
        t = self._owner(action, owners)
        if not action.name:
            return None
        name = self.fold(action.name)
        requires = [] if action.guards.if_exists else [(("index", t, name), PRESENT)]
        return requires, [("set", ("index", t, name), ABSENT)]

    def _rename_index(self, action, owners):
        t = self._owner(action, owners)
        if not action.name or not action.new_name:
            return None
        old, new = self.fold(action.name), self.fold(action.new_name)
        return [(("index", t, old), PRESENT), (("index", t, new), ABSENT)], [("rename_object", "index", t, old, new)]

    def _constraint_ops(self, t, action) -> list:
        kind = action.constraint or "other"
        columns = tuple(self.fold(column) for column in action.columns)
        ops = []
        if kind == "primary_key":
            ops.append(("set", ("pk", t), columns))
            if self.pk_implies_not_null:
                ops.extend(("set", ("nullable", t, column), False) for column in columns)
        if not action.name:
            return ops
        name = self.fold(action.name)
        namespace = "index" if kind in INDEX_KINDS else "constraint"
        if kind == "other":
            return [*ops, ("unset", ("index", t, name)), ("unset", ("constraint", t, name))]
        reference = action.reference
        spec = ObjectSpec(
            kind,
            columns if kind != "check" else None,
            action.rule.unique,
            self.table(reference.table) if reference is not None and reference.table is not None else None,
            tuple(self.fold(column) for column in reference.columns) if reference is not None else (),
            actions=reference.actions if reference is not None else None,
        )
        ops.append(("set", (namespace, t, name), spec))
        if namespace == "constraint":
            ops.append(("set", ("validated", t, name), not action.rule.not_valid))
        return ops

    def _add_constraint(self, action, owners):
        del owners
        t = self.table(action.table)
        requires = [(("table", t), True)]
        if action.name:
            requires.append((("any", t, self.fold(action.name)), False))
        if action.constraint == "primary_key":
            requires.append((("pk", t), NO_PK))
        return requires, self._constraint_ops(t, action)

    def _drop_constraint(self, action, owners):
        del owners
        t = self.table(action.table)
        if action.constraint == "primary_key" and not action.name:
            # MySQL's DROP PRIMARY KEY.
            return [(("pk", t), PRESENT)], [("set", ("pk", t), NO_PK)]
        if not action.name:
            return None
        name = self.fold(action.name)
        # MySQL says which namespace (DROP FOREIGN KEY, DROP CHECK, DROP KEY); DROP CONSTRAINT does not.
        namespace = {"foreign_key": "constraint", "check": "constraint", "index": "index"}.get(action.constraint)
        fact = (namespace, t, name) if namespace else ("any", t, name)
        requires = [] if action.guards.if_exists else [(fact, PRESENT if namespace else True)]
        return requires, [("drop_object", namespace, t, name)]

    def _rename_constraint(self, action, owners):
        del owners
        t = self.table(action.table)
        old, new = self.fold(action.name), self.fold(action.new_name)
        return [(("any", t, old), True), (("any", t, new), False)], [("rename_object", None, t, old, new)]

    def _validate_constraint(self, action, owners):
        del owners
        t = self.table(action.table)
        name = self.fold(action.name)
        return [(("constraint", t, name), PRESENT)], [("set", ("validated", t, name), True)]

    # Types and other objects ------------------------------------------------------------------------------------

    def _type_key(self, action, name: str | None = None) -> tuple:
        key = (self.schema_of(action.schema), self.fold(name or action.name))
        self.originals.setdefault(("type", *key), TableName(name or action.name, action.schema))
        return key

    def _create_type(self, action, owners):
        del owners
        s, t = self._type_key(action)
        return [(("type_exists", s, t), False)], [("create_type", s, t, frozenset(action.labels))]

    def _add_enum_value(self, action, owners):
        del owners
        s, t = self._type_key(action)
        label = action.labels[0]
        requires = [(("type_exists", s, t), True)]
        if not action.guards.if_not_exists:
            requires.append((("label", s, t, label), False))
        return requires, [("add_label", s, t, label)]

    def _rename_enum_value(self, action, owners):
        del owners
        s, t = self._type_key(action)
        old, new = action.labels
        return [(("label", s, t, old), True), (("label", s, t, new), False)], [("rename_label", s, t, old, new)]

    def _rename_type(self, action, owners):
        del owners
        s, old = self._type_key(action)
        new = self._type_key(action, action.new_name)[1]
        return [(("type_exists", s, old), True), (("type_exists", s, new), False)], [("rename_type", s, old, new)]

    def _drop_type(self, action, owners):
        del owners
        s, t = self._type_key(action)
        requires = [] if action.guards.if_exists else [(("type_exists", s, t), True)]
        return requires, [("drop_type", s, t)]

    def _thing(self, action) -> tuple:
        if action.object_kind == "trigger":
            return ("thing", "trigger", self.table(action.table), self.fold(action.name))
        if action.object_kind in ("extension", "schema"):
            fact = ("thing", action.object_kind, "", self.fold(action.name))
            self.originals.setdefault(fact, TableName(action.name))
            return fact
        if action.object_kind == "type":
            return ("type_exists", *self._type_key(action))
        fact = ("thing", action.object_kind, self.schema_of(action.schema), self.fold(action.name))
        self.originals.setdefault(fact, TableName(action.name, action.schema))
        return fact

    def _create_object(self, action, owners):
        del owners
        if action.object_kind == "trigger" and action.table is None:
            return None
        fact = self._thing(action)
        # Functions overload: another one of the same name may exist, so nothing is required of the name.
        overloads = action.object_kind in ("function", "procedure")
        requires = [] if action.guards.or_replace or action.guards.if_not_exists or overloads else [(fact, False)]
        return requires, [("set", fact, True)]

    def _drop_object(self, action, owners):
        del owners
        if action.object_kind == "trigger" and action.table is None:
            return None
        fact = self._thing(action)
        requires = [] if action.guards.if_exists or action.object_kind in ("function", "procedure") else [(fact, True)]
        return requires, [("set", fact, False)]


def _opaque(statement) -> bool:
    """Whether a statement the model does not follow can change the schema (a DO block can; COMMENT cannot)."""
    words = statement.text.split(None, 2)
    first = words[0].upper() if words else ""
    if statement.category == "data":
        return first in ("DO", "CALL", "EXEC", "EXECUTE", "SELECT", "WITH")
    return first not in ("COMMENT", "GRANT", "REVOKE", "SECURITY")


class State:
    """Known facts of one database state; `closed` tables have no columns, indexes or constraints beyond the known
    ones. It records what its operations wrote: a fact nothing wrote still holds its value from before."""

    def __init__(self, facts=None, closed=None):
        self.facts = dict(facts or {})
        self.closed = set(closed or ())
        self.written = set()
        # Subjects (tables, types) an operation changed as a whole, and whether everything was forgotten.
        self.bulk = set()
        self.forgot_all = False

    def copy(self) -> State:
        return State(self.facts, self.closed)

    def get(self, fact):
        """The value, or None when unknown."""
        if fact in self.facts:
            return self.facts[fact]
        kind = fact[0]
        if kind == "any":
            values = [self.get(("index", *fact[1:])), self.get(("constraint", *fact[1:]))]
            if any(value is not None and value is not ABSENT for value in values):
                return True
            return False if all(value is ABSENT for value in values) else None
        if kind in TABLE_FACTS and fact[1] in self.closed:
            if kind == "column":
                return False
            if kind in OBJECT_FACTS:
                return ABSENT
            if kind == "pk":
                return NO_PK
            return None
        if kind == "thing" and fact[1] == "trigger" and fact[2] in self.closed:
            return False
        if kind == "label":
            labels = self.facts.get(("labels", fact[1], fact[2]))
            if isinstance(labels, frozenset):
                return fact[3] in labels
        return None

    def untouched(self, fact) -> bool:
        """Whether no operation has changed this fact: its value is still the one from before the statements."""
        if self.forgot_all or fact in self.written:
            return False
        if fact[0] == "any" and (("index", *fact[1:]) in self.written or ("constraint", *fact[1:]) in self.written):
            return False
        return not any(owner in self.bulk for owner in subjects(fact))

    def apply(self, change: Change) -> None:
        for op in change.ops:
            getattr(self, "_op_" + op[0])(*op[1:])
        if change.forgets_all:
            self.facts.clear()
            self.closed.clear()
            self.forgot_all = True
        for table in change.forgets_tables:
            self._forget_table(table)

    def _put(self, fact, value) -> None:
        self.written.add(fact)
        self.facts[fact] = value
        self._derived_from(fact)

    def _drop(self, fact) -> None:
        self.written.add(fact)
        self.facts.pop(fact, None)
        self._derived_from(fact)

    def _derived_from(self, fact) -> None:
        """ "Either an index or a constraint of that name" follows the two it is made of once one changes."""
        if fact[0] in OBJECT_FACTS:
            self.facts.pop(("any", *fact[1:]), None)
            self.written.add(("any", *fact[1:]))

    def _op_set(self, fact, value) -> None:
        if fact[0] == "column" and value is False:
            self._drop_column_facts(fact[1], fact[2])
        self._put(fact, value)

    def _op_unset(self, fact) -> None:
        self._drop(fact)

    def _op_add_to_set(self, fact, member) -> None:
        current = self.facts.get(fact)
        if isinstance(current, frozenset):
            self._put(fact, current | {member})
        else:
            self.written.add(fact)

    def _table_facts(self, table) -> list:
        return [fact for fact in self.facts if fact[0] in TABLE_FACTS and fact[1] == table] + [
            fact for fact in self.facts if fact[0] == "thing" and fact[1] == "trigger" and fact[2] == table
        ]

    def _reset_table(self, table, exists: bool | None) -> None:
        for fact in self._table_facts(table):
            del self.facts[fact]
        self.bulk.update({("table", table), ("objects", table)})
        if exists is None:
            self.closed.discard(table)
        else:
            self.closed.add(table)
            self._put(("table", table), exists)

    def _op_create_table(self, table) -> None:
        self._reset_table(table, True)

    def _op_drop_table(self, table) -> None:
        self._reset_table(table, False)

    def _forget_table(self, table) -> None:
        self._reset_table(table, None)

    def _op_forget_table(self, table) -> None:
        self._forget_table(table)

    def _op_rename_table(self, old, new) -> None:
        moved = {}
        for fact in self._table_facts(old):
            value = self.facts.pop(fact)
            if fact[0] == "thing":
                moved[("thing", "trigger", new, fact[3])] = value
            else:
                moved[(fact[0], new, *fact[2:])] = value
        was_closed = old in self.closed
        self._reset_table(new, None)
        self._reset_table(old, False)
        self.facts.update(moved)
        if was_closed:
            self.closed.add(new)
        self._put(("table", new), True)
        # Foreign keys elsewhere follow the table.
        for fact, value in list(self.facts.items()):
            if isinstance(value, ObjectSpec) and value.ref_table == old:
                self._put(fact, replace(value, ref_table=new))

    def _drop_column_facts(self, table, column) -> None:
        for kind in ("type", "nullable", "default"):
            self._drop((kind, table, column))
        current = self.facts.get(("columns", table))
        if isinstance(current, frozenset):
            self._put(("columns", table), current - {column})
        for fact, value in list(self.facts.items()):
            # An index or constraint on the column goes with it, or shrinks (MySQL): not followed.
            on_column = isinstance(value, ObjectSpec) and (value.columns is None or column in value.columns)
            if fact[0] in OBJECT_FACTS and fact[1] == table and on_column:
                self._drop(fact)
                self._drop(("validated", table, fact[2]))
        pk = self.facts.get(("pk", table))
        if isinstance(pk, tuple) and column in pk:
            self._drop(("pk", table))
        # Objects whose shape is not known may have been on it.
        self.bulk.add(("objects", table))

    def _op_drop_column(self, table, column) -> None:
        self._drop_column_facts(table, column)
        self._put(("column", table, column), False)

    def _op_rename_column(self, table, old, new) -> None:
        for kind in COLUMN_FACTS:
            value = self.facts.get((kind, table, old))
            self._drop((kind, table, old))
            self._drop((kind, table, new))
            if value is not None:
                self._put((kind, table, new), value)
        self._put(("column", table, old), False)
        self._put(("column", table, new), True)
        current = self.facts.get(("columns", table))
        if isinstance(current, frozenset):
            self._put(("columns", table), (current - {old}) | {new})

        def renamed(columns):
            return tuple(new if column == old else column for column in columns)

        for fact, value in list(self.facts.items()):
            if not isinstance(value, ObjectSpec):
                continue
            changed = value
            if fact[1] == table and value.columns is not None:
                changed = replace(changed, columns=renamed(value.columns))
            if value.ref_table == table:
                changed = replace(changed, ref_columns=renamed(value.ref_columns))
            if changed != value:
                self._put(fact, changed)
        pk = self.facts.get(("pk", table))
        if isinstance(pk, tuple):
            self._put(("pk", table), renamed(pk))

    def _op_rename_object(self, namespace, table, old, new) -> None:
        namespaces = (namespace,) if namespace else OBJECT_FACTS
        moved = False
        for kind in (*namespaces, "validated"):
            value = self.facts.get((kind, table, old))
            self._drop((kind, table, old))
            self._drop((kind, table, new))
            if value is not None:
                self._put((kind, table, new), value)
                moved = True
        for kind in namespaces:
            self._put((kind, table, old), ABSENT)
        if not moved and namespace:
            self._put((namespace, table, new), PRESENT)
        self.written.update({("any", table, old), ("any", table, new)})

    def _op_drop_object(self, namespace, table, name) -> None:
        for kind in (namespace,) if namespace else OBJECT_FACTS:
            value = self.facts.get((kind, table, name))
            if isinstance(value, ObjectSpec) and value.kind == "primary_key":
                self._put(("pk", table), NO_PK)
            elif kind == "index" and not isinstance(value, ObjectSpec):
                # It may have been the primary key.
                self._drop(("pk", table))
            if isinstance(value, ObjectSpec) and value.kind == "default" and value.columns:
                self._put(("default", table, value.columns[0]), NO_DEFAULT)
            self._put((kind, table, name), ABSENT)
        self._drop(("validated", table, name))
        self.written.add(("any", table, name))

    def _op_add_label(self, schema, type_name, label) -> None:
        self._put(("label", schema, type_name, label), True)
        self._op_add_to_set(("labels", schema, type_name), label)

    def _op_rename_label(self, schema, type_name, old, new) -> None:
        self._put(("label", schema, type_name, old), False)
        self._put(("label", schema, type_name, new), True)
        labels = self.facts.get(("labels", schema, type_name))
        if isinstance(labels, frozenset):
            self._put(("labels", schema, type_name), (labels - {old}) | {new})
        else:
            self.written.add(("labels", schema, type_name))

    def _type_facts(self, schema, type_name) -> list:
        return [
            fact
            for fact in self.facts
            if fact[0] in ("type_exists", "labels", "label") and fact[1] == schema and fact[2] == type_name
        ]

    def _op_rename_type(self, schema, old, new) -> None:
        moved = {(fact[0], schema, new, *fact[3:]): self.facts.pop(fact) for fact in self._type_facts(schema, old)}
        for fact in self._type_facts(schema, new):
            del self.facts[fact]
        self.bulk.update({("type", schema, old), ("type", schema, new)})
        self.facts.update(moved)
        self._put(("type_exists", schema, old), False)
        self._put(("type_exists", schema, new), True)
        # Columns of a renamed type show its new name: what any column's type shows is not followed from here.
        self.bulk.add(("column_types",))
        self._forget_columns_typed(old, new)

    def _op_create_type(self, schema, type_name, labels) -> None:
        for fact in self._type_facts(schema, type_name):
            del self.facts[fact]
        self.bulk.add(("type", schema, type_name))
        self._put(("type_exists", schema, type_name), True)
        self._put(("labels", schema, type_name), labels)

    def _op_drop_type(self, schema, type_name) -> None:
        for fact in self._type_facts(schema, type_name):
            del self.facts[fact]
        self.bulk.add(("type", schema, type_name))
        self._put(("type_exists", schema, type_name), False)

    def _forget_columns_typed(self, *type_names) -> None:
        """Columns of a renamed type show the type's new name: what they show is not followed."""
        wanted = {name.lower() for name in type_names}
        for fact, value in list(self.facts.items()):
            if fact[0] == "type" and isinstance(value, SqlText):
                bare = value.text.replace('"', "").replace("[]", "").split(".")[-1].strip().lower()
                if bare in wanted:
                    self._drop(fact)


def subjects(fact) -> tuple:
    """What a fact belongs to, as the operations that change a whole table, its indexes and constraints, or a type
    name them."""
    kind = fact[0]
    if kind in ("index", "constraint", "any", "validated", "pk"):
        return (("table", fact[1]), ("objects", fact[1]))
    if kind == "type":
        return (("table", fact[1]), ("column_types",))
    if kind in TABLE_FACTS:
        return (("table", fact[1]),)
    if kind == "thing" and fact[1] == "trigger":
        return (("table", fact[2]),)
    if kind in ("type_exists", "labels", "label"):
        return (("type", fact[1], fact[2]),)
    return ()


def satisfies(value, required) -> bool:
    """Whether a known value meets a requirement (PRESENT: any index or constraint, any primary key)."""
    if required is PRESENT:
        return value is not ABSENT and value is not NO_PK and value is not False
    if required is ABSENT and value is ABSENT_OR_INVALID:
        # A person may drop the INVALID index first.
        return True
    if required is ABSENT or required is NO_PK:
        return value is required
    return value == required


def facts_named(change: Change) -> set:
    """Every fact key a Change requires or sets (the facts the live catalog must answer)."""
    found = {fact for fact, _value in change.requires}
    for op in change.ops:
        if op[0] in ("set", "unset", "add_to_set"):
            found.add(op[1])
    return found
