# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A migration.sql as the numbered statements the database runs, each classified by what it changes (pure).

Splitting uses sqlglot's tokenizer (strings, quoted identifiers, dollar quotes and comments are tokens, so a `;`
inside them never splits); classifying uses sqlglot's parser for the database's dialect. Indexes are 1-based and
count statements as MySQL's "query number N" does; the SQL Server wrapper Prisma writes around every migration
(BEGIN TRY / BEGIN TRAN ... COMMIT TRAN / END TRY BEGIN CATCH ... THROW END CATCH) is not counted.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library

# The pieces of Prisma's SQL Server wrapper, matched against one `;`-separated piece with its white space collapsed.
TSQL_WRAPPER = re.compile(
    r"^(BEGIN TRY( BEGIN TRAN(SACTION)?)?|BEGIN TRAN(SACTION)?|COMMIT( TRAN(SACTION)?)?|"
    r"END TRY BEGIN CATCH .*|END|THROW( END CATCH)?|END CATCH)$",
    re.IGNORECASE | re.DOTALL,
)
STATEMENT_TEXT_LIMIT = 500
# First keywords of statements that begin or end a transaction themselves.
TRANSACTION_KEYWORDS = ("BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT")


@dataclass(frozen=True)
class TableName:
    """A table as a statement names it; `schema` is None when the statement does not qualify it."""

    name: str
    schema: str | None = None

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class Action:
    """One change a statement makes (an ALTER TABLE can make several)."""

    kind: str
    table: TableName | None = None
    # The schema of an index named without its table (PostgreSQL's DROP INDEX "schema"."name").
    schema: str | None = None
    # The object the action creates, drops or renames: a column, an index or a constraint; `new_name` after a rename.
    name: str | None = None
    new_name: str | None = None
    columns: tuple[str, ...] = ()
    unique: bool = False
    # For add_constraint: unique, primary_key, foreign_key, check or other.
    constraint: str | None = None
    ref_table: TableName | None = None
    ref_columns: tuple[str, ...] = ()
    check: str | None = None
    # add_column / alter_column: True when the column becomes NOT NULL, False when it becomes nullable.
    not_null: bool | None = None
    has_default: bool = False
    set_type: str | None = None
    # create_table: the columns declared NOT NULL.
    not_null_columns: tuple[str, ...] = ()
    # dml INSERT ... SELECT: the target's columns and, position by position, the source column (or None).
    source_table: TableName | None = None
    source_columns: tuple[str | None, ...] = ()


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

    @property
    def short_text(self) -> str:
        return self.text if len(self.text) <= STATEMENT_TEXT_LIMIT else self.text[: STATEMENT_TEXT_LIMIT - 3] + "..."

    def as_dict(self) -> dict:
        return {"index": self.index, "line": self.line, "kind": self.kind, "table": str(self.table or "") or None}


def _sqlglot():
    sqlglot = import_library("sqlglot", "sqlglot", "to read migration.sql")
    # sqlglot warns on its logger for every statement it keeps as an opaque command; we report those as `other`.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return sqlglot


def split_statements(sql: str, dialect: str) -> list[Statement]:
    """The statements of a migration script, in order, with their exact text (without the `;`) and first line."""
    sqlglot = _sqlglot()
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
    except TokenError as error:
        raise DbopsError(
            f"migration.sql cannot be read as {dialect} SQL: {error}",
            hint="Check the file is the migration Prisma generated (an unterminated string or comment?).",
        ) from None
    pieces, current = [], []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if current:
                pieces.append(current)
            current = []
        else:
            current.append(token)
    if current:
        pieces.append(current)
    statements = []
    # Open BEGIN TRAN of the wrapper: a COMMIT beyond them would commit the caller's transaction, so it is kept.
    depth = 0
    for piece in pieces:
        start, end = piece[0].start, piece[-1].end + 1
        text = sql[start:end]
        if dialect == "tsql":
            words = " ".join(text.split()).upper()
            if TSQL_WRAPPER.match(words):
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
        statements.append(classify(statement, dialect))
    return statements


def classify(statement: Statement, dialect: str) -> Statement:
    """The statement with its kind, table and actions, as far as sqlglot's parser understands it."""
    sqlglot = _sqlglot()
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    try:
        tree = sqlglot.parse_one(statement.text, read=dialect)
    except (ParseError, TokenError):
        return statement
    reader = _Reader(exp, dialect)
    kind, table, actions, concurrently = reader.read(tree)
    return replace(statement, kind=kind, table=table, actions=tuple(actions), concurrently=concurrently)


