# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite's lock rules: one lock for the whole database, taken by every write (pure)."""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.backoffice.dbops.plugins.module_utils.sql import lock_impact
from ansible_collections.backoffice.dbops.plugins.module_utils.sql import tokens as sql_tokens
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.lock_impact import Impact, TableEffect

WRITE = "database write lock"
READ = "database read lock"
MODES = {READ: (False, False), WRITE: (False, True)}


def _plan(reader: sql_tokens.TokenReader, index: int) -> Impact:
    first = reader.peek().up
    if first in ("BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"):
        return Impact(index, first)
    if first == "PRAGMA":
        reader.at += 1
        name = reader.name()
        pragma = name.name.lower() if name else ""
        if pragma in ("foreign_key_check", "integrity_check", "quick_check"):
            return Impact(index, "PRAGMA", (TableEffect(None, READ, scans=True),), notes=("reads every table",))
        return Impact(index, "PRAGMA")
    if first in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
        impact = lock_impact.dml(reader, index, WRITE, READ)
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
                (TableEffect(table, WRITE, scans=True, index=lock_impact.index_ref(name)),),
                notes=(f"{note}reads every row",),
            )
        if reader.words("TABLE"):
            reader.optional(("IF", "NOT", "EXISTS"))
            return lock_impact.created_table(reader, index, WRITE, None, WRITE)
        following = reader.peek().up if reader.peek() is not None else ""
        if following in ("VIEW", "TRIGGER"):
            return Impact(index, f"CREATE {following}", (TableEffect(None, WRITE),))
    if reader.words("DROP"):
        if reader.words("TABLE"):
            reader.optional(("IF", "EXISTS"))
            table = reader.name()
            return Impact(
                index,
                "DROP TABLE",
                (TableEffect(table, WRITE, scans=True),),
                notes=("frees every page of the table",),
            )
        following = reader.peek().up if reader.peek() is not None else ""
        if following in ("INDEX", "VIEW", "TRIGGER"):
            reader.at += 1
            reader.optional(("IF", "EXISTS"))
            name = reader.name()
            effect = TableEffect(None, WRITE, index=lock_impact.index_ref(name) if following == "INDEX" else None)
            return Impact(index, f"DROP {following}", (effect,))
    if reader.words("ALTER", "TABLE"):
        table = reader.name()
        rest = reader.rest_upper()
        if rest[:2] == ["DROP", "COLUMN"] or rest[:1] == ["DROP"]:
            return Impact(
                index,
                "ALTER TABLE",
                (TableEffect(table, WRITE, rewrites=True, scans=True),),
                notes=("DROP COLUMN rewrites the whole table",),
            )
        if rest[:1] == ["ADD"]:
            checks = "CHECK" in rest or "GENERATED" in rest or ("NOT" in rest and "NULL" in rest)
            return Impact(index, "ALTER TABLE", (TableEffect(table, WRITE, scans=checks),))
        renamed = None
        if rest[:2] == ["RENAME", "TO"]:
            reader.words("RENAME", "TO")
            renamed = lock_impact.table_renamed(table, reader.name())
        return Impact(
            index,
            "ALTER TABLE",
            (TableEffect(table, WRITE),),
            notes=("rewrites the schema only",),
            renamed=renamed,
        )
    if first in ("SELECT", "WITH", "VALUES"):
        tables = sql_tokens.tables_after(reader.tokens, reader.syntax, "FROM", "JOIN")
        return Impact(index, first, tuple(TableEffect(table, READ, scans=True) for table in tables))
    if first in ("ANALYZE", "REINDEX"):
        return Impact(index, first, (TableEffect(None, WRITE, scans=True),))
    return lock_impact.not_planned(index)


class SqliteLockImpact(lock_impact.LockImpact):
    modes = MODES
    database_wide = True

    def plan(self, reader: sql_tokens.TokenReader, index: int) -> Impact:
        return _plan(reader, index)

    def blocks(self, effect: TableEffect, *, wal: bool = False, **facts) -> tuple[bool, bool]:
        # Whatever table is written, a new one included. In rollback-journal mode readers are shut out once the
        # writer's changes outgrow its page cache (it then holds the EXCLUSIVE lock until the transaction ends); in
        # WAL mode never.
        del facts
        writes = effect.lock in (WRITE, lock_impact.UNKNOWN)
        return writes and not wal, writes
