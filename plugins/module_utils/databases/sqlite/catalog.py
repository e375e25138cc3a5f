# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: what its live catalog says of a table, a type, an object, and how big a table is."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import Catalog
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    ColumnInfo,
    ObjectInfo,
    TableInfo,
)


class SqliteCatalog(Catalog):
    # A PRIMARY KEY column takes NULL unless it says NOT NULL (the rowid alias excepted, which SQLite reports
    # as declared).
    primary_key_implies_not_null = False

    def catalog_table(self, cursor, table) -> TableInfo | None:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", (table.name,))
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(
            'SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid',
            (table.name,),
        )
        rows = cursor.fetchall()
        columns = {
            self.dialect.fold(name): ColumnInfo(declared or None, not notnull, self.live_default(default), bool(hidden))
            for name, declared, notnull, default, _pk, hidden in rows
        }
        primary_key = tuple(
            self.dialect.fold(name) for name, *_rest, pk, _hidden in sorted(rows, key=lambda r: r[4]) if pk
        )
        # Constraints keep their names only in the table's CREATE TABLE text, which SQLite stores (and rewrites on
        # renames): read it as migration.sql is read.
        indexes, constraints = self._declared_constraints(row[0])
        cursor.execute('SELECT name, "unique", origin, partial FROM pragma_index_list(?)', (table.name,))
        for name, unique, origin, partial in cursor.fetchall():
            if origin != "c":
                continue
            cursor.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,))
            keys = [column for (column,) in cursor.fetchall()]
            expression = bool(partial) or any(column is None for column in keys)
            indexes[self.dialect.fold(name)] = ObjectInfo(
                "index",
                None if expression else tuple(self.dialect.fold(column) for column in keys),
                bool(unique),
                partial=expression,
            )
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE", (table.name,)
        )
        triggers = frozenset(self.dialect.fold(name) for (name,) in cursor.fetchall())
        return TableInfo(columns, indexes, constraints, primary_key, triggers)

    def _declared_constraints(self, sql: str | None) -> tuple[dict, dict]:
        from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import (
            split_statements,
        )

        indexes, constraints = {}, {}
        statements = split_statements(sql or "", self.dialect.syntax)
        actions = statements[0].actions if len(statements) == 1 else ()
        for action in (inner for created in actions for inner in created.declared.inline):
            if action.kind != "add_constraint" or not action.name:
                continue
            name, columns = (
                self.dialect.fold(action.name),
                tuple(self.dialect.fold(column) for column in action.columns),
            )
            if action.constraint in ("primary_key", "unique"):
                indexes[name] = ObjectInfo(action.constraint, columns, True)
            elif action.constraint == "foreign_key" and action.reference.table is not None:
                reference = ("", self.dialect.fold(action.reference.table.name))
                ref_columns = tuple(self.dialect.fold(column) for column in action.reference.columns)
                constraints[name] = ObjectInfo(
                    "foreign_key",
                    columns,
                    ref_table=reference,
                    ref_columns=ref_columns,
                    actions=action.reference.actions,
                )
            elif action.constraint == "check":
                constraints[name] = ObjectInfo("check")
        return indexes, constraints

    def _existence_query(self, kind: str, schema: str | None, name: str) -> tuple[str, tuple] | None:
        del schema
        if kind != "view":
            return None
        return "SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ? COLLATE NOCASE", (name,)

    def catalog_index_table(self, cursor, schema: str | None, index: str) -> str | None:
        del schema
        cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ? COLLATE NOCASE", (index,))
        row = cursor.fetchone()
        return row[0] if row else None

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        # Rows from ANALYZE's sqlite_stat1 (the first number of a table's or index's entry) where it was run; the
        # size is the database file's: one write lock covers all of it.
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", (table.name,))
        if cursor.fetchone() is None:
            return None
        rows = None
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone() is not None:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = ? COLLATE NOCASE", (table.name,))
            counts = [int(stat.split()[0]) for (stat,) in cursor.fetchall() if stat and stat.split()[0].isdigit()]
            rows = max(counts) if counts else None
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return rows, cursor.fetchone()[0]

    def impact_facts(self, cursor) -> dict:
        # Without a value the pragma only reads the mode.
        cursor.execute("PRAGMA journal_mode")
        return {"wal": str(cursor.fetchone()[0]).lower() == "wal"}