class _Reader:
    """sqlglot's syntax tree to our actions; anything unexpected is `other`, never an error."""

    def __init__(self, exp, dialect: str):
        self.exp = exp
        self.dialect = dialect

    def read(self, tree):
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
            return "dml", self.table(target), [Action("dml", table=self.table(target))], False
        if isinstance(tree, exp.Execute):
            return self._execute(tree)
        return "other", None, [], False

    # Names ------------------------------------------------------------------------------------------------------

    def table(self, node) -> TableName | None:
        exp = self.exp
        if isinstance(node, exp.Schema):
            node = node.this
        if isinstance(node, exp.Table) and node.name:
            return TableName(node.name, node.db or None)
        return None

    def names(self, nodes) -> tuple[str, ...]:
        exp = self.exp
        out = []
        for node in nodes or ():
            if isinstance(node, exp.Ordered):
                node = node.this
            out.append(node.name)
        return tuple(out)

    # Statements -------------------------------------------------------------------------------------------------

    def _create(self, tree):
        exp = self.exp
        kind = (tree.args.get("kind") or "").upper()
        if kind == "TABLE":
            table = self.table(tree.this)
            schema = tree.this if isinstance(tree.this, exp.Schema) else None
            columns, not_null = [], []
            for column in schema.expressions if schema else ():
                if isinstance(column, exp.ColumnDef):
                    columns.append(column.name)
                    if self._not_null(column) is True:
                        not_null.append(column.name)
            action = Action("create_table", table=table, columns=tuple(columns), not_null_columns=tuple(not_null))
            return "create_table", table, [action], False
        if kind.endswith("INDEX") and isinstance(tree.this, exp.Index):
            index = tree.this
            table = self.table(index.args.get("table"))
            params = index.args.get("params")
            action = Action(
                "create_index",
                table=table,
                name=index.name,
                columns=self.names(params.args.get("columns") if params else ()),
                unique=bool(tree.args.get("unique")),
            )
            return "create_index", table, [action], bool(tree.args.get("concurrently"))
        return "other", None, [], False

    def _drop(self, tree):
        exp = self.exp
        kind = (tree.args.get("kind") or "").lower().replace(" ", "_") or "object"
        target = (tree.args.get("tables") or [None])[0]
        if kind == "index":
            on = tree.args.get("cluster")
            table = self.table(on.this) if isinstance(on, exp.OnProperty) else None
            schema = (target.db or None) if isinstance(target, exp.Table) else None
            name = target.name if target is not None else None
            action = Action("drop_index", table=table, schema=schema, name=name)
            return "drop_index", table, [action], bool(tree.args.get("concurrently"))
        table = self.table(target)
        if kind == "table":
            return "drop_table", table, [Action("drop_table", table=table)], False
        return f"drop_{kind}", table, [], False

    def _alter(self, tree):
        exp = self.exp
        kind = (tree.args.get("kind") or "").upper()
        table = self.table(tree.this)
        if kind == "INDEX":
            for action in tree.args.get("actions") or ():
                if isinstance(action, exp.AlterRename):
                    schema = (tree.this.db or None) if isinstance(tree.this, exp.Table) else None
                    renamed = Action("rename_index", schema=schema, name=tree.this.name, new_name=action.this.name)
                    return "rename_index", None, [renamed], False
            return "other", None, [], False
        if kind != "TABLE":
            return "other", None, [], False
        actions = [self._alter_action(table, action) for action in tree.args.get("actions") or ()]
        if not actions:
            return "other", table, [], False
        return actions[0].kind, table, actions, False

    def _alter_action(self, table, action) -> Action:
        exp = self.exp
        if isinstance(action, exp.ColumnDef):
            return Action(
                "add_column",
                table=table,
                name=action.name,
                not_null=self._not_null(action) is True,
                has_default=self._has_default(action),
            )
        if isinstance(action, exp.AlterColumn):
            allow_null = action.args.get("allow_null")
            dtype = action.args.get("dtype")
            return Action(
                "alter_column",
                table=table,
                name=action.name,
                not_null=None if allow_null is None else not allow_null,
                set_type=dtype.sql(self.dialect) if dtype is not None else None,
            )
        if isinstance(action, exp.ModifyColumn):
            column = action.this
            dtype = column.args.get("kind")
            # MySQL's MODIFY restates the whole column: without NOT NULL it becomes nullable.
            return Action(
                "alter_column",
                table=table,
                name=column.name,
                not_null=self._not_null(column) is True,
                set_type=dtype.sql(self.dialect) if dtype is not None else None,
            )
        if isinstance(action, exp.AddConstraint):
            return self._add_constraint(table, action)
        if isinstance(action, exp.Drop):
            kind = (action.args.get("kind") or "").upper()
            target = (action.args.get("tables") or [action.this])[0]
            name = target.name if target is not None else None
            if kind == "COLUMN":
                return Action("drop_column", table=table, name=name)
            if kind == "INDEX":
                return Action("drop_index", table=table, name=name)
            return Action("drop_constraint", table=table, name=name)
        if isinstance(action, exp.RenameColumn):
            return Action("rename_column", table=table, name=action.this.name, new_name=action.args["to"].name)
        if isinstance(action, exp.AlterRename):
            new = self.table(action.this)
            return Action("rename_table", table=table, new_name=new.name if new else None)
        if isinstance(action, exp.RenameIndex):
            return Action("rename_index", table=table, name=action.this.name, new_name=action.args["to"].name)
        return Action("other", table=table)

    def _add_constraint(self, table, action) -> Action:
        exp = self.exp
        for constraint in action.expressions:
            if isinstance(constraint, exp.Constraint):
                name, inner = constraint.name, constraint.expressions[0] if constraint.expressions else None
            else:
                name, inner = None, constraint
            if isinstance(inner, exp.ForeignKey):
                reference = inner.args["reference"].this
                return Action(
                    "add_constraint",
                    table=table,
                    name=name,
                    constraint="foreign_key",
                    columns=self.names(inner.expressions),
                    ref_table=self.table(reference),
                    ref_columns=self.names(reference.expressions if isinstance(reference, exp.Schema) else ()),
                )
            if isinstance(inner, exp.CheckColumnConstraint):
                return Action(
                    "add_constraint", table=table, name=name, constraint="check", check=inner.this.sql(self.dialect)
                )
            if isinstance(inner, exp.UniqueColumnConstraint):
                target = inner.this
                if isinstance(target, exp.NonClusteredColumnConstraint):
                    columns = self.names(target.this)
                elif isinstance(target, exp.Schema):
                    # MySQL's ADD UNIQUE INDEX `name`(`col`) names the index inside the schema node.
                    name = name or (target.this.name if target.this is not None else None)
                    columns = self.names(target.expressions)
                else:
                    columns = ()
                return Action(
                    "add_constraint", table=table, name=name, constraint="unique", columns=columns, unique=True
                )
            if isinstance(inner, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
                columns = self.names(inner.expressions)
                # SQL Server's PRIMARY KEY CLUSTERED ([id]) keeps the columns in the CLUSTERED part beside it.
                for extra in constraint.expressions[1:] if isinstance(constraint, exp.Constraint) else ():
                    if not columns and isinstance(
                        extra, (exp.ClusteredColumnConstraint, exp.NonClusteredColumnConstraint)
                    ):
                        columns = self.names(extra.this)
                return Action(
                    "add_constraint", table=table, name=name, constraint="primary_key", columns=columns, unique=True
                )
            return Action("add_constraint", table=table, name=name, constraint="other")
        return Action("add_constraint", table=table, constraint="other")

    def _insert(self, tree):
        exp = self.exp
        target = tree.this
        table = self.table(target)
        columns = self.names(target.expressions) if isinstance(target, exp.Schema) else ()
        source = tree.expression
        source_table, source_columns = None, ()
        if isinstance(source, exp.Select):
            from_ = source.args.get("from_") or source.args.get("from")
            if from_ is not None:
                source_table = self.table(from_.this)
            source_columns = tuple(
                projection.name if isinstance(projection, exp.Column) else None for projection in source.expressions
            )
        action = Action("dml", table=table, columns=columns, source_table=source_table, source_columns=source_columns)
        return "dml", table, [action], False

    def _execute(self, tree):
        """SQL Server's `EXEC sp_rename N'schema.table.old', N'new', N'INDEX|COLUMN|OBJECT'` is how Prisma renames."""
        name = tree.this.name if tree.this is not None else ""
        arguments = [argument.name for argument in tree.expressions]
        if name.lower() != "sp_rename" or len(arguments) < 2:
            return "other", None, [], False
        parts = arguments[0].split(".")
        what = arguments[2].upper() if len(arguments) > 2 else "OBJECT"
        if what in ("INDEX", "COLUMN") and len(parts) >= 2:
            table = TableName(parts[-2], parts[-3] if len(parts) >= 3 else None)
            kind = "rename_index" if what == "INDEX" else "rename_column"
            return kind, table, [Action(kind, table=table, name=parts[-1], new_name=arguments[1])], False
        table = TableName(parts[-1], parts[-2] if len(parts) >= 2 else None)
        return "rename_table", table, [Action("rename_table", table=table, new_name=arguments[1])], False

    # Column constraints -----------------------------------------------------------------------------------------

    def _constraint_kinds(self, column):
        return [constraint.args.get("kind") for constraint in column.args.get("constraints") or ()]

    def _not_null(self, column) -> bool | None:
        exp = self.exp
        for kind in self._constraint_kinds(column):
            if isinstance(kind, exp.NotNullColumnConstraint):
                return not kind.args.get("allow_null")
            if isinstance(kind, exp.PrimaryKeyColumnConstraint):
                return True
        return None

    def _has_default(self, column) -> bool:
        exp = self.exp
        return any(
            isinstance(
                kind,
                (
                    exp.DefaultColumnConstraint,
                    exp.GeneratedAsIdentityColumnConstraint,
                    exp.AutoIncrementColumnConstraint,
                ),
            )
            for kind in self._constraint_kinds(column)
        )
