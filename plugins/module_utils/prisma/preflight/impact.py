# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each statement of a migration does to production while it runs (pure): the lock it takes and on which
tables, whether it rewrites or scans them, whether it changes data; and whether a rehearsal may run it.

Read from the statement's own tokens (sqlglot's tokenizer for the database's dialect), by each database's documented
rules: PostgreSQL's table-level lock modes (ALTER TABLE's subforms, CREATE INDEX, foreign keys on both tables),
MySQL/MariaDB's online DDL (ALGORITHM INSTANT/INPLACE/COPY and LOCK), SQLite's one database write lock, SQL Server's
schema modification (Sch-M) and shared (S) table locks. Where a statement's text cannot tell (a DO block, a procedure
call, a form this planner does not know), it says so: `changes_data` is None and the lock is "unknown", which a
rehearsal treats as a data change. Estimates of the tables (rows, bytes) come from the catalog, read by each database's
Catalog part.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.statements import TableName

UNKNOWN = "unknown"
# PostgreSQL's table lock modes, weakest first, with what each blocks of ordinary reads (SELECT) and writes
# (INSERT/UPDATE/DELETE): https://www.postgresql.org/docs/current/explicit-locking.html
PG_MODES = {
    "ACCESS SHARE": (False, False),
    "ROW SHARE": (False, False),
    "ROW EXCLUSIVE": (False, False),
    "SHARE UPDATE EXCLUSIVE": (False, False),
    "SHARE": (False, True),
    "SHARE ROW EXCLUSIVE": (False, True),
    "EXCLUSIVE": (False, True),
    "ACCESS EXCLUSIVE": (True, True),
}
AE, SUE, SRE, SHARE = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE"
# MySQL/MariaDB online DDL: the LOCK clause's levels. Every ALTER also takes a brief exclusive metadata lock at its
# start and end, which waits behind any open transaction on the table (and everything queues behind that wait).
MYSQL_MODES = {"NONE": (False, False), "SHARED": (False, True), "EXCLUSIVE": (True, True)}
# SQL Server: Sch-M (schema modification) blocks everything, reads included; S on the table blocks writes; IX is the
# intent lock of row changes (X on each row, escalated to an X table lock beyond about 5,000 row locks).
MSSQL_MODES = {
    "Sch-M": (True, True),
    "S": (False, True),
    "X": (True, True),
    "IX": (False, True),
    "Sch-S": (False, False),
}
SQLITE_WRITE = "database write lock"
SQLITE_READ = "database read lock"
# Objects that hold no rows: creating, altering or dropping them locks no table of the application.
NO_TABLE_OBJECTS = (
    "FUNCTION",
    "PROCEDURE",
    "TYPE",
    "SEQUENCE",
    "EXTENSION",
    "SCHEMA",
    "DOMAIN",
    "COLLATION",
    "ROLE",
    "USER",
    "LOGIN",
    "SYNONYM",
    "AGGREGATE",
    "OPERATOR",
    "CAST",
    "TEXT",
    "STATISTICS",
    "PUBLICATION",
)
# Functions whose effect a rollback does not undo.
NON_TRANSACTIONAL_FUNCTIONS = ("NEXTVAL", "SETVAL")
DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite", "sqlserver": "tsql"}


@dataclass(frozen=True)
class TableEffect:
    """What a statement does to one table while it runs."""

    table: TableName | None
    lock: str
    rewrites: bool = False
    scans: bool = False
    # The table is made by this statement (CREATE TABLE): nobody else uses it yet.
    created: bool = False
    # An index named without its table (PostgreSQL's DROP INDEX "i"): the catalog tells the table.
    index: tuple[str | None, str] | None = None
    # UPDATE/DELETE/MERGE lock the rows they change: writers of those rows wait.
    row_locks: bool = False
    # An existing table whose rows this one holds (a copy made by the migration, or the same table renamed): its
    # catalog estimate stands for this one's.
    rows_of: TableName | None = None


@dataclass(frozen=True)
class Impact:
    index: int
    operation: str
    tables: tuple[TableEffect, ...] = ()
    # True when it writes rows that exist before the migration (or new ones into existing tables); None when the
    # text cannot tell (DO blocks, procedure calls, statements this planner does not read).
    changes_data: bool | None = False
    algorithm: str | None = None
    notes: tuple[str, ...] = ()
    # (old name, new name) of a table the statement renames.
    renamed: tuple[TableName, TableName] | None = None


@dataclass(frozen=True)
class Estimate:
    """A table's size as the catalog estimates it; None where the catalog has no estimate."""

    rows: int | None
    bytes: int | None
    # The catalog had no estimate: rows were counted, no further than just past rehearsal_max_rows.
    counted: bool = False


@dataclass
class _Context:
    provider: str
    # Tables made earlier in the migration (folded names): their rows are the migration's own.
    created: set = field(default_factory=set)
    # Folded name -> the existing table whose rows it holds (copied into it, or renamed to it).
    rows_of: dict = field(default_factory=dict)


# Tokens ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # word, ident, string, number, punct
    text: str

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def read_tokens(text: str, dialect: str) -> list[_Tok] | None:
    sqlglot = import_library("sqlglot", "sqlglot", "to read migration.sql")
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        raw = sqlglot.tokenize(text, read=dialect)
    except TokenError:
        return None
    strings = {TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.HEREDOC_STRING, TokenType.RAW_STRING}
    punct = {
        TokenType.L_PAREN: "(",
        TokenType.R_PAREN: ")",
        TokenType.COMMA: ",",
        TokenType.DOT: ".",
        TokenType.EQ: "=",
        TokenType.STAR: "*",
        TokenType.SEMICOLON: ";",
    }
    commands = sqlglot.Dialect.get_or_raise(dialect).tokenizer_class.COMMANDS
    out = []
    for position, token in enumerate(raw):
        if token.token_type in commands and position + 1 < len(raw) and raw[position + 1].token_type in strings:
            # sqlglot keeps what follows a command word it does not parse (MySQL's RENAME, PostgreSQL's DO) as one
            # string: read that text as tokens too.
            out.append(_Tok("word", token.text))
            rest = read_tokens(text[token.end + 1 :], dialect)
            return None if rest is None else out + rest
        if token.token_type == TokenType.IDENTIFIER:
            out.append(_Tok("ident", token.text))
        elif token.token_type in strings:
            out.append(_Tok("string", token.text))
        elif token.token_type == TokenType.NUMBER:
            out.append(_Tok("number", token.text))
        elif token.token_type in punct:
            out.append(_Tok("punct", punct[token.token_type]))
        elif token.text and (token.text[0].isalpha() or token.text[0] in "_@#"):
            # Keywords of several words (FOREIGN KEY, NONCLUSTERED INDEX) are one token: one word each.
            out.extend(_Tok("word", word) for word in token.text.split())
        else:
            out.append(_Tok("punct", token.text))
    return out


