# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server's lock rules: schema modification (Sch-M) and shared (S) table locks, row locks of data changes (pure)."""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.backoffice.dbops.plugins.module_utils.sql import lock_impact
from ansible_collections.backoffice.dbops.plugins.module_utils.sql import tokens as sql_tokens
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.lock_impact import Impact, TableEffect
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName

# Sch-M (schema modification) blocks everything, reads included; S on the table blocks writes; IX is the intent lock of
# row changes (X on each row, escalated to an X table lock beyond about 5,000 row locks). Weakest first.
MODES = {
    "Sch-S": (False, False),
    "IX": (False, True),
    "S": (False, True),
    "X": (True, True),
    "Sch-M": (True, True),
}


def _plan(reader: sql_tokens.TokenReader, index: int) -> Impact:
    first = reader.peek().up
    if first in ("SET", "BEGIN", "COMMIT", "ROLLBACK", "SAVE", "PRINT", "DECLARE", "THROW", "WAITFOR"):
        return Impact(index, first)
    if first in ("INSERT", "UPDATE", "DELETE", "MERGE"):
        impact = lock_impact.dml(reader, index, "IX", "Sch-S")
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
            column_or_index = sql_tokens.has(reader.tokens, "COLUMN") or any(
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
                renamed = lock_impact.table_renamed(table, TableName(strings[1].strip("[]"), table.schema))
            return Impact(index, "sp_rename", (TableEffect(table, "Sch-M"),), renamed=renamed)
        return Impact(index, "EXEC", (TableEffect(None, lock_impact.UNKNOWN),), changes_data=None)
    if reader.words("CREATE"):
        unique = reader.words("UNIQUE")
        clustered = reader.words("CLUSTERED")
        reader.optional(("NONCLUSTERED",))
        if reader.words("INDEX"):
            reader.name()
            reader.words("ON")
            table = reader.name()
            online = sql_tokens.clause(reader.tokens, "ONLINE") == "ON" or sql_tokens.has(
                reader.tokens, "ONLINE", "=", "ON"
            )
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
            return lock_impact.created_table(reader, index, "Sch-M", "Sch-M", None)
        reader.optional(("OR", "ALTER"))
        following = reader.peek().up if reader.peek() is not None else ""
        if following in (*lock_impact.NO_TABLE_OBJECTS, "VIEW", "PROC"):
            return Impact(index, f"CREATE {following}")
        if following == "TRIGGER":
            rest = reader.tokens[reader.at :]
            ons = [position for position, token in enumerate(rest) if token.up == "ON"]
            table = sql_tokens.TokenReader(rest[ons[0] + 1 :], reader.syntax).name() if ons else None
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
            return Impact(
                index, "DROP TABLE", tuple(TableEffect(table, "Sch-M") for table in sql_tokens.name_list(reader))
            )
        following = reader.peek().up if reader.peek() is not None else ""
        if following in (*lock_impact.NO_TABLE_OBJECTS, "VIEW", "PROC"):
            return Impact(index, f"DROP {following}")
    if reader.words("ALTER", "TABLE"):
        table = reader.name()
        return _alter(reader, index, table)
    if first in ("SELECT", "WITH"):
        tables = sql_tokens.tables_after(reader.tokens, reader.syntax, "FROM", "JOIN")
        return Impact(index, first, tuple(TableEffect(table, "Sch-S", scans=True) for table in tables))
    if first in ("GRANT", "REVOKE", "DENY"):
        return Impact(index, first)
    return lock_impact.not_planned(index)


def _alter(reader: sql_tokens.TokenReader, index: int, table: TableName | None) -> Impact:
    # Every ALTER TABLE holds Sch-M on the table until the transaction ends: no read, not even NOLOCK, gets through.
    ups = reader.rest_upper()
    tokens = reader.tokens[reader.at :]
    refs = sql_tokens.referenced_tables(tokens, reader.syntax)
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


class MssqlLockImpact(lock_impact.LockImpact):
    modes = MODES

    def plan(self, reader: sql_tokens.TokenReader, index: int) -> Impact:
        return _plan(reader, index)
