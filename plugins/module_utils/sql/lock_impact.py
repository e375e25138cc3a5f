# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a statement does to production while it runs: the lock it takes and on which tables, whether it rewrites or
scans them, whether it changes data (pure).

Each database states its own rules (databases/<name>/impact.py): a LockImpact subclass with its lock modes and a
plan() per statement, read from the statement's tokens. Where a statement's text cannot tell (a DO block, a
procedure call, a form its rules do not know), it says so: `changes_data` is None and the lock is "unknown", which a
rehearsal treats as a data change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.tokens import (
    TokenReader,
    has,
    referenced_tables,
    tables_after,
)

UNKNOWN = "unknown"
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


def not_planned(index: int) -> Impact:
    """A statement of a form the rules do not know: any lock, any write."""
    return Impact(index, UNKNOWN, (TableEffect(None, UNKNOWN),), changes_data=None, notes=("a form not planned",))


def table_renamed(old: TableName | None, new: TableName | None):
    if old is None or new is None:
        return None
    return old, TableName(new.name, new.schema or old.schema)


def index_ref(name: TableName | None):
    return (name.schema, name.name) if name is not None else None


def created_table(
    reader: TokenReader, index: int, mode: str, referenced_mode: str | None, source_mode: str | None
) -> Impact:
    """CREATE TABLE (its name next in `reader`): `mode` on the new table, `referenced_mode` on each table its foreign
    keys reference (None where one lock covers the database), `source_mode` on the tables a CREATE TABLE ... AS SELECT
    reads (None where the database has no such form)."""
    table = reader.name()
    rest = reader.tokens[reader.at :]
    effects = [TableEffect(table, mode, created=True)]
    if referenced_mode is not None:
        effects += [TableEffect(ref, referenced_mode) for ref in referenced_tables(rest, reader.syntax) if ref != table]
    if source_mode is not None and ((rest[:1] and rest[0].up == "AS") or has(rest, "AS", "SELECT")):
        effects += [
            TableEffect(source, source_mode, scans=True) for source in tables_after(rest, reader.syntax, "FROM", "JOIN")
        ]
    return Impact(index, "CREATE TABLE", tuple(effects))


def dml(reader: TokenReader, index: int, write_lock: str, read_lock: str) -> Impact:
    """INSERT / UPDATE / DELETE / MERGE: the lock on the table written, and on the tables read."""
    first = reader.peek().up
    tokens = reader.tokens
    reader.at += 1
    reader.optional(("OR", "REPLACE"), ("OR", "IGNORE"), ("IGNORE",), ("INTO",), ("FROM",), ("ONLY",))
    target = reader.name()
    sources = tables_after(tokens[reader.at :], reader.syntax, "FROM", "JOIN", "USING")
    # An UPDATE or DELETE reads the table to find its rows (all of them without an index for its WHERE) and locks
    # the rows it changes; an INSERT ... SELECT reads its sources.
    changes_rows = first in ("UPDATE", "DELETE", "MERGE")
    if target is None:
        effects = [TableEffect(None, UNKNOWN)]
    else:
        effects = [TableEffect(target, write_lock, scans=changes_rows, row_locks=changes_rows)]
    effects += [TableEffect(table, read_lock, scans=True) for table in sources if table != target]
    return Impact(index, first, tuple(effects), changes_data=True)


class LockImpact:
    """A database's lock rules: its lock modes and what each statement takes (pure)."""

    # Lock modes, weakest first, with what each blocks of ordinary reads (SELECT) and writes (INSERT/UPDATE/DELETE).
    modes: ClassVar[dict[str, tuple[bool, bool]]] = {}
    # One lock for the whole database: writing a table the migration made holds it as much as writing an old one.
    database_wide: ClassVar[bool] = False

    def __init__(self, dialect):
        self.dialect = dialect
        self.syntax = dialect.syntax

    def plan(self, reader: TokenReader, index: int) -> Impact:
        """What the statement whose tokens `reader` holds takes while it runs."""
        raise NotImplementedError

    def key(self, table: TableName | None):
        """A table's name as this database compares names."""
        if table is None:
            return None
        return (table.schema.lower() if table.schema else None, self.dialect.fold(table.name))

    def blocks(self, effect: TableEffect, **facts) -> tuple[bool, bool]:
        """(blocks reads, blocks writes) of other sessions while the statement's transaction lasts; `facts` are what
        the database's catalog said about the database as a whole (Catalog.impact_facts)."""
        del facts
        if effect.created:
            return False, False
        reads, writes = (True, True) if effect.lock == UNKNOWN else self.modes.get(effect.lock, (True, True))
        return reads, writes or effect.row_locks

    @classmethod
    def strongest(cls, modes) -> str:
        """The strongest of these modes ("" for none, "unknown" when any is)."""
        order = list(cls.modes)
        modes = [mode for mode in modes if mode]
        if not modes:
            return ""
        if UNKNOWN in modes:
            return UNKNOWN
        return max(modes, key=lambda mode: order.index(mode) if mode in order else len(order))