class _Reader:
    """A cursor over one statement's tokens."""

    def __init__(self, tokens: list[_Tok], provider: str):
        self.tokens = tokens
        self.provider = provider
        self.at = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        position = self.at + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def words(self, *words: str) -> bool:
        """Consume these words when they come next."""
        for offset, word in enumerate(words):
            token = self.peek(offset)
            if token is None or token.up != word:
                return False
        self.at += len(words)
        return True

    def optional(self, *phrases: tuple[str, ...]) -> None:
        for phrase in phrases:
            self.words(*phrase)

    def name(self) -> TableName | None:
        """A possibly qualified name; unquoted names fold as the database folds them."""
        parts = self.name_parts()
        if not parts:
            return None
        return TableName(parts[-1], parts[-2] if len(parts) > 1 else None)

    def name_parts(self) -> list[str]:
        parts = []
        while True:
            token = self.peek()
            if token is None or token.kind not in ("word", "ident"):
                break
            parts.append(token.text if token.kind == "ident" else self.fold(token.text))
            self.at += 1
            if self.peek() is not None and self.peek().text == "." and self.peek().kind == "punct":
                self.at += 1
                continue
            break
        return parts

    def fold(self, name: str) -> str:
        return name.lower() if self.provider == "postgresql" else name

    def rest_upper(self) -> list[str]:
        return [token.up for token in self.tokens[self.at :]]

    def split_top_level(self) -> list[list[_Tok]]:
        """The remaining tokens split on commas outside parentheses (ALTER TABLE's subcommands)."""
        pieces, current, depth = [], [], 0
        for token in self.tokens[self.at :]:
            if token.kind == "punct" and token.text == "(":
                depth += 1
            elif token.kind == "punct" and token.text == ")":
                depth -= 1
            if token.kind == "punct" and token.text == "," and depth == 0:
                pieces.append(current)
                current = []
            else:
                current.append(token)
        if current:
            pieces.append(current)
        return pieces


def _has(tokens: list[_Tok], *words: str) -> bool:
    ups = [token.up for token in tokens]
    return any(ups[i : i + len(words)] == list(words) for i in range(len(ups)))


def _referenced_tables(tokens: list[_Tok], provider: str) -> list[TableName]:
    """The tables after each REFERENCES (foreign keys)."""
    found = []
    for position, token in enumerate(tokens):
        if token.up == "REFERENCES":
            reader = _Reader(tokens[position + 1 :], provider)
            table = reader.name()
            if table is not None:
                found.append(table)
    return found


def _tables_after(tokens: list[_Tok], provider: str, *keywords: str) -> list[TableName]:
    """The names right after FROM / JOIN / USING (the tables a query reads)."""
    found = []
    for position, token in enumerate(tokens):
        if token.up in keywords:
            following = tokens[position + 1] if position + 1 < len(tokens) else None
            if following is None or (following.kind == "punct" and following.text == "("):
                continue
            reader = _Reader(tokens[position + 1 :], provider)
            table = reader.name()
            if table is not None and table.name.upper() not in ("SELECT", "LATERAL", "VALUES"):
                found.append(table)
    return found


# Planning ----------------------------------------------------------------------------------------------------------


def plan_impact(statements, provider: str) -> list[Impact]:
    """One Impact per statement, in order; tables created earlier in the migration count as new."""
    context = _Context(provider)
    dialect = DIALECTS[provider]
    planner = {"postgresql": _postgres, "mysql": _mysql, "sqlite": _sqlite, "sqlserver": _mssql}[provider]
    impacts = []
    # Indexes made earlier in the migration, by name: the table a later DROP INDEX "name" locks.
    made = {}
    for statement in statements:
        tokens = read_tokens(statement.text, dialect)
        if not tokens:
            impact = Impact(statement.index, UNKNOWN, changes_data=None, notes=("its text cannot be read",))
        else:
            impact = planner(_Reader(tokens, provider), statement.index, context)
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


def _non_transactional(impact: Impact, tokens: list[_Tok]) -> Impact:
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
        key = _key(effect.table, context.provider)
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
            context.rows_of[_key(effects[0].table, context.provider)] = source.rows_of or source.table
    if impact.renamed is not None:
        old, new_name = (_key(table, context.provider) for table in impact.renamed)
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
    return _key(effects[0].table, context.provider) in context.created


def _key(table: TableName | None, provider: str):
    if table is None:
        return None
    name = table.name if provider == "postgresql" else table.name.lower()
    return (table.schema.lower() if table.schema else None, name)


def _lock(provider: str, mode: str) -> tuple[bool, bool]:
    """(blocks reads, blocks writes) of a lock mode."""
    if mode == UNKNOWN:
        return True, True
    if provider == "postgresql":
        return PG_MODES.get(mode, (True, True))
    if provider == "mysql":
        return MYSQL_MODES.get(mode, (True, True))
    if provider == "sqlserver":
        return MSSQL_MODES.get(mode, (True, True))
    return False, True


def blocks(provider: str, effect: TableEffect, *, sqlite_wal: bool = False) -> tuple[bool, bool]:
    """(blocks reads, blocks writes) of other sessions while the statement's transaction lasts."""
    if provider == "sqlite":
        # One lock for the whole database, whatever table is written, a new one included. In rollback-journal mode
        # readers are shut out once the writer's changes outgrow its page cache (it then holds the EXCLUSIVE lock
        # until the transaction ends); in WAL mode never.
        writes = effect.lock in (SQLITE_WRITE, UNKNOWN)
        return writes and not sqlite_wal, writes
    if effect.created:
        return False, False
    reads, writes = _lock(provider, effect.lock)
    return reads, writes or effect.row_locks


def _strongest(provider: str, modes) -> str:
    order = {
        "postgresql": list(PG_MODES),
        "mysql": list(MYSQL_MODES),
        "sqlserver": ["Sch-S", "IX", "S", "X", "Sch-M"],
        "sqlite": [SQLITE_READ, SQLITE_WRITE],
    }[provider]
    modes = [mode for mode in modes if mode]
    if not modes:
        return ""
    if UNKNOWN in modes:
        return UNKNOWN
    return max(modes, key=lambda mode: order.index(mode) if mode in order else len(order))


# PostgreSQL --------------------------------------------------------------------------------------------------------

