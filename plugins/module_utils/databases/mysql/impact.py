# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB's lock rules: online DDL (ALGORITHM INSTANT/INPLACE/COPY and LOCK), row locks of data changes
(pure; MySQL 8.0 / MariaDB 10.6 documentation).
"""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.backoffice.dbops.plugins.module_utils.sql import lock_impact
from ansible_collections.backoffice.dbops.plugins.module_utils.sql import tokens as sql_tokens
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.lock_impact import Impact, TableEffect
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName

# The LOCK clause's levels of online DDL. Every ALTER also takes a brief exclusive metadata lock at its start and end,
# which waits behind any open transaction on the table (and everything queues behind that wait).
MODES = {"NONE": (False, False), "SHARED": (False, True), "EXCLUSIVE": (True, True)}


def _plan(reader: sql_tokens.TokenReader, index: int) -> Impact:
    first = reader.peek().up
    if first in ("SET", "START", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
        return Impact(index, first)
    if first in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
        impact = lock_impact.dml(reader, index, "NONE", "NONE")
        return replace(
            impact,
            operation="INSERT" if first == "REPLACE" else first,
            notes=("row locks (and InnoDB's gap locks over what it scans) block writers of those rows",),
        )
    if reader.words("CALL"):
        return Impact(index, "CALL", (TableEffect(None, lock_impact.UNKNOWN),), changes_data=None)
    if reader.words("RENAME", "TABLE"):
        # RENAME TABLE a TO b, c TO d: each old name comes before a TO.
        tokens = reader.tokens
        renamed = [
            sql_tokens.TokenReader(tokens[start:], reader.syntax).name()
            for start in [reader.at] + [position + 1 for position, token in enumerate(tokens) if token.text == ","]
        ]
        targets = [
            sql_tokens.TokenReader(tokens[position + 1 :], reader.syntax).name()
            for position, token in enumerate(tokens)
            if token.up == "TO"
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
            return _algorithm(
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
            return lock_impact.created_table(reader, index, "EXCLUSIVE", "SHARED", None)
        if kind in (*lock_impact.NO_TABLE_OBJECTS, "VIEW", "TRIGGER", "EVENT", "DEFINER", "ALGORITHM", "SQL"):
            return Impact(index, f"CREATE {kind}")
    if reader.words("DROP"):
        if reader.words("INDEX"):
            reader.name()
            reader.words("ON")
            table = reader.name()
            return _algorithm(index, "DROP INDEX", table, reader.tokens, "INPLACE")
        reader.optional(("TEMPORARY",))
        if reader.words("TABLE"):
            reader.optional(("IF", "EXISTS"))
            return Impact(
                index, "DROP TABLE", tuple(TableEffect(table, "EXCLUSIVE") for table in sql_tokens.name_list(reader))
            )
        following = reader.peek().up if reader.peek() is not None else ""
        if following in (*lock_impact.NO_TABLE_OBJECTS, "VIEW", "TRIGGER", "EVENT"):
            return Impact(index, f"DROP {following}")
    if reader.words("ALTER", "TABLE") or reader.words("ALTER", "ONLINE", "TABLE") or reader.words("ALTER", "IGNORE"):
        reader.optional(("TABLE",))
        table = reader.name()
        return _alter(reader, index, table)
    if first in ("SELECT", "WITH"):
        tables = sql_tokens.tables_after(reader.tokens, reader.syntax, "FROM", "JOIN")
        return Impact(index, first, tuple(TableEffect(table, "NONE", scans=True) for table in tables))
    if first in ("GRANT", "REVOKE"):
        return Impact(index, first)
    return lock_impact.not_planned(index)


# ALTER TABLE specifications by online DDL's algorithm (MySQL 8.0 / MariaDB 10.6 documentation): (algorithm,
# rebuilds the table, scans it).
def _spec(ups: list[str]) -> tuple[str, bool, bool, str | None]:
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


def _alter(reader: sql_tokens.TokenReader, index: int, table: TableName | None) -> Impact:
    algorithms, rebuilds, scans, notes = [], False, False, []
    refs = []
    for sub in reader.split_top_level():
        ups = [token.up for token in sub]
        algorithm, sub_rebuild, sub_scans, note = _spec(ups)
        if algorithm:
            algorithms.append(algorithm)
        rebuilds |= sub_rebuild
        scans |= sub_scans
        refs += sql_tokens.referenced_tables(sub, reader.syntax)
        if note:
            notes.append(note)
    order = ["INSTANT", "INPLACE", "COPY"]
    algorithm = max(algorithms, key=order.index) if algorithms else "INPLACE"
    impact = _algorithm(index, "ALTER TABLE", table, reader.tokens, algorithm, scans=scans, rebuilds=rebuilds)
    effects = list(impact.tables) + [TableEffect(ref, "SHARED") for ref in refs if ref != table]
    return replace(impact, tables=tuple(effects), notes=(*impact.notes, *notes))


def _algorithm(index, operation, table, tokens, algorithm, *, scans=False, rebuilds=False, shared=False):
    """The algorithm and lock level, explicit ALGORITHM= / LOCK= clauses first."""
    explicit_algorithm = sql_tokens.clause(tokens, "ALGORITHM")
    explicit_lock = sql_tokens.clause(tokens, "LOCK")
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


class MysqlLockImpact(lock_impact.LockImpact):
    modes = MODES

    def plan(self, reader: sql_tokens.TokenReader, index: int) -> Impact:
        return _plan(reader, index)
