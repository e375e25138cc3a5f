# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A migration.sql as the numbered statements the database runs, each classified by what it changes (pure).

Splitting uses sqlglot's tokenizer (strings, quoted identifiers, dollar quotes and comments are tokens, so a `;`
inside them never splits); classifying uses sqlglot's parser for the database's dialect, and for the statements
sqlglot keeps as an opaque command (PostgreSQL's ALTER TYPE, CREATE FUNCTION, CREATE EXTENSION, ...) the tokens.
Indexes are 1-based and count statements as MySQL's "query number N" does; the SQL Server wrapper Prisma writes
around every migration (BEGIN TRY / BEGIN TRAN ... COMMIT TRAN / END TRY BEGIN CATCH ... THROW END CATCH) is not
counted.

Every statement gets a category, which says how its effect can be known:
- schema: it changes the schema; its actions say how (what the catalog can show).
- data: it changes rows (INSERT, UPDATE, DELETE, MERGE, DO, CALL, SELECT of a function); the catalog cannot tell.
- session: a setting of the connection (SET, RESET, PRAGMA foreign_keys): nothing lasts.
- transaction: BEGIN, COMMIT, ...: nothing lasts.
- unmodelled: anything else (GRANT, COMMENT, what the parser does not understand); its effect is not judged.
Names are kept as the database stores them (PostgreSQL folds unquoted names to lower case).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import NO_ACTION, TableName, referential_action
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.syntax import Syntax
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.tokens import cut

STATEMENT_TEXT_LIMIT = 500
# First keywords of statements that begin or end a transaction themselves.
TRANSACTION_KEYWORDS = ("BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT")
CATEGORIES = ("schema", "data", "session", "transaction", "unmodelled")
# SQLite pragmas that only set the connection; any other (journal_mode, user_version, ...) can last.
SESSION_PRAGMAS = ("foreign_keys", "defer_foreign_keys", "legacy_alter_table", "foreign_key_check", "busy_timeout")
# Statements that only read or tune and leave the schema and the rows as they are.
NO_EFFECT_COMMANDS = ("ANALYZE", "VACUUM", "CHECKPOINT", "USE", "PRINT", "DISCARD", "LOAD")


@dataclass(frozen=True)
class ColumnSpec:
    """A column as CREATE TABLE / ADD COLUMN / MODIFY declares it."""

    name: str
    # The type as written, rendered for the dialect by sqlglot; None when the statement does not say.
    type: str | None = None
    not_null: bool = False
    # The default expression rendered for the dialect; None: no DEFAULT clause.
    default: str | None = None
    # SERIAL, IDENTITY, AUTO_INCREMENT: the database generates values (and, for SERIAL, a default of its own).
    generated: bool = False
    # The name of the DEFAULT's constraint where the statement names it (SQL Server: CONSTRAINT [name] DEFAULT ...).
    default_constraint: str | None = None


@dataclass(frozen=True)
class Reference:
    """The table and columns a foreign key points at (`@relation(references: [...])`)."""

    # None only when the parser gave no table for REFERENCES.
    table: TableName | None
    # Empty: REFERENCES names no columns, so the referenced table's primary key.
    columns: tuple[str, ...] = ()
    # (ON DELETE, ON UPDATE) as names.referential_action words.
    actions: tuple[str, str] = (NO_ACTION, NO_ACTION)


@dataclass(frozen=True)
class ColumnChange:
    """What add_column / alter_column do to one column's nullability, type and default."""

    # True when the column becomes NOT NULL, False when it becomes nullable, None when the statement does not say.
    not_null: bool | None = None
    # add_column: a DEFAULT (or a generated value) fills the rows already there.
    has_default: bool = False
    # alter_column: the new type as written.
    set_type: str | None = None
    # alter_column: SET DEFAULT (the expression) or DROP DEFAULT (drop_default).
    default: str | None = None
    drop_default: bool = False
    # MySQL's MODIFY/CHANGE and SQL Server's ALTER COLUMN restate the whole column (type, NULL, and on MySQL the
    # default); PostgreSQL's subcommands change one property each.
    restates: bool = False


@dataclass(frozen=True)
class Guards:
    """The clauses that make a statement tolerate the state it finds (or reach beyond its object)."""

    if_exists: bool = False
    if_not_exists: bool = False
    or_replace: bool = False
    # DROP ... CASCADE: dependent objects go too.
    cascade: bool = False


@dataclass(frozen=True)
class Rule:
    """What an index or a constraint holds the rows to, and which rows it covers."""

    # A unique index, or a unique / primary key constraint (`@unique`, `@@unique`, `@id`).
    unique: bool = False
    # A CHECK constraint's condition, rendered for the dialect.
    check: str | None = None
    # ADD CONSTRAINT ... NOT VALID (PostgreSQL): not checked against existing rows, convalidated false.
    not_valid: bool = False
    # create_index: on expressions, or with a WHERE clause (what the catalog shows cannot be compared by columns).
    partial: bool = False


@dataclass(frozen=True)
class Declared:
    """What a statement declares along with its table or column: the columns in full, and the indexes and
    constraints written inside it (add_constraint / create_index actions)."""

    # create_table / add_column / alter_column (MySQL's MODIFY, SQL Server's ALTER COLUMN): the columns declared.
    columns: tuple[ColumnSpec, ...] = ()
    inline: tuple[Action, ...] = ()

    @property
    def not_null_columns(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.columns if spec.not_null)


@dataclass(frozen=True)
class InsertSource:
    """INSERT ... SELECT: where the rows come from (SQLite's table rebuild copies a table this way)."""

    # None when the SELECT reads no table (no FROM, or a subquery).
    table: TableName | None
    # Position by position with the target's columns: the source column, or None for an expression.
    columns: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Action:
    """One change a statement makes (an ALTER TABLE can make several).

    The details that apply to some kinds only are grouped: `reference` (a foreign key), `change` (add_column /
    alter_column), `source` (INSERT ... SELECT) are None elsewhere; `guards`, `rule` and `declared` are empty."""

    kind: str
    table: TableName | None = None
    # The schema of an index named without its table (PostgreSQL's DROP INDEX "schema"."name"), or of a type,
    # function, view, sequence.
    schema: str | None = None
    # The object the action creates, drops or renames: a column, an index, a constraint, a type, a function...;
    # `new_name` after a rename.
    name: str | None = None
    new_name: str | None = None
    columns: tuple[str, ...] = ()
    # For add_constraint: unique, primary_key, foreign_key, check, default or other.
    constraint: str | None = None
    rule: Rule = Rule()
    reference: Reference | None = None
    change: ColumnChange | None = None
    declared: Declared = Declared()
    source: InsertSource | None = None
    # create_type: an enum's labels; add_enum_value / rename_enum_value: the label(s).
    labels: tuple[str, ...] = ()
    # create_object / drop_object / rename_object: function, procedure, view, materialized_view, sequence, trigger,
    # extension, schema, domain, ...
    object_kind: str | None = None
    guards: Guards = Guards()


@dataclass(frozen=True)
class Statement:
    index: int
    line: int
    text: str
    kind: str = "other"
    table: TableName | None = None
    actions: tuple[Action, ...] = field(default_factory=tuple)
    # PostgreSQL's CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    concurrently: bool = False
    # The first keyword of a statement that begins or ends a transaction itself (BEGIN, COMMIT, ...).
    transaction_control: str | None = None
    category: str = "unmodelled"
    # Part of the statement is not understood (an ALTER TABLE subcommand, ...): its table may change beyond actions.
    partly_modelled: bool = False

    @property
    def short_text(self) -> str:
        return self.text if len(self.text) <= STATEMENT_TEXT_LIMIT else self.text[: STATEMENT_TEXT_LIMIT - 3] + "..."

    @property
    def lasting(self) -> bool:
        """Whether its effect outlives the session: what the verdict is about."""
        return self.category in ("schema", "data", "unmodelled")

    def as_dict(self) -> dict:
        return {"index": self.index, "line": self.line, "kind": self.kind, "table": str(self.table or "") or None}


def load_sqlglot():
    """sqlglot, its logger quiet: for reading migration.sql, and for the SQL the repair renders."""
    sqlglot = import_library("sqlglot", "sqlglot", "to read migration.sql")
    # sqlglot warns on its logger for every statement it keeps as an opaque command; we read those by their tokens.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return sqlglot


def split_statements(sql: str, syntax: Syntax) -> list[Statement]:
    """The statements of a migration script, in order, with their exact text (without the `;`) and first line."""
    sqlglot = load_sqlglot()
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = sqlglot.tokenize(sql, read=syntax.sqlglot)
    except TokenError as error:
        raise DbopsError(
            f"migration.sql cannot be read as {syntax.sqlglot} SQL: {error}",
            hint="Check the file is the migration Prisma generated (an unterminated string or comment?).",
        ) from None
    pieces = cut(tokens, [position for position, token in enumerate(tokens) if token.token_type == TokenType.SEMICOLON])
    statements = []
    # Open BEGIN TRAN of the wrapper: a COMMIT beyond them would commit the caller's transaction, so it is kept.
    depth = 0
    for piece in pieces:
        start, end = piece[0].start, piece[-1].end + 1
        text = sql[start:end]
        if syntax.wrapper is not None:
            words = " ".join(text.split()).upper()
            if syntax.wrapper.match(words):
                if words.startswith("COMMIT") and depth == 0:
                    pass
                else:
                    depth += words.endswith(("BEGIN TRAN", "BEGIN TRANSACTION")) - words.startswith("COMMIT")
                    continue
        first = piece[0].text.upper()
        statement = Statement(
            index=len(statements) + 1,
            line=sql.count("\n", 0, start) + 1,
            text=text,
            transaction_control=first if first in TRANSACTION_KEYWORDS else None,
        )
        statements.append(classify(statement, syntax))
    return statements


def classify(statement: Statement, syntax: Syntax) -> Statement:
    """The statement with its category, kind, table and actions, as far as the parser understands it."""
    if statement.transaction_control:
        return replace(statement, kind="transaction", category="transaction")
    sqlglot = load_sqlglot()
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    try:
        tree = sqlglot.parse_one(statement.text, read=syntax.sqlglot)
    except (ParseError, TokenError):
        tree = None
    reader = _Reader(exp, syntax)
    opaque = tree is None or isinstance(tree, exp.Command)
    read = reader.command(statement.text) if opaque else reader.read(tree)
    return replace(
        statement,
        kind=read.kind,
        table=read.table,
        actions=tuple(read.actions),
        concurrently=read.concurrently,
        category=read.category,
        partly_modelled=read.partly_modelled,
    )


@dataclass
class _Read:
    kind: str
    category: str
    table: TableName | None = None
    actions: list = field(default_factory=list)
    concurrently: bool = False
    partly_modelled: bool = False


def _unmodelled() -> _Read:
    return _Read("other", "unmodelled")


def _object_change(verb: str, kind: str, guards: Guards = Guards(), *, table=None, schema=None, name=None) -> _Read:
    """`verb` (create, drop) a function, view, sequence, schema, trigger...: the statement's kind is f"{verb}_{kind}",
    its table the trigger's."""
    action = Action(f"{verb}_object", table=table, schema=schema, name=name, object_kind=kind, guards=guards)
    return _Read(f"{verb}_{kind}", "schema", table, [action])


class _Reader:
    """sqlglot's syntax tree (or a command's tokens) to our actions; anything unexpected is `unmodelled`, never an
    error."""

    def __init__(self, exp, syntax: Syntax):
        self.exp = exp
        self.syntax = syntax

    def read(self, tree) -> _Read:
        exp = self.exp
        if isinstance(tree, exp.Create):
            return self._create(tree)
        if isinstance(tree, exp.Drop):
            return self._drop(tree)
        if isinstance(tree, exp.Alter):
            return self._alter(tree)
        if isinstance(tree, exp.Insert):
            return self._insert(tree)
        if isinstance(tree, (exp.Update, exp.Delete, exp.Merge)):
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            table = self.table(target)
            return _Read("dml", "data", table, [Action("dml", table=table)])
        if isinstance(tree, (exp.Select, exp.Union)):
            # A SELECT can call functions that write (setval, a procedure's side effects).
            return _Read("dml", "data")
        if isinstance(tree, exp.Execute):
            return self._execute(tree)
        if isinstance(tree, exp.Set):
            return self._set(tree)
        if isinstance(tree, exp.Pragma):
            return self._pragma(tree)
        if isinstance(tree, exp.Use):
            return _Read("session", "session")
        return _unmodelled()

    # Names ------------------------------------------------------------------------------------------------------

    def ident(self, node) -> str | None:
        """A name as the database stores it: PostgreSQL folds unquoted names to lower case."""
        exp = self.exp
        if node is None:
            return None
        if isinstance(node, (exp.Table, exp.Column)) and isinstance(node.this, exp.Identifier):
            node = node.this
        if isinstance(node, exp.Identifier):
            return self.folded(node.this, node.quoted)
        name = getattr(node, "name", None)
        return name or None

    def folded(self, name: str, quoted: bool) -> str:
        return self.syntax.folded(name, quoted)

    def table(self, node) -> TableName | None:
        exp = self.exp
        if isinstance(node, exp.Schema):
            node = node.this
        if isinstance(node, exp.Table) and node.name:
            schema = node.args.get("db")
            return TableName(self.ident(node), self.ident(schema) if schema is not None else None)
        return None

    def reference(self, reference) -> Reference:
        """What REFERENCES names: a table, with its columns in parentheses or none, and what ON DELETE and ON UPDATE
        do."""
        node = reference.this
        columns = self.names(node.expressions) if isinstance(node, self.exp.Schema) else ()
        actions = {"delete": NO_ACTION, "update": NO_ACTION}
        for option in reference.args.get("options") or ():
            words = str(option).split(None, 2)
            if len(words) == 3 and words[0].upper() == "ON" and words[1].lower() in actions:
                actions[words[1].lower()] = referential_action(words[2])
        return Reference(self.table(node), columns, (actions["delete"], actions["update"]))

    def names(self, nodes) -> tuple[str, ...]:
        exp = self.exp
        out = []
        for node in nodes or ():
            if isinstance(node, exp.Ordered):
                node = node.this
            out.append(self.ident(node) or "")
        return tuple(out)

    def index_columns(self, nodes) -> tuple[tuple[str, ...], bool]:
        """(column names, whether any is an expression rather than a column)."""
        exp = self.exp
        columns, expression = [], False
        for node in nodes or ():
            if isinstance(node, exp.Ordered):
                node = node.this
            if isinstance(node, (exp.Column, exp.Identifier)):
                columns.append(self.ident(node))
            else:
                expression = True
        return tuple(columns), expression

    def sql(self, node) -> str | None:
        return node.sql(self.syntax.sqlglot) if node is not None else None

    # Statements -------------------------------------------------------------------------------------------------

    def _create(self, tree) -> _Read:
        exp = self.exp
        kind = (tree.args.get("kind") or "").upper()
        replace_ = bool(tree.args.get("replace"))
        exists = bool(tree.args.get("exists"))
        if kind == "TABLE":
            if tree.args.get("expression") is not None:
                # CREATE TABLE ... AS SELECT: its columns come from a query.
                table = self.table(tree.this)
                return _Read("create_table", "schema", table, [Action("create_table", table=table)], False, True)
            return self._create_table(tree, exists)
        if kind.endswith("INDEX") and isinstance(tree.this, exp.Index):
            index = tree.this
            table = self.table(index.args.get("table"))
            params = index.args.get("params")
            columns, expression = self.index_columns(params.args.get("columns") if params else ())
            action = Action(
                "create_index",
                table=table,
                name=self.ident(index.this) if index.this is not None else None,
                columns=columns,
                rule=Rule(
                    unique=bool(tree.args.get("unique")),
                    partial=expression or (params is not None and params.args.get("where") is not None),
                ),
                guards=Guards(if_not_exists=exists),
            )
            concurrently = bool(tree.args.get("concurrently"))
            return _Read("create_index", "schema", table, [action], concurrently)
        if kind == "TYPE":
            target = self.table(tree.this)
            dtype = tree.args.get("expression")
            labels = ()
            if isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.ENUM:
                labels = tuple(value.name for value in dtype.expressions)
            else:
                return _object_change("create", "type", schema=target.schema, name=target.name)
            action = Action("create_type", schema=target.schema, name=target.name, labels=labels)
            return _Read("create_type", "schema", None, [action])
        if kind in ("VIEW", "SEQUENCE", "SCHEMA", "FUNCTION", "PROCEDURE"):
            target = self.table(tree.this) if kind != "SCHEMA" else None
            if kind == "SCHEMA":
                name = self.ident(tree.this.this if isinstance(tree.this, exp.Table) else tree.this)
                return _object_change("create", "schema", Guards(if_not_exists=exists), name=name)
            if target is None:
                return _unmodelled()
            materialized = any(
                isinstance(prop, exp.MaterializedProperty)
                for prop in (tree.args.get("properties").expressions if tree.args.get("properties") else ())
            )
            return _object_change(
                "create",
                "materialized_view" if materialized else kind.lower(),
                Guards(or_replace=replace_, if_not_exists=exists),
                schema=target.schema,
                name=target.name,
            )
        if kind == "TRIGGER":
            properties = tree.args.get("properties")
            trigger = next(
                (
                    prop
                    for prop in (properties.expressions if properties else ())
                    if isinstance(prop, exp.TriggerProperties)
                ),
                None,
            )
            table = self.table(trigger.args.get("table")) if trigger is not None else None
            if table is None:
                return _unmodelled()
            return _object_change(
                "create", "trigger", Guards(or_replace=replace_), table=table, name=self.ident(tree.this)
            )
        return _unmodelled()

    def _create_table(self, tree, exists: bool) -> _Read:
        exp = self.exp
        table = self.table(tree.this)
        schema = tree.this if isinstance(tree.this, exp.Schema) else None
        specs, inline, partly = [], [], False
        for node in schema.expressions if schema else ():
            if isinstance(node, exp.ColumnDef):
                spec, constraints = self._column(node)
                specs.append(spec)
                inline.extend(self._column_constraints(table, spec.name, constraints))
            else:
                action = self._table_constraint(table, node)
                if action is None:
                    partly = True
                else:
                    inline.append(action)
        action = Action(
            "create_table",
            table=table,
            columns=tuple(spec.name for spec in specs),
            declared=Declared(tuple(specs), tuple(inline)),
            guards=Guards(if_not_exists=exists),
        )
        return _Read("create_table", "schema", table, [action], False, partly)

    def _column(self, node) -> tuple[ColumnSpec, list]:
        """A ColumnDef as a ColumnSpec, and its column-level constraint kinds (PRIMARY KEY, UNIQUE, REFERENCES)."""
        exp = self.exp
        constraints = node.args.get("constraints") or ()
        kinds = [constraint.args.get("kind") for constraint in constraints]
        not_null, default, generated, others = False, None, False, []
        default_constraint = next(
            (
                self.ident(constraint.this)
                for constraint in constraints
                if isinstance(constraint.args.get("kind"), exp.DefaultColumnConstraint) and constraint.this is not None
            ),
            None,
        )
        for kind in kinds:
            if isinstance(kind, exp.NotNullColumnConstraint):
                not_null = not kind.args.get("allow_null")
            elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
                not_null = True
                others.append(kind)
            elif isinstance(kind, exp.DefaultColumnConstraint):
                default = self.sql(kind.this)
            elif isinstance(kind, (exp.GeneratedAsIdentityColumnConstraint, exp.AutoIncrementColumnConstraint)):
                generated = True
            elif kind is not None:
                others.append(kind)
        dtype = node.args.get("kind")
        type_text = self.sql(dtype) if dtype is not None else None
        if isinstance(dtype, exp.DataType) and dtype.this in (
            exp.DataType.Type.SERIAL,
            exp.DataType.Type.BIGSERIAL,
            exp.DataType.Type.SMALLSERIAL,
        ):
            generated = True
        return ColumnSpec(self.ident(node.this), type_text, not_null, default, generated, default_constraint), others

    def _column_constraints(self, table, column, kinds) -> list[Action]:
        exp = self.exp
        actions = []
        for kind in kinds:
            if isinstance(kind, exp.PrimaryKeyColumnConstraint):
                actions.append(
                    Action(
                        "add_constraint",
                        table=table,
                        constraint="primary_key",
                        columns=(column,),
                        rule=Rule(unique=True),
                    )
                )
            elif isinstance(kind, exp.UniqueColumnConstraint):
                actions.append(
                    Action(
                        "add_constraint", table=table, constraint="unique", columns=(column,), rule=Rule(unique=True)
                    )
                )
            elif isinstance(kind, exp.Reference):
                actions.append(
                    Action(
                        "add_constraint",
                        table=table,
                        constraint="foreign_key",
                        columns=(column,),
                        reference=self.reference(kind),
                    )
                )
        return actions

    def _table_constraint(self, table, node) -> Action | None:
        """A table-level constraint or index inside CREATE TABLE / ADD CONSTRAINT; None when not understood."""
        exp = self.exp
        if isinstance(node, exp.Constraint):
            name = self.ident(node.this)
            inner = node.expressions[0] if node.expressions else None
            extras = node.expressions[1:]
        else:
            name, inner, extras = None, node, []
        if isinstance(inner, exp.ForeignKey):
            return Action(
                "add_constraint",
                table=table,
                name=name,
                constraint="foreign_key",
                columns=self.names(inner.expressions),
                reference=self.reference(inner.args["reference"]),
            )
        if isinstance(inner, exp.CheckColumnConstraint):
            return Action(
                "add_constraint", table=table, name=name, constraint="check", rule=Rule(check=self.sql(inner.this))
            )
        if isinstance(inner, exp.UniqueColumnConstraint):
            target = inner.this
            if isinstance(target, exp.NonClusteredColumnConstraint):
                columns = self.names(target.this)
            elif isinstance(target, exp.Schema):
                # MySQL's UNIQUE INDEX `name`(`col`) names the index inside the schema node.
                name = name or (self.ident(target.this) if target.this is not None else None)
                columns = self.names(target.expressions)
            elif isinstance(target, (exp.Identifier, exp.Column)):
                columns = (self.ident(target),)
            else:
                return None
            return Action(
                "add_constraint", table=table, name=name, constraint="unique", columns=columns, rule=Rule(unique=True)
            )
        if isinstance(inner, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
            columns = self.names(inner.expressions)
            # SQL Server's PRIMARY KEY CLUSTERED ([id]) keeps the columns in the CLUSTERED part beside it.
            for extra in extras:
                if not columns and isinstance(extra, (exp.ClusteredColumnConstraint, exp.NonClusteredColumnConstraint)):
                    columns = self.names(extra.this)
            return Action(
                "add_constraint",
                table=table,
                name=name,
                constraint="primary_key",
                columns=columns,
                rule=Rule(unique=True),
            )
        if isinstance(inner, exp.IndexColumnConstraint):
            # MySQL's INDEX `name`(`col`) inside CREATE TABLE.
            columns, expression = self.index_columns(inner.expressions)
            return Action(
                "create_index", table=table, name=self.ident(inner.this), columns=columns, rule=Rule(partial=expression)
            )
        return None

    def _drop(self, tree) -> _Read:
        exp = self.exp
        kind = (tree.args.get("kind") or "").lower().replace(" ", "_") or "object"
        target = (tree.args.get("tables") or [None])[0]
        exists, cascade = bool(tree.args.get("exists")), bool(tree.args.get("cascade"))
        if kind == "index":
            on = tree.args.get("cluster")
            table = self.table(on.this) if isinstance(on, exp.OnProperty) else None
            schema = (
                self.ident(target.args.get("db")) if isinstance(target, exp.Table) and target.args.get("db") else None
            )
            action = Action(
                "drop_index",
                table=table,
                schema=schema,
                name=self.ident(target),
                guards=Guards(if_exists=exists, cascade=cascade),
            )
            return _Read("drop_index", "schema", table, [action], bool(tree.args.get("concurrently")))
        if target is None:
            return _unmodelled()
        if kind == "table":
            table = self.table(target)
            return _Read(
                "drop_table",
                "schema",
                table,
                [Action("drop_table", table=table, guards=Guards(if_exists=exists, cascade=cascade))],
            )
        if kind == "type":
            name = self.table(target)
            action = Action(
                "drop_type", schema=name.schema, name=name.name, guards=Guards(if_exists=exists, cascade=cascade)
            )
            return _Read("drop_type", "schema", None, [action])
        if kind == "trigger":
            on = tree.args.get("cluster")
            table = self.table(on.this) if isinstance(on, exp.OnProperty) else None
            return _object_change("drop", "trigger", Guards(if_exists=exists), table=table, name=self.ident(target))
        if kind in ("view", "sequence", "function", "procedure", "schema", "extension", "materialized_view"):
            if bool(tree.args.get("materialized")) and kind == "view":
                kind = "materialized_view"
            if kind in ("function", "procedure") and tree.expressions:
                # One overload of several: which one goes, the catalog (by name) cannot tell.
                return _Read(f"drop_{kind}", "unmodelled")
            name = self.table(target) if isinstance(target, exp.Table) else TableName(self.ident(target) or "")
            return _object_change(
                "drop", kind, Guards(if_exists=exists, cascade=cascade), schema=name.schema, name=name.name
            )
        return _Read(f"drop_{kind}", "unmodelled")

    def _alter(self, tree) -> _Read:
        exp = self.exp
        kind = (tree.args.get("kind") or "").upper()
        table = self.table(tree.this)
        if kind == "INDEX":
            for action in tree.args.get("actions") or ():
                if isinstance(action, exp.AlterRename):
                    schema = self.ident(tree.this.args.get("db")) if tree.this.args.get("db") else None
                    renamed = Action(
                        "rename_index", schema=schema, name=self.ident(tree.this), new_name=self.ident(action.this)
                    )
                    return _Read("rename_index", "schema", None, [renamed])
            return _unmodelled()
        if kind != "TABLE":
            return _unmodelled()
        actions, partly = [], False
        for node in tree.args.get("actions") or ():
            read = self._alter_action(table, node)
            if read is None:
                partly = True
            else:
                actions.append(read)
        if not actions:
            return _Read("other", "unmodelled", table)
        if tree.args.get("not_valid"):
            actions = [
                replace(action, rule=replace(action.rule, not_valid=True))
                if action.kind == "add_constraint"
                else action
                for action in actions
            ]
        return _Read(actions[0].kind, "schema", table, actions, False, partly)

    def _alter_action(self, table, action) -> Action | None:
        exp = self.exp
        if isinstance(action, exp.ColumnDef):
            spec, constraints = self._column(action)
            inline = self._column_constraints(table, spec.name, constraints)
            return Action(
                "add_column",
                table=table,
                name=spec.name,
                change=ColumnChange(not_null=spec.not_null, has_default=spec.default is not None or spec.generated),
                declared=Declared((spec,), tuple(inline)),
                guards=Guards(if_not_exists=bool(action.args.get("exists"))),
            )
        if isinstance(action, exp.AlterColumn):
            allow_null = action.args.get("allow_null")
            dtype = action.args.get("dtype")
            default = action.args.get("default")
            if action.args.get("comment") is not None:
                return None
            change = ColumnChange(
                not_null=None if allow_null is None else not allow_null,
                set_type=self.sql(dtype),
                default=self.sql(default),
                drop_default=bool(action.args.get("drop")),
                # SQL Server's ALTER COLUMN states the type and the nullability (NULL when not said).
                restates=self.syntax.alter_column_restates and dtype is not None,
            )
            if change.restates and change.not_null is None:
                change = replace(change, not_null=False)
            if change.not_null is None and not change.set_type and change.default is None and not change.drop_default:
                return None
            return Action("alter_column", table=table, name=self.ident(action.this), change=change)
        if isinstance(action, exp.ModifyColumn):
            spec, _constraints = self._column(action.this)
            renamed_from = action.args.get("rename_from")
            old = self.ident(renamed_from) if renamed_from is not None else spec.name
            # MySQL's MODIFY / CHANGE restates the whole column: without NOT NULL it becomes nullable, without
            # DEFAULT it has none.
            return Action(
                "alter_column",
                table=table,
                name=old,
                new_name=spec.name if spec.name != old else None,
                change=ColumnChange(
                    not_null=spec.not_null,
                    set_type=spec.type,
                    default=spec.default,
                    drop_default=spec.default is None and not spec.generated,
                    restates=True,
                ),
                declared=Declared((spec,)),
            )
        if isinstance(action, exp.AddConstraint):
            for constraint in action.expressions:
                found = self._table_constraint(table, constraint)
                return found
            return None
        if isinstance(action, exp.DropPrimaryKey):
            return Action("drop_constraint", table=table, constraint="primary_key")
        if isinstance(action, exp.Drop):
            kind = (action.args.get("kind") or "").upper()
            target = (action.args.get("tables") or [action.this])[0]
            name = self.ident(target) if target is not None else None
            exists, cascade = bool(action.args.get("exists")), bool(action.args.get("cascade"))
            if kind == "COLUMN":
                return Action("drop_column", table=table, name=name, guards=Guards(if_exists=exists, cascade=cascade))
            if kind == "INDEX":
                return Action("drop_index", table=table, name=name, guards=Guards(if_exists=exists))
            if kind in ("CONSTRAINT", "FOREIGN KEY", "CHECK", "KEY"):
                # MySQL's DROP FOREIGN KEY leaves the index of that name it made for the key: say which one goes.
                namespace = {"FOREIGN KEY": "foreign_key", "CHECK": "check", "KEY": "index"}.get(kind)
                return Action(
                    "drop_constraint",
                    table=table,
                    name=name,
                    constraint=namespace,
                    guards=Guards(if_exists=exists, cascade=cascade),
                )
            return None
        if isinstance(action, exp.RenameColumn):
            return Action(
                "rename_column", table=table, name=self.ident(action.this), new_name=self.ident(action.args["to"])
            )
        if isinstance(action, exp.AlterRename):
            new = self.table(action.this)
            return Action("rename_table", table=table, new_name=new.name if new else None)
        if isinstance(action, exp.RenameIndex):
            return Action(
                "rename_index", table=table, name=self.ident(action.this), new_name=self.ident(action.args["to"])
            )
        return None

    def _insert(self, tree) -> _Read:
        exp = self.exp
        target = tree.this
        table = self.table(target)
        columns = self.names(target.expressions) if isinstance(target, exp.Schema) else ()
        source = tree.expression
        read_from = None
        if isinstance(source, exp.Select):
            from_ = source.args.get("from_") or source.args.get("from")
            read_from = InsertSource(
                self.table(from_.this) if from_ is not None else None,
                tuple(
                    self.ident(projection) if isinstance(projection, exp.Column) else None
                    for projection in source.expressions
                ),
            )
        action = Action("dml", table=table, columns=columns, source=read_from)
        return _Read("dml", "data", table, [action])

    def _execute(self, tree) -> _Read:
        """SQL Server's `EXEC sp_rename N'schema.table.old', N'new', N'INDEX|COLUMN|OBJECT'` is how Prisma renames;
        any other procedure can change anything."""
        name = tree.this.name if tree.this is not None else ""
        arguments = [argument.name for argument in tree.expressions]
        if name.lower() != "sp_rename" or len(arguments) < 2:
            return _Read("dml", "data")
        parts = [part.strip("[]") for part in arguments[0].split(".")]
        what = arguments[2].upper() if len(arguments) > 2 else "OBJECT"
        if what in ("INDEX", "COLUMN") and len(parts) >= 2:
            table = TableName(parts[-2], parts[-3] if len(parts) >= 3 else None)
            kind = "rename_index" if what == "INDEX" else "rename_column"
            return _Read(kind, "schema", table, [Action(kind, table=table, name=parts[-1], new_name=arguments[1])])
        table = TableName(parts[-1], parts[-2] if len(parts) >= 2 else None)
        return _Read("rename_table", "schema", table, [Action("rename_table", table=table, new_name=arguments[1])])

    def _set(self, tree) -> _Read:
        exp = self.exp
        for item in tree.expressions:
            if isinstance(item, exp.SetItem) and (item.args.get("kind") or "").upper() in ("GLOBAL", "PERSIST"):
                # MySQL's SET GLOBAL / PERSIST outlive the session.
                return _unmodelled()
        return _Read("session", "session")

    def _pragma(self, tree) -> _Read:
        exp = self.exp
        inner = tree.this
        name = inner.this.name if isinstance(inner, exp.EQ) else getattr(inner, "name", "")
        if name.lower() in SESSION_PRAGMAS:
            return _Read("session", "session")
        return _unmodelled()

    # Commands sqlglot does not parse ------------------------------------------------------------------------------

    def command(self, text: str) -> _Read:
        words = _Words(text, self.syntax)
        first = words.upper(0)
        if first in ("DO", "CALL", "COPY", "EXEC", "EXECUTE", "MERGE", "INSERT", "UPDATE", "DELETE", "WITH", "SELECT"):
            return _Read("dml", "data")
        if first in ("RESET", "SET") or (first == "PRAGMA" and words.upper(1).lower() in SESSION_PRAGMAS):
            return _Read("session", "session")
        if first in NO_EFFECT_COMMANDS:
            return _Read("session", "session")
        if first == "ALTER" and words.upper(1) == "TYPE":
            return self._alter_type(words)
        if first == "ALTER" and words.upper(1) == "TABLE":
            return self._alter_table_command(words)
        if first == "CREATE":
            return self._create_command(words)
        if first == "DROP":
            return self._drop_command(words)
        return _unmodelled()

    def _alter_type(self, words) -> _Read:
        at, schema, name = words.qualified(2)
        if name is None:
            return _unmodelled()
        if words.upper(at) == "ADD" and words.upper(at + 1) == "VALUE":
            at, if_not_exists = words.guard(at + 2, "IF", "NOT", "EXISTS")
            label = words.string(at)
            if label is None:
                return _unmodelled()
            action = Action(
                "add_enum_value", schema=schema, name=name, labels=(label,), guards=Guards(if_not_exists=if_not_exists)
            )
            return _Read("add_enum_value", "schema", None, [action])
        if words.upper(at) == "RENAME" and words.upper(at + 1) == "TO":
            new = words.name(at + 2)
            if new is None:
                return _unmodelled()
            return _Read("rename_type", "schema", None, [Action("rename_type", schema=schema, name=name, new_name=new)])
        if words.upper(at) == "RENAME" and words.upper(at + 1) == "VALUE":
            old, new = words.string(at + 2), words.string(at + 4)
            if old is None or new is None or words.upper(at + 3) != "TO":
                return _unmodelled()
            action = Action("rename_enum_value", schema=schema, name=name, labels=(old, new))
            return _Read("rename_enum_value", "schema", None, [action])
        return _unmodelled()

    def _alter_table_command(self, words) -> _Read:
        at = 2
        if words.upper(at) == "ONLY":
            at += 1
        at, schema, name = words.qualified(at)
        if name is None:
            return _unmodelled()
        table = TableName(name, schema)
        if words.upper(at) == "RENAME" and words.upper(at + 1) == "CONSTRAINT" and words.upper(at + 3) == "TO":
            old, new = words.name(at + 2), words.name(at + 4)
            if old and new:
                action = Action("rename_constraint", table=table, name=old, new_name=new)
                return _Read("rename_constraint", "schema", table, [action])
        if words.upper(at) == "VALIDATE" and words.upper(at + 1) == "CONSTRAINT":
            constraint = words.name(at + 2)
            if constraint:
                action = Action("validate_constraint", table=table, name=constraint)
                return _Read("validate_constraint", "schema", table, [action])
        if (
            self.syntax.named_default_constraints
            and words.upper(at) == "ADD"
            and words.upper(at + 1) == "CONSTRAINT"
            and words.upper(at + 3) == "DEFAULT"
        ):
            # SQL Server's named default: ADD CONSTRAINT [name] DEFAULT <expr> FOR [column].
            constraint = words.name(at + 2)
            for_at = words.find("FOR", at + 4)
            column = words.name(for_at + 1) if for_at is not None else None
            if constraint and column and for_at == len(words) - 2:
                expression = words.text_between(at + 4, for_at)
                action = Action(
                    "alter_column",
                    table=table,
                    name=column,
                    change=ColumnChange(default=expression),
                    declared=Declared(
                        inline=(
                            Action(
                                "add_constraint", table=table, name=constraint, constraint="default", columns=(column,)
                            ),
                        )
                    ),
                )
                return _Read("alter_column", "schema", table, [action])
        return _Read("other", "unmodelled", table)

    def _create_command(self, words) -> _Read:
        at, or_replace = words.guard(1, "OR", "REPLACE")
        what = words.upper(at)
        if what in ("FUNCTION", "PROCEDURE"):
            at, schema, name = words.qualified(at + 1)
            if name is None:
                return _unmodelled()
            return _object_change("create", what.lower(), Guards(or_replace=or_replace), schema=schema, name=name)
        if what == "EXTENSION":
            at, if_not_exists = words.guard(at + 1, "IF", "NOT", "EXISTS")
            name = words.name(at)
            if name is None:
                return _unmodelled()
            return _object_change("create", "extension", Guards(if_not_exists=if_not_exists), name=name)
        return _unmodelled()

    def _drop_command(self, words) -> _Read:
        what = words.upper(1)
        if what == "EXTENSION":
            at, if_exists = words.guard(2, "IF", "EXISTS")
            name = words.name(at)
            if name is None or words.upper(at + 1) not in ("", "RESTRICT"):
                return _unmodelled()
            return _object_change("drop", "extension", Guards(if_exists=if_exists), name=name)
        return _unmodelled()


class _Words:
    """A command's tokens, to read the few forms sqlglot keeps opaque."""

    def __init__(self, text: str, syntax: Syntax):
        sqlglot = load_sqlglot()
        from sqlglot.tokens import TokenType

        self.text = text
        self.syntax = syntax
        self.tokens = sqlglot.tokenize(text, read=syntax.sqlglot)
        self.TokenType = TokenType

    def __len__(self) -> int:
        return len(self.tokens)

    def upper(self, at: int) -> str:
        return self.tokens[at].text.upper() if at < len(self.tokens) else ""

    def guard(self, at: int, *clause: str) -> tuple[int, bool]:
        """(where reading goes on, whether `clause` - IF NOT EXISTS, OR REPLACE - stands at `at`)."""
        present = all(self.upper(at + offset) == word for offset, word in enumerate(clause))
        return (at + len(clause), True) if present else (at, False)

    def name(self, at: int) -> str | None:
        if at >= len(self.tokens):
            return None
        token = self.tokens[at]
        if token.token_type in (self.TokenType.STRING, self.TokenType.DOT, self.TokenType.L_PAREN):
            return None
        quoted = token.token_type == self.TokenType.IDENTIFIER
        return self.syntax.folded(token.text, quoted)

    def string(self, at: int) -> str | None:
        if at < len(self.tokens) and self.tokens[at].token_type == self.TokenType.STRING:
            return self.tokens[at].text
        return None

    def qualified(self, at: int) -> tuple[int, str | None, str | None]:
        """(the position after it, schema, name) of a possibly schema-qualified name at `at`."""
        first = self.name(at)
        if first is None:
            return at, None, None
        if at + 2 < len(self.tokens) and self.tokens[at + 1].token_type == self.TokenType.DOT:
            second = self.name(at + 2)
            return at + 3, first, second
        return at + 1, None, first

    def find(self, word: str, start: int) -> int | None:
        for at in range(start, len(self.tokens)):
            if self.upper(at) == word:
                return at
        return None

    def text_between(self, start: int, end: int) -> str:
        return self.text[self.tokens[start].start : self.tokens[end - 1].end + 1]