# ALTER TABLE subforms that take less than ACCESS EXCLUSIVE (the PostgreSQL documentation of ALTER TABLE).
PG_SUE_SUBFORMS = (
    ("VALIDATE", "CONSTRAINT"),
    ("CLUSTER", "ON"),
    ("SET", "WITHOUT", "CLUSTER"),
    ("SET", "STATISTICS"),
)
PG_SRE_SUBFORMS = (("ENABLE", "TRIGGER"), ("DISABLE", "TRIGGER"), ("ENABLE", "REPLICA"), ("ENABLE", "ALWAYS"))
# Storage parameters ALTER TABLE ... SET (...) changes under SHARE UPDATE EXCLUSIVE.
PG_SUE_STORAGE = ("FILLFACTOR", "PARALLEL_WORKERS", "TOAST_TUPLE_TARGET")
# Column defaults that make ADD COLUMN fill every existing row (volatile functions; PostgreSQL 11+ stores a
# non-volatile default once instead).
PG_VOLATILE = (
    "NEXTVAL",
    "RANDOM",
    "GEN_RANDOM_UUID",
    "UUID_GENERATE_V4",
    "UUID_GENERATE_V1",
    "CLOCK_TIMESTAMP",
    "TIMEOFDAY",
    "TXID_CURRENT",
)
PG_SERIAL = ("SERIAL", "SERIAL4", "SERIAL8", "BIGSERIAL", "SMALLSERIAL", "SERIAL2")


def _postgres(reader: _Reader, index: int, context: _Context) -> Impact:
    first = reader.peek().up
    if first in ("SET", "RESET", "BEGIN", "START", "COMMIT", "END", "SAVEPOINT", "RELEASE", "ROLLBACK", "ABORT"):
        return Impact(index, first)
    if first in ("DO", "CALL"):
        return Impact(
            index,
            first,
            tables=(TableEffect(None, UNKNOWN),),
            changes_data=None,
            notes=("runs code whose locks and writes its text does not show",),
        )
    if reader.words("ALTER", "TABLE"):
        return _pg_alter_table(reader, index)
    if reader.words("ALTER", "INDEX"):
        reader.optional(("IF", "EXISTS"))
        name = reader.name()
        rest = reader.rest_upper()
        mode = SUE if rest[:1] == ["RENAME"] or (rest[:1] == ["SET"] and rest[1:2] != ["TABLESPACE"]) else AE
        notes = ("on PostgreSQL before 12, renaming an index takes ACCESS EXCLUSIVE",) if rest[:1] == ["RENAME"] else ()
        return Impact(index, "ALTER INDEX", (TableEffect(None, mode, index=_index_ref(name)),), notes=notes)
    if reader.peek().up == "CREATE":
        return _pg_create(reader, index)
    if first == "ALTER" and reader.peek(1) is not None and reader.peek(1).up in NO_TABLE_OBJECTS:
        kind = reader.peek(1).up
        notes = ()
        if kind == "TYPE" and "ATTRIBUTE" in reader.rest_upper():
            notes = ("changing an attribute of a composite type with CASCADE rewrites the tables that use it",)
        return Impact(index, f"ALTER {kind}", notes=notes)
    if reader.words("DROP"):
        return _pg_drop(reader, index)
    if first in ("INSERT", "UPDATE", "DELETE", "MERGE"):
        return _dml(reader, index, "ROW EXCLUSIVE", "ACCESS SHARE")
    if reader.words("TRUNCATE"):
        reader.optional(("TABLE",), ("ONLY",))
        tables = _name_list(reader)
        return Impact(index, "TRUNCATE", tuple(TableEffect(table, AE) for table in tables), changes_data=True)
    if reader.words("LOCK"):
        reader.optional(("TABLE",), ("ONLY",))
        tables = _name_list(reader)
        rest = reader.rest_upper()
        mode = AE
        if "IN" in rest and "MODE" in rest:
            mode = " ".join(rest[rest.index("IN") + 1 : rest.index("MODE")])
        return Impact(index, "LOCK", tuple(TableEffect(table, mode if mode in PG_MODES else AE) for table in tables))
    if first == "SELECT" or first == "WITH" or first == "VALUES":
        tables = _tables_after(reader.tokens, reader.provider, "FROM", "JOIN")
        return Impact(index, first, tuple(TableEffect(table, "ACCESS SHARE", scans=True) for table in tables))
    if reader.words("COMMENT", "ON"):
        if reader.words("TABLE"):
            return Impact(index, "COMMENT", (TableEffect(reader.name(), SUE),))
        if reader.words("COLUMN"):
            # COMMENT ON COLUMN [schema.]table.column: the table is the name before the column's.
            parts = reader.name_parts()
            table = TableName(parts[-2], parts[-3] if len(parts) > 2 else None) if len(parts) > 1 else None
            return Impact(index, "COMMENT", (TableEffect(table, SUE),) if table else ())
        return Impact(index, "COMMENT")
    if first in ("GRANT", "REVOKE"):
        return Impact(index, first)
    if reader.words("REINDEX"):
        return Impact(
            index,
            "REINDEX",
            (TableEffect(None, SHARE, scans=True),),
            notes=("locks out writes of the table and, with ACCESS EXCLUSIVE on the index, reads that use it",),
        )
    if reader.words("CLUSTER"):
        table = reader.name()
        return Impact(index, "CLUSTER", (TableEffect(table, AE, rewrites=True, scans=True),))
    if reader.words("ANALYZE") or reader.words("ANALYSE"):
        return Impact(index, "ANALYZE", tuple(TableEffect(table, SUE, scans=True) for table in _name_list(reader)))
    if reader.words("REFRESH", "MATERIALIZED", "VIEW"):
        concurrently = reader.words("CONCURRENTLY")
        view = reader.name()
        return Impact(
            index,
            "REFRESH MATERIALIZED VIEW",
            (TableEffect(view, "EXCLUSIVE" if concurrently else AE, rewrites=True, scans=True),),
        )
    return Impact(index, UNKNOWN, (TableEffect(None, UNKNOWN),), changes_data=None, notes=("a form not planned",))


def _renamed(old: TableName | None, new: TableName | None):
    if old is None or new is None:
        return None
    return old, TableName(new.name, new.schema or old.schema)


def _index_ref(name: TableName | None):
    return (name.schema, name.name) if name is not None else None


def _name_list(reader: _Reader) -> list[TableName]:
    tables = []
    while True:
        reader.optional(("ONLY",))
        table = reader.name()
        if table is None:
            break
        tables.append(table)
        if reader.peek() is not None and reader.peek().text == "*":
            reader.at += 1
        if not (reader.peek() is not None and reader.peek().text == ","):
            break
        reader.at += 1
    return tables


