# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL's lock rules: the table-level lock modes each statement takes (ALTER TABLE's subforms, CREATE INDEX,
foreign keys on both tables) and whether it rewrites or scans (pure).
"""

from __future__ import annotations

import itertools

from ansible_collections.backoffice.dbops.plugins.module_utils.sql import lock_impact
from ansible_collections.backoffice.dbops.plugins.module_utils.sql import tokens as sql_tokens
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.lock_impact import Impact, TableEffect
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName

# PostgreSQL's table lock modes, weakest first, with what each blocks of ordinary reads (SELECT) and writes
# (INSERT/UPDATE/DELETE): https://www.postgresql.org/docs/current/explicit-locking.html
MODES = {
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


# ALTER TABLE subforms that take less than ACCESS EXCLUSIVE (the PostgreSQL documentation of ALTER TABLE).
SUE_SUBFORMS = (
    ("VALIDATE", "CONSTRAINT"),
    ("CLUSTER", "ON"),
    ("SET", "WITHOUT", "CLUSTER"),
    ("SET", "STATISTICS"),
)
SRE_SUBFORMS = (("ENABLE", "TRIGGER"), ("DISABLE", "TRIGGER"), ("ENABLE", "REPLICA"), ("ENABLE", "ALWAYS"))
# Storage parameters ALTER TABLE ... SET (...) changes under SHARE UPDATE EXCLUSIVE.
SUE_STORAGE = ("FILLFACTOR", "PARALLEL_WORKERS", "TOAST_TUPLE_TARGET")
# Column defaults that make ADD COLUMN fill every existing row (volatile functions; PostgreSQL 11+ stores a
# non-volatile default once instead).
VOLATILE = (
    "NEXTVAL",
    "RANDOM",
    "GEN_RANDOM_UUID",
    "UUID_GENERATE_V4",
    "UUID_GENERATE_V1",
    "CLOCK_TIMESTAMP",
    "TIMEOFDAY",
    "TXID_CURRENT",
)
SERIAL = ("SERIAL", "SERIAL4", "SERIAL8", "BIGSERIAL", "SMALLSERIAL", "SERIAL2")


def _plan(reader: sql_tokens.TokenReader, index: int) -> Impact:
    first = reader.peek().up
    if first in ("SET", "RESET", "BEGIN", "START", "COMMIT", "END", "SAVEPOINT", "RELEASE", "ROLLBACK", "ABORT"):
        return Impact(index, first)
    if first in ("DO", "CALL"):
        return Impact(
            index,
            first,
            tables=(TableEffect(None, lock_impact.UNKNOWN),),
            changes_data=None,
            notes=("runs code whose locks and writes its text does not show",),
        )
    if reader.words("ALTER", "TABLE"):
        return _alter_table(reader, index)
    if reader.words("ALTER", "INDEX"):
        reader.optional(("IF", "EXISTS"))
        name = reader.name()
        rest = reader.rest_upper()
        mode = SUE if rest[:1] == ["RENAME"] or (rest[:1] == ["SET"] and rest[1:2] != ["TABLESPACE"]) else AE
        notes = ("on PostgreSQL before 12, renaming an index takes ACCESS EXCLUSIVE",) if rest[:1] == ["RENAME"] else ()
        return Impact(index, "ALTER INDEX", (TableEffect(None, mode, index=lock_impact.index_ref(name)),), notes=notes)
    if reader.peek().up == "CREATE":
        return _create(reader, index)
    if first == "ALTER" and reader.peek(1) is not None and reader.peek(1).up in lock_impact.NO_TABLE_OBJECTS:
        kind = reader.peek(1).up
        notes = ()
        if kind == "TYPE" and "ATTRIBUTE" in reader.rest_upper():
            notes = ("changing an attribute of a composite type with CASCADE rewrites the tables that use it",)
        return Impact(index, f"ALTER {kind}", notes=notes)
    if reader.words("DROP"):
        return _drop(reader, index)
    if first in ("INSERT", "UPDATE", "DELETE", "MERGE"):
        return lock_impact.dml(reader, index, "ROW EXCLUSIVE", "ACCESS SHARE")
    if reader.words("TRUNCATE"):
        reader.optional(("TABLE",), ("ONLY",))
        tables = sql_tokens.name_list(reader)
        return Impact(index, "TRUNCATE", tuple(TableEffect(table, AE) for table in tables), changes_data=True)
    if reader.words("LOCK"):
        reader.optional(("TABLE",), ("ONLY",))
        tables = sql_tokens.name_list(reader)
        rest = reader.rest_upper()
        mode = AE
        if "IN" in rest and "MODE" in rest:
            mode = " ".join(rest[rest.index("IN") + 1 : rest.index("MODE")])
        return Impact(index, "LOCK", tuple(TableEffect(table, mode if mode in MODES else AE) for table in tables))
    if first == "SELECT" or first == "WITH" or first == "VALUES":
        tables = sql_tokens.tables_after(reader.tokens, reader.syntax, "FROM", "JOIN")
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
        return Impact(
            index, "ANALYZE", tuple(TableEffect(table, SUE, scans=True) for table in sql_tokens.name_list(reader))
        )
    if reader.words("REFRESH", "MATERIALIZED", "VIEW"):
        concurrently = reader.words("CONCURRENTLY")
        view = reader.name()
        return Impact(
            index,
            "REFRESH MATERIALIZED VIEW",
            (TableEffect(view, "EXCLUSIVE" if concurrently else AE, rewrites=True, scans=True),),
        )
    return lock_impact.not_planned(index)


def _alter_table(reader: sql_tokens.TokenReader, index: int) -> Impact:
    reader.optional(("IF", "EXISTS"), ("ONLY",))
    table = reader.name()
    if reader.peek() is not None and reader.peek().text == "*":
        reader.at += 1
    if reader.words("RENAME", "TO"):
        return Impact(
            index, "ALTER TABLE", (TableEffect(table, AE),), renamed=lock_impact.table_renamed(table, reader.name())
        )
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
        mode, sub_rewrites, sub_scans, note, refs = _subcommand(sub, reader.syntax)
        modes.append(mode)
        rewrites |= sub_rewrites
        scans |= sub_scans
        referenced += refs
        if note:
            notes.append(note)
    effects = [
        TableEffect(table, PostgresLockImpact.strongest(modes) or AE, rewrites=rewrites, scans=scans or rewrites)
    ]
    for ref in referenced:
        if ref != table:
            effects.append(TableEffect(ref, SRE))
    return Impact(index, "ALTER TABLE", tuple(effects), notes=tuple(notes))


def _subcommand(tokens: list[sql_tokens.Token], syntax) -> tuple[str, bool, bool, str | None, list[TableName]]:
    """(lock, rewrites, scans, note, referenced tables) of one ALTER TABLE subcommand."""
    ups = [token.up for token in tokens]
    head = ups[:3]
    refs = sql_tokens.referenced_tables(tokens, syntax)
    if any(ups[: len(form)] == list(form) for form in SUE_SUBFORMS):
        return SUE, False, ups[:1] == ["VALIDATE"], None, []
    if any(ups[: len(form)] == list(form) for form in SRE_SUBFORMS):
        return SRE, False, False, None, []
    if head[:1] in (["ENABLE"], ["DISABLE"]) and "RULE" not in ups:
        return AE, False, False, None, []
    if head[:1] == ["SET"] and tokens[1:2] and tokens[1].text == "(":
        # The names right after "(" or ",": SET (fillfactor = 70, autovacuum_enabled = false).
        params = {following.up for token, following in itertools.pairwise(tokens) if token.text in ("(", ",")}
        low = all(word in SUE_STORAGE or word.startswith(("AUTOVACUUM_", "TOAST")) for word in params if word)
        return (SUE if low else AE), False, False, None, []
    if head[:2] in (["SET", "TABLESPACE"], ["SET", "LOGGED"], ["SET", "UNLOGGED"]) or head[:3] == [
        "SET",
        "ACCESS",
        "METHOD",
    ]:
        return AE, True, True, None, []
    if head[:1] == ["ADD"]:
        return _add(tokens, ups, refs)
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


def _add(tokens, ups, refs):
    """ADD COLUMN / ADD constraint."""
    constraint_words = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE")
    if ups[1:2] and ups[1] in constraint_words:
        not_valid = sql_tokens.has(tokens, "NOT", "VALID")
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
    volatile = words & set(VOLATILE) or words & set(SERIAL) or "IDENTITY" in words or "STORED" in words
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


def _create(reader: sql_tokens.TokenReader, index: int) -> Impact:
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
                (TableEffect(table, SUE, scans=True, index=lock_impact.index_ref(name)),),
                notes=(f"{note}cannot run inside a transaction: never rehearsed",),
            )
        return Impact(
            index,
            "CREATE INDEX",
            (TableEffect(table, SHARE, scans=True, index=lock_impact.index_ref(name)),),
            notes=(f"{note}reads and sorts every row; writes wait until it ends",),
        )
    reader.optional(("GLOBAL",), ("LOCAL",), ("TEMPORARY",), ("TEMP",), ("UNLOGGED",))
    if reader.words("TABLE"):
        reader.optional(("IF", "NOT", "EXISTS"))
        return lock_impact.created_table(reader, index, AE, SRE, "ACCESS SHARE")
    if reader.words("MATERIALIZED", "VIEW") or reader.words("VIEW") or reader.words("RECURSIVE", "VIEW"):
        rest = reader.tokens[reader.at :]
        view = reader.name()
        materialized = sql_tokens.has(reader.tokens[:4], "MATERIALIZED")
        sources = sql_tokens.tables_after(rest, reader.syntax, "FROM", "JOIN")
        effects = [TableEffect(view, AE, created=True)]
        effects += [TableEffect(source, "ACCESS SHARE", scans=materialized) for source in sources if source != view]
        return Impact(index, "CREATE VIEW", tuple(effects))
    if reader.words("TRIGGER") or reader.words("CONSTRAINT", "TRIGGER"):
        rest = reader.tokens[reader.at :]
        ons = [position for position, token in enumerate(rest) if token.up == "ON"]
        table = sql_tokens.TokenReader(rest[ons[0] + 1 :], reader.syntax).name() if ons else None
        return Impact(index, "CREATE TRIGGER", (TableEffect(table, SRE),))
    if reader.words("POLICY") or reader.words("RULE"):
        rest = reader.tokens[reader.at :]
        ons = [position for position, token in enumerate(rest) if token.up in ("ON", "TO")]
        table = sql_tokens.TokenReader(rest[ons[0] + 1 :], reader.syntax).name() if ons else None
        return Impact(index, "CREATE POLICY", (TableEffect(table, AE),))
    following = reader.peek().up if reader.peek() is not None else ""
    if following in lock_impact.NO_TABLE_OBJECTS or following in (
        "TRUSTED",
        "PROCEDURAL",
        "LANGUAGE",
        "EVENT",
        "SERVER",
    ):
        return Impact(index, f"CREATE {following}")
    return lock_impact.not_planned(index)


def _drop(reader: sql_tokens.TokenReader, index: int) -> Impact:
    if reader.words("INDEX"):
        concurrently = reader.words("CONCURRENTLY")
        reader.optional(("IF", "EXISTS"))
        name = reader.name()
        mode = SUE if concurrently else AE
        notes = ("cannot run inside a transaction: never rehearsed",) if concurrently else ()
        return Impact(index, "DROP INDEX", (TableEffect(None, mode, index=lock_impact.index_ref(name)),), notes=notes)
    if reader.words("TABLE") or reader.words("MATERIALIZED", "VIEW") or reader.words("VIEW"):
        reader.optional(("IF", "EXISTS"))
        tables = sql_tokens.name_list(reader)
        return Impact(index, "DROP TABLE", tuple(TableEffect(table, AE) for table in tables))
    if reader.words("TRIGGER") or reader.words("POLICY") or reader.words("RULE"):
        reader.optional(("IF", "EXISTS"))
        reader.name()
        reader.words("ON")
        table = reader.name()
        return Impact(index, "DROP TRIGGER", (TableEffect(table, AE),))
    following = reader.peek().up if reader.peek() is not None else ""
    if following in lock_impact.NO_TABLE_OBJECTS:
        note = (
            ("CASCADE also drops what depends on it (columns of that type, defaults)",)
            if sql_tokens.has(reader.tokens, "CASCADE")
            else ()
        )
        return Impact(index, f"DROP {following}", notes=note)
    return lock_impact.not_planned(index)


class PostgresLockImpact(lock_impact.LockImpact):
    modes = MODES

    def plan(self, reader: sql_tokens.TokenReader, index: int) -> Impact:
        return _plan(reader, index)