def _dml(reader: _Reader, index: int, write_lock: str, read_lock: str) -> Impact:
    first = reader.peek().up
    tokens = reader.tokens
    reader.at += 1
    reader.optional(("OR", "REPLACE"), ("OR", "IGNORE"), ("IGNORE",), ("INTO",), ("FROM",), ("ONLY",))
    target = reader.name()
    sources = _tables_after(tokens[reader.at :], reader.provider, "FROM", "JOIN", "USING")
    # An UPDATE or DELETE reads the table to find its rows (all of them without an index for its WHERE) and locks
    # the rows it changes; an INSERT ... SELECT reads its sources.
    changes_rows = first in ("UPDATE", "DELETE", "MERGE")
    if target is None:
        effects = [TableEffect(None, UNKNOWN)]
    else:
        effects = [TableEffect(target, write_lock, scans=changes_rows, row_locks=changes_rows)]
    effects += [TableEffect(table, read_lock, scans=True) for table in sources if table != target]
    return Impact(index, first, tuple(effects), changes_data=True)


def _pg_alter_table(reader: _Reader, index: int) -> Impact:
    reader.optional(("IF", "EXISTS"), ("ONLY",))
    table = reader.name()
    if reader.peek() is not None and reader.peek().text == "*":
        reader.at += 1
    if reader.words("RENAME", "TO"):
        return Impact(index, "ALTER TABLE", (TableEffect(table, AE),), renamed=_renamed(table, reader.name()))
    if reader.words("RENAME") or reader.words("SET", "SCHEMA"):
        return Impact(index, "ALTER TABLE", (TableEffect(table, AE),))
    if reader.words("ATTACH", "PARTITION"):
        partition = reader.name()
        return Impact(
            index,
            "ALTER TABLE",
            (TableEffect(table, SUE), TableEffect(partition, AE, scans=True)),
            notes=("also locks the default partition, if any, in ACCESS EXCLUSIVE mode",),
        )
    if reader.words("DETACH", "PARTITION"):
        partition = reader.name()
        if reader.words("CONCURRENTLY"):
            return Impact(index, "ALTER TABLE", (TableEffect(table, SUE), TableEffect(partition, SUE)))
        return Impact(index, "ALTER TABLE", (TableEffect(table, AE), TableEffect(partition, AE)))
    modes, rewrites, scans, notes, referenced = [], False, False, [], []
    for sub in reader.split_top_level():
        mode, sub_rewrites, sub_scans, note, refs = _pg_subcommand(sub)
        modes.append(mode)
        rewrites |= sub_rewrites
        scans |= sub_scans
        referenced += refs
        if note:
            notes.append(note)
    effects = [TableEffect(table, _strongest("postgresql", modes) or AE, rewrites=rewrites, scans=scans or rewrites)]
    for ref in referenced:
        if ref != table:
            effects.append(TableEffect(ref, SRE))
    return Impact(index, "ALTER TABLE", tuple(effects), notes=tuple(notes))


def _pg_subcommand(tokens: list[_Tok]) -> tuple[str, bool, bool, str | None, list[TableName]]:
    """(lock, rewrites, scans, note, referenced tables) of one ALTER TABLE subcommand."""
    ups = [token.up for token in tokens]
    head = ups[:3]
    refs = _referenced_tables(tokens, "postgresql")
    if any(ups[: len(form)] == list(form) for form in PG_SUE_SUBFORMS):
        return SUE, False, ups[:1] == ["VALIDATE"], None, []
    if any(ups[: len(form)] == list(form) for form in PG_SRE_SUBFORMS):
        return SRE, False, False, None, []
    if head[:1] in (["ENABLE"], ["DISABLE"]) and "RULE" not in ups:
        return AE, False, False, None, []
    if head[:1] == ["SET"] and tokens[1:2] and tokens[1].text == "(":
        # The names right after "(" or ",": SET (fillfactor = 70, autovacuum_enabled = false).
        params = {following.up for token, following in itertools.pairwise(tokens) if token.text in ("(", ",")}
        low = all(word in PG_SUE_STORAGE or word.startswith(("AUTOVACUUM_", "TOAST")) for word in params if word)
        return (SUE if low else AE), False, False, None, []
    if head[:2] in (["SET", "TABLESPACE"], ["SET", "LOGGED"], ["SET", "UNLOGGED"]) or head[:3] == [
        "SET",
        "ACCESS",
        "METHOD",
    ]:
        return AE, True, True, None, []
    if head[:1] == ["ADD"]:
        return _pg_add(tokens, ups, refs)
    if head[:1] == ["ALTER"]:
        position = 2 if ups[1:2] == ["COLUMN"] else 1
        action = ups[position + 1 :]
        if action[:1] == ["TYPE"] or action[:3] == ["SET", "DATA", "TYPE"]:
            return (
                AE,
                True,
                True,
                "changing a column's type rewrites the table and its indexes unless the old type is "
                "binary-coercible to the new one (varchar to text, a longer varchar)",
                [],
            )
        if action[:3] == ["SET", "NOT", "NULL"]:
            return AE, False, True, "SET NOT NULL reads every row unless a valid CHECK (col IS NOT NULL) proves it", []
        if action[:2] in (["SET", "STATISTICS"],) or (action[:1] in (["SET"], ["RESET"]) and action[1:2] == [""]):
            return SUE, False, False, None, []
        if action[:1] in (["SET"], ["RESET"]) and len(tokens) > position + 2 and tokens[position + 2].text == "(":
            return SUE, False, False, None, []
        if action[:1] == ["ADD"] and "IDENTITY" in action:
            return AE, True, True, "an identity column fills every existing row", []
        if action[:2] == ["SET", "EXPRESSION"]:
            return AE, True, True, None, []
        return AE, False, False, None, []
    if head[:1] == ["DROP"]:
        if head[:2] == ["DROP", "CONSTRAINT"]:
            return AE, False, False, "dropping a foreign key also locks its referenced table (ACCESS EXCLUSIVE)", []
        return AE, False, False, None, []
    if head[:1] == ["OWNER"] or head[:1] in (["INHERIT"], ["NO"], ["OF"], ["NOT"], ["REPLICA"], ["FORCE"]):
        return AE, False, False, None, []
    return AE, False, False, None, refs


def _pg_add(tokens, ups, refs):
    """ADD COLUMN / ADD constraint."""
    constraint_words = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE")
    if ups[1:2] and ups[1] in constraint_words:
        not_valid = _has(tokens, "NOT", "VALID")
        if "FOREIGN" in ups:
            return (
                SRE,
                False,
                not not_valid,
                "also takes SHARE ROW EXCLUSIVE on the referenced table; NOT VALID skips the check of existing rows",
                refs,
            )
        if "USING" in ups and "INDEX" in ups:
            return AE, False, "PRIMARY" in ups, None, []
        if "CHECK" in ups:
            return AE, False, not not_valid, None, []
        # PRIMARY KEY / UNIQUE / EXCLUDE build an index: a full read and sort under ACCESS EXCLUSIVE.
        return AE, False, True, "builds an index over every row", []
    words = set(ups)
    volatile = words & set(PG_VOLATILE) or words & set(PG_SERIAL) or "IDENTITY" in words or "STORED" in words
    rewrites = bool(volatile)
    scans = (
        rewrites
        or bool(words & {"UNIQUE", "PRIMARY", "CHECK", "REFERENCES"})
        or ("NOT" in words and "NULL" in words and "DEFAULT" not in words)
    )
    note = None
    if rewrites:
        note = "its default is computed per row (volatile, serial, identity or generated): every row is rewritten"
    elif refs:
        note = "REFERENCES also takes SHARE ROW EXCLUSIVE on the referenced table"
    return AE, rewrites, scans, note, refs


def _pg_create(reader: _Reader, index: int) -> Impact:
    reader.words("CREATE")
    reader.optional(("OR", "REPLACE"))
    unique = reader.words("UNIQUE")
    if reader.words("INDEX"):
        concurrently = reader.words("CONCURRENTLY")
        reader.optional(("IF", "NOT", "EXISTS"))
        name = reader.name() if reader.peek() is not None and reader.peek().up != "ON" else None
        reader.words("ON")
        reader.optional(("ONLY",))
        table = reader.name()
        note = "UNIQUE: fails on duplicated values; " if unique else ""
        if concurrently:
            return Impact(
                index,
                "CREATE INDEX CONCURRENTLY",
                (TableEffect(table, SUE, scans=True, index=_index_ref(name)),),
                notes=(f"{note}cannot run inside a transaction: never rehearsed",),
            )
        return Impact(
            index,
            "CREATE INDEX",
            (TableEffect(table, SHARE, scans=True, index=_index_ref(name)),),
            notes=(f"{note}reads and sorts every row; writes wait until it ends",),
        )
    reader.optional(("GLOBAL",), ("LOCAL",), ("TEMPORARY",), ("TEMP",), ("UNLOGGED",))
    if reader.words("TABLE"):
        reader.optional(("IF", "NOT", "EXISTS"))
        table = reader.name()
        rest = reader.tokens[reader.at :]
        effects = [TableEffect(table, AE, created=True)]
        effects += [TableEffect(ref, SRE) for ref in _referenced_tables(rest, "postgresql") if ref != table]
        if any(token.up == "AS" for token in rest[:1]) or _has(rest, "AS", "SELECT"):
            effects += [
                TableEffect(source, "ACCESS SHARE", scans=True)
                for source in _tables_after(rest, "postgresql", "FROM", "JOIN")
            ]
        return Impact(index, "CREATE TABLE", tuple(effects))
    if reader.words("MATERIALIZED", "VIEW") or reader.words("VIEW") or reader.words("RECURSIVE", "VIEW"):
        rest = reader.tokens[reader.at :]
        view = reader.name()
        materialized = _has(reader.tokens[:4], "MATERIALIZED")
        sources = _tables_after(rest, "postgresql", "FROM", "JOIN")
        effects = [TableEffect(view, AE, created=True)]
        effects += [TableEffect(source, "ACCESS SHARE", scans=materialized) for source in sources if source != view]
        return Impact(index, "CREATE VIEW", tuple(effects))
    if reader.words("TRIGGER") or reader.words("CONSTRAINT", "TRIGGER"):
        rest = reader.tokens[reader.at :]
        ons = [position for position, token in enumerate(rest) if token.up == "ON"]
        table = _Reader(rest[ons[0] + 1 :], "postgresql").name() if ons else None
        return Impact(index, "CREATE TRIGGER", (TableEffect(table, SRE),))
    if reader.words("POLICY") or reader.words("RULE"):
        rest = reader.tokens[reader.at :]
        ons = [position for position, token in enumerate(rest) if token.up in ("ON", "TO")]
        table = _Reader(rest[ons[0] + 1 :], "postgresql").name() if ons else None
        return Impact(index, "CREATE POLICY", (TableEffect(table, AE),))
    following = reader.peek().up if reader.peek() is not None else ""
    if following in NO_TABLE_OBJECTS or following in ("TRUSTED", "PROCEDURAL", "LANGUAGE", "EVENT", "SERVER"):
        return Impact(index, f"CREATE {following}")
    return Impact(index, UNKNOWN, (TableEffect(None, UNKNOWN),), changes_data=None, notes=("a form not planned",))


def _pg_drop(reader: _Reader, index: int) -> Impact:
    if reader.words("INDEX"):
        concurrently = reader.words("CONCURRENTLY")
        reader.optional(("IF", "EXISTS"))
        name = reader.name()
        mode = SUE if concurrently else AE
        notes = ("cannot run inside a transaction: never rehearsed",) if concurrently else ()
        return Impact(index, "DROP INDEX", (TableEffect(None, mode, index=_index_ref(name)),), notes=notes)
    if reader.words("TABLE") or reader.words("MATERIALIZED", "VIEW") or reader.words("VIEW"):
        reader.optional(("IF", "EXISTS"))
        tables = _name_list(reader)
        return Impact(index, "DROP TABLE", tuple(TableEffect(table, AE) for table in tables))
    if reader.words("TRIGGER") or reader.words("POLICY") or reader.words("RULE"):
        reader.optional(("IF", "EXISTS"))
        reader.name()
        reader.words("ON")
        table = reader.name()
        return Impact(index, "DROP TRIGGER", (TableEffect(table, AE),))
    following = reader.peek().up if reader.peek() is not None else ""
    if following in NO_TABLE_OBJECTS:
        note = (
            ("CASCADE also drops what depends on it (columns of that type, defaults)",)
            if _has(reader.tokens, "CASCADE")
            else ()
        )
        return Impact(index, f"DROP {following}", notes=note)
    return Impact(index, UNKNOWN, (TableEffect(None, UNKNOWN),), changes_data=None, notes=("a form not planned",))


# MySQL / MariaDB ----------------------------------------------------------------------------------------------------


def _mysql(reader: _Reader, index: int, context: _Context) -> Impact:
    del context
    first = reader.peek().up
    if first in ("SET", "START", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
        return Impact(index, first)
    if first in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
        impact = _dml(reader, index, "NONE", "NONE")
        return replace(
            impact,
            operation="INSERT" if first == "REPLACE" else first,
            notes=("row locks (and InnoDB's gap locks over what it scans) block writers of those rows",),
        )
    if reader.words("CALL"):
        return Impact(index, "CALL", (TableEffect(None, UNKNOWN),), changes_data=None)
    if reader.words("RENAME", "TABLE"):
        # RENAME TABLE a TO b, c TO d: each old name comes before a TO.
        tokens = reader.tokens
        renamed = [
            _Reader(tokens[start:], "mysql").name()
            for start in [reader.at] + [position + 1 for position, token in enumerate(tokens) if token.text == ","]
        ]
        targets = [
            _Reader(tokens[position + 1 :], "mysql").name() for position, token in enumerate(tokens) if token.up == "TO"
        ]
        pairs = [(old, new) for old, new in zip(renamed, targets, strict=False) if old and new]
        return Impact(
            index,
            "RENAME TABLE",
            tuple(TableEffect(table, "EXCLUSIVE") for table in renamed if table),
            renamed=pairs[0] if len(pairs) == 1 else None,
        )
    if reader.words("TRUNCATE"):
        reader.optional(("TABLE",))
        return Impact(index, "TRUNCATE", (TableEffect(reader.name(), "EXCLUSIVE"),), changes_data=True)
    if reader.words("CREATE"):
        reader.optional(("OR", "REPLACE"))
        kind = reader.peek().up if reader.peek() is not None else ""
        if kind in ("UNIQUE", "FULLTEXT", "SPATIAL", "INDEX"):
            reader.optional(("UNIQUE",), ("FULLTEXT",), ("SPATIAL",))
            reader.words("INDEX")
            reader.name()
            reader.words("ON")
            table = reader.name()
            return _mysql_algorithm(
                index,
                "CREATE INDEX",
                table,
                reader.tokens,
                "INPLACE",
                scans=True,
                shared=kind in ("FULLTEXT", "SPATIAL"),
            )
        reader.optional(("TEMPORARY",))
        if reader.words("TABLE"):
            reader.optional(("IF", "NOT", "EXISTS"))
            table = reader.name()
            rest = reader.tokens[reader.at :]
            effects = [TableEffect(table, "EXCLUSIVE", created=True)]
            effects += [TableEffect(ref, "SHARED") for ref in _referenced_tables(rest, "mysql") if ref != table]
            return Impact(index, "CREATE TABLE", tuple(effects))
        if kind in (*NO_TABLE_OBJECTS, "VIEW", "TRIGGER", "EVENT", "DEFINER", "ALGORITHM", "SQL"):
            return Impact(index, f"CREATE {kind}")
    if reader.words("DROP"):
        if reader.words("INDEX"):
            reader.name()
            reader.words("ON")
            table = reader.name()
            return _mysql_algorithm(index, "DROP INDEX", table, reader.tokens, "INPLACE")
        reader.optional(("TEMPORARY",))
        if reader.words("TABLE"):
            reader.optional(("IF", "EXISTS"))
            return Impact(index, "DROP TABLE", tuple(TableEffect(table, "EXCLUSIVE") for table in _name_list(reader)))
        following = reader.peek().up if reader.peek() is not None else ""
        if following in (*NO_TABLE_OBJECTS, "VIEW", "TRIGGER", "EVENT"):
            return Impact(index, f"DROP {following}")
    if reader.words("ALTER", "TABLE") or reader.words("ALTER", "ONLINE", "TABLE") or reader.words("ALTER", "IGNORE"):
        reader.optional(("TABLE",))
        table = reader.name()
        return _mysql_alter(reader, index, table)
    if first in ("SELECT", "WITH"):
        tables = _tables_after(reader.tokens, "mysql", "FROM", "JOIN")
        return Impact(index, first, tuple(TableEffect(table, "NONE", scans=True) for table in tables))
    if first in ("GRANT", "REVOKE"):
        return Impact(index, first)
    return Impact(index, UNKNOWN, (TableEffect(None, UNKNOWN),), changes_data=None, notes=("a form not planned",))


# ALTER TABLE specifications by online DDL's algorithm (MySQL 8.0 / MariaDB 10.6 documentation): (algorithm,
# rebuilds the table, scans it).
def _mysql_spec(ups: list[str]) -> tuple[str, bool, bool, str | None]:
    head = ups[:2]
    if head[:1] == ["ADD"]:
        rest = ups[1:]
        if rest[:1] in (["INDEX"], ["KEY"], ["UNIQUE"], ["FULLTEXT"], ["SPATIAL"]) or (
            rest[:1] == ["CONSTRAINT"] and "UNIQUE" in rest
        ):
            return "INPLACE", False, True, None
        if "PRIMARY" in rest:
            return "INPLACE", True, True, "adding a primary key rebuilds the table"
        if "FOREIGN" in rest:
            return (
                "COPY",
                True,
                True,
                "with foreign_key_checks on (as Prisma runs), adding a foreign key copies the table",
            )
        if "CHECK" in rest:
            return "COPY", True, True, None
        if "AUTO_INCREMENT" in rest or "STORED" in rest:
            return "COPY", True, True, None
        return (
            "INSTANT",
            False,
            False,
            "INSTANT on MySQL 8.0.29+ / MariaDB 10.4+ (8.0.12+ / 10.3+ as the last column); INPLACE with a rebuild "
            "before",
        )
    if head[:1] == ["DROP"]:
        rest = ups[1:]
        if rest[:1] in (["INDEX"], ["KEY"], ["FOREIGN"], ["CONSTRAINT"], ["CHECK"]):
            return "INPLACE", False, False, None
        if rest[:2] == ["PRIMARY", "KEY"]:
            return "COPY", True, True, None
        return "INSTANT", False, False, "INSTANT on MySQL 8.0.29+ / MariaDB 10.4+; INPLACE with a rebuild before"
    if head[:1] == ["RENAME"]:
        return "INSTANT", False, False, None
    if head[:1] == ["ALTER"]:
        if "DEFAULT" in ups:
            return "INSTANT", False, False, None
        if "VISIBLE" in ups or "INVISIBLE" in ups:
            return "INSTANT", False, False, None
        return "COPY", True, True, None
    if head[:1] in (["MODIFY"], ["CHANGE"]):
        return (
            "COPY",
            True,
            True,
            "changing a column's type or nullability rebuilds the table (a longer VARCHAR within the same length "
            "prefix is INPLACE without a rebuild)",
        )
    if head[:1] in (["ALGORITHM"], ["LOCK"]):
        return "", False, False, None
    if head[:1] in (["ENGINE"], ["CONVERT"], ["FORCE"], ["ORDER"]):
        return "COPY", True, True, None
    return "COPY", True, True, None


def _mysql_alter(reader: _Reader, index: int, table: TableName | None) -> Impact:
    algorithms, rebuilds, scans, notes = [], False, False, []
    refs = []
    for sub in reader.split_top_level():
        ups = [token.up for token in sub]
        algorithm, sub_rebuild, sub_scans, note = _mysql_spec(ups)
        if algorithm:
            algorithms.append(algorithm)
        rebuilds |= sub_rebuild
        scans |= sub_scans
        refs += _referenced_tables(sub, "mysql")
        if note:
            notes.append(note)
    order = ["INSTANT", "INPLACE", "COPY"]
    algorithm = max(algorithms, key=order.index) if algorithms else "INPLACE"
    impact = _mysql_algorithm(index, "ALTER TABLE", table, reader.tokens, algorithm, scans=scans, rebuilds=rebuilds)
    effects = list(impact.tables) + [TableEffect(ref, "SHARED") for ref in refs if ref != table]
    return replace(impact, tables=tuple(effects), notes=(*impact.notes, *notes))


def _mysql_algorithm(index, operation, table, tokens, algorithm, *, scans=False, rebuilds=False, shared=False):
    """The algorithm and lock level, explicit ALGORITHM= / LOCK= clauses first."""
    explicit_algorithm = _clause(tokens, "ALGORITHM")
    explicit_lock = _clause(tokens, "LOCK")
    if explicit_algorithm in ("INSTANT", "INPLACE", "COPY"):
        algorithm = explicit_algorithm
    if algorithm == "COPY":
        rebuilds = scans = True
    lock = "SHARED" if algorithm == "COPY" or shared else "NONE"
    if explicit_lock in ("NONE", "SHARED", "EXCLUSIVE"):
        lock = explicit_lock
    notes = ("takes an exclusive metadata lock at its start and end: it waits behind open transactions on the table",)
    return Impact(
        index,
        operation,
        (TableEffect(table, lock, rewrites=rebuilds, scans=scans),),
        algorithm=algorithm,
        notes=notes,
    )


def _clause(tokens: list[_Tok], word: str) -> str | None:
    for position, token in enumerate(tokens):
        if token.up == word and position + 2 < len(tokens) and tokens[position + 1].text == "=":
            return tokens[position + 2].text.upper()
    return None


# SQLite -------------------------------------------------------------------------------------------------------------


def _sqlite(reader: _Reader, index: int, context: _Context) -> Impact:
    del context
    first = reader.peek().up
    if first in ("BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"):
        return Impact(index, first)
    if first == "PRAGMA":
        reader.at += 1
        name = reader.name()
        pragma = name.name.lower() if name else ""
        if pragma in ("foreign_key_check", "integrity_check", "quick_check"):
            return Impact(index, "PRAGMA", (TableEffect(None, SQLITE_READ, scans=True),), notes=("reads every table",))
        return Impact(index, "PRAGMA")
    if first in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
        impact = _dml(reader, index, SQLITE_WRITE, SQLITE_READ)
        return replace(impact, operation="INSERT" if first == "REPLACE" else first)
    if reader.words("CREATE"):
        reader.optional(("TEMP",), ("TEMPORARY",))
        unique = reader.words("UNIQUE")
        if reader.words("INDEX"):
            reader.optional(("IF", "NOT", "EXISTS"))
            name = reader.name()
            reader.words("ON")
            table = reader.name()
            note = "UNIQUE: fails on duplicated values; " if unique else ""
            return Impact(
                index,
                "CREATE INDEX",
                (TableEffect(table, SQLITE_WRITE, scans=True, index=_index_ref(name)),),
                notes=(f"{note}reads every row",),
            )
        if reader.words("TABLE"):
            reader.optional(("IF", "NOT", "EXISTS"))
            table = reader.name()
            rest = reader.tokens[reader.at :]
            effects = [TableEffect(table, SQLITE_WRITE, created=True)]
            if _has(rest, "AS", "SELECT") or (rest and rest[0].up == "AS"):
                effects += [
                    TableEffect(source, SQLITE_WRITE, scans=True) for source in _tables_after(rest, "sqlite", "FROM")
                ]
            return Impact(index, "CREATE TABLE", tuple(effects))
        following = reader.peek().up if reader.peek() is not None else ""
        if following in ("VIEW", "TRIGGER"):
            return Impact(index, f"CREATE {following}", (TableEffect(None, SQLITE_WRITE),))
    if reader.words("DROP"):
        if reader.words("TABLE"):
            reader.optional(("IF", "EXISTS"))
            table = reader.name()
            return Impact(
                index,
                "DROP TABLE",
                (TableEffect(table, SQLITE_WRITE, scans=True),),
                notes=("frees every page of the table",),
            )
        following = reader.peek().up if reader.peek() is not None else ""
        if following in ("INDEX", "VIEW", "TRIGGER"):
            reader.at += 1
            reader.optional(("IF", "EXISTS"))
            name = reader.name()
            effect = TableEffect(None, SQLITE_WRITE, index=_index_ref(name) if following == "INDEX" else None)
            return Impact(index, f"DROP {following}", (effect,))
    if reader.words("ALTER", "TABLE"):
        table = reader.name()
        rest = reader.rest_upper()
        if rest[:2] == ["DROP", "COLUMN"] or rest[:1] == ["DROP"]:
            return Impact(
                index,
                "ALTER TABLE",
                (TableEffect(table, SQLITE_WRITE, rewrites=True, scans=True),),
                notes=("DROP COLUMN rewrites the whole table",),
            )
        if rest[:1] == ["ADD"]:
            checks = "CHECK" in rest or "GENERATED" in rest or ("NOT" in rest and "NULL" in rest)
            return Impact(index, "ALTER TABLE", (TableEffect(table, SQLITE_WRITE, scans=checks),))
        renamed = None
        if rest[:2] == ["RENAME", "TO"]:
            reader.words("RENAME", "TO")
            renamed = _renamed(table, reader.name())
        return Impact(
            index,
            "ALTER TABLE",
            (TableEffect(table, SQLITE_WRITE),),
            notes=("rewrites the schema only",),
            renamed=renamed,
        )
    if first in ("SELECT", "WITH", "VALUES"):
        tables = _tables_after(reader.tokens, "sqlite", "FROM", "JOIN")
        return Impact(index, first, tuple(TableEffect(table, SQLITE_READ, scans=True) for table in tables))
    if first in ("ANALYZE", "REINDEX"):
        return Impact(index, first, (TableEffect(None, SQLITE_WRITE, scans=True),))
    return Impact(index, UNKNOWN, (TableEffect(None, UNKNOWN),), changes_data=None, notes=("a form not planned",))


# SQL Server ---------------------------------------------------------------------------------------------------------


def _mssql(reader: _Reader, index: int, context: _Context) -> Impact:
    del context
    first = reader.peek().up
    if first in ("SET", "BEGIN", "COMMIT", "ROLLBACK", "SAVE", "PRINT", "DECLARE", "THROW", "WAITFOR"):
        return Impact(index, first)
    if first in ("INSERT", "UPDATE", "DELETE", "MERGE"):
        impact = _dml(reader, index, "IX", "Sch-S")
        return replace(
            impact,
            notes=(
                "X locks on the rows it changes, escalated to an X lock on the whole table beyond about 5,000 "
                "(readers then wait too, unless READ_COMMITTED_SNAPSHOT is on, as on Azure SQL Database)",
            ),
        )
    if reader.words("TRUNCATE", "TABLE"):
        return Impact(index, "TRUNCATE", (TableEffect(reader.name(), "Sch-M"),), changes_data=True)
    if first in ("EXEC", "EXECUTE"):
        reader.at += 1
        procedure = reader.name()
        if procedure is not None and procedure.name.lower() == "sp_rename":
            target = reader.peek()
            name = target.text.strip("'") if target is not None and target.kind == "string" else ""
            parts = [part.strip("[]") for part in name.lstrip("N").strip("'").split(".")]
            column_or_index = _has(reader.tokens, "COLUMN") or any(
                token.kind == "string" and token.text.strip("'").upper() in ("COLUMN", "INDEX")
                for token in reader.tokens
            )
            if column_or_index and len(parts) >= 2:
                table = TableName(parts[-2], parts[-3] if len(parts) >= 3 else None)
            else:
                table = TableName(parts[-1], parts[-2] if len(parts) >= 2 else None) if parts and parts[-1] else None
            renamed = None
            strings = [token.text for token in reader.tokens if token.kind == "string"]
            if not column_or_index and table is not None and len(strings) >= 2:
                renamed = _renamed(table, TableName(strings[1].strip("[]"), table.schema))
            return Impact(index, "sp_rename", (TableEffect(table, "Sch-M"),), renamed=renamed)
        return Impact(index, "EXEC", (TableEffect(None, UNKNOWN),), changes_data=None)
    if reader.words("CREATE"):
        unique = reader.words("UNIQUE")
        clustered = reader.words("CLUSTERED")
        reader.optional(("NONCLUSTERED",))
        if reader.words("INDEX"):
            reader.name()
            reader.words("ON")
            table = reader.name()
            online = _clause(reader.tokens, "ONLINE") == "ON" or _has(reader.tokens, "ONLINE", "=", "ON")
            note = "UNIQUE: fails on duplicated values; " if unique else ""
            if online:
                return Impact(
                    index,
                    "CREATE INDEX",
                    (TableEffect(table, "Sch-S", scans=True, rewrites=clustered),),
                    notes=(f"{note}ONLINE: a brief Sch-M at its end",),
                )
            return Impact(
                index,
                "CREATE INDEX",
                (TableEffect(table, "Sch-M" if clustered else "S", scans=True, rewrites=clustered),),
                notes=(f"{note}reads every row; writes wait until it ends",),
            )
        if reader.words("TABLE"):
            table = reader.name()
            rest = reader.tokens[reader.at :]
            effects = [TableEffect(table, "Sch-M", created=True)]
            effects += [TableEffect(ref, "Sch-M") for ref in _referenced_tables(rest, "sqlserver") if ref != table]
            return Impact(index, "CREATE TABLE", tuple(effects))
        reader.optional(("OR", "ALTER"))
        following = reader.peek().up if reader.peek() is not None else ""
        if following in (*NO_TABLE_OBJECTS, "VIEW", "PROC"):
            return Impact(index, f"CREATE {following}")
        if following == "TRIGGER":
            rest = reader.tokens[reader.at :]
            ons = [position for position, token in enumerate(rest) if token.up == "ON"]
            table = _Reader(rest[ons[0] + 1 :], "sqlserver").name() if ons else None
            return Impact(index, "CREATE TRIGGER", (TableEffect(table, "Sch-M"),))
    if reader.words("DROP"):
        if reader.words("INDEX"):
            reader.optional(("IF", "EXISTS"))
            reader.name()
            reader.words("ON")
            table = reader.name()
            return Impact(index, "DROP INDEX", (TableEffect(table, "Sch-M"),))
        if reader.words("TABLE"):
            reader.optional(("IF", "EXISTS"))
            return Impact(index, "DROP TABLE", tuple(TableEffect(table, "Sch-M") for table in _name_list(reader)))
        following = reader.peek().up if reader.peek() is not None else ""
        if following in (*NO_TABLE_OBJECTS, "VIEW", "PROC"):
            return Impact(index, f"DROP {following}")
    if reader.words("ALTER", "TABLE"):
        table = reader.name()
        return _mssql_alter(reader, index, table)
    if first in ("SELECT", "WITH"):
        tables = _tables_after(reader.tokens, "sqlserver", "FROM", "JOIN")
        return Impact(index, first, tuple(TableEffect(table, "Sch-S", scans=True) for table in tables))
    if first in ("GRANT", "REVOKE", "DENY"):
        return Impact(index, first)
    return Impact(index, UNKNOWN, (TableEffect(None, UNKNOWN),), changes_data=None, notes=("a form not planned",))


def _mssql_alter(reader: _Reader, index: int, table: TableName | None) -> Impact:
    # Every ALTER TABLE holds Sch-M on the table until the transaction ends: no read, not even NOLOCK, gets through.
    ups = reader.rest_upper()
    tokens = reader.tokens[reader.at :]
    refs = _referenced_tables(tokens, "sqlserver")
    rewrites, scans, notes = False, False, []
    if ups[:2] == ["ALTER", "COLUMN"]:
        rewrites = scans = True
        notes.append("changing a column's type or nullability reads (and mostly rewrites) every row")
    elif ups[:1] == ["ADD"] or (ups[:1] == ["WITH"] and "ADD" in ups):
        if "FOREIGN" in ups or "CHECK" in ups:
            scans = "NOCHECK" not in ups
        elif "PRIMARY" in ups or "UNIQUE" in ups:
            scans = True
            rewrites = "PRIMARY" in ups and "NONCLUSTERED" not in ups
            notes.append("builds an index over every row")
        elif "NOT" in ups and "NULL" in ups:
            rewrites = scans = True
            notes.append(
                "a NOT NULL column with a default is metadata-only on Azure SQL and Enterprise edition, "
                "a rewrite of every row elsewhere"
            )
    effects = [TableEffect(table, "Sch-M", rewrites=rewrites, scans=scans)]
    effects += [TableEffect(ref, "Sch-M") for ref in refs if ref != table]
    if refs:
        notes.append("a foreign key also takes Sch-M on the referenced table")
    return Impact(index, "ALTER TABLE", tuple(effects), notes=tuple(notes))


# Entries and the rehearsal rule --------------------------------------------------------------------------------------


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


def entries(impacts: list[Impact], estimates: dict, provider: str, *, sqlite_wal: bool = False) -> list[dict]:
    """The `impact` the module returns: one entry per statement."""
    out = []
    for impact in impacts:
        tables = []
        for effect in impact.tables:
            reads, writes = blocks(provider, effect, sqlite_wal=sqlite_wal)
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
        # SQLite's lock is the database's: writing a new table holds it as much as writing an old one.
        existing = [table for table in tables if provider == "sqlite" or not table["created_by_migration"]]
        out.append(
            {
                "index": impact.index,
                "operation": impact.operation,
                "lock": _strongest(provider, [table["lock"] for table in existing]) or None,
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
