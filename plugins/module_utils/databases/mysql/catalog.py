# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: what its live catalog says of a table, a type, an object, and how big a table is."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import Catalog
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    ColumnInfo,
    ObjectInfo,
    TableInfo,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import referential_actions


class MysqlCatalog(Catalog):
    display_widths = True

    type_synonyms = {"BOOLEAN": "TINYINT"}

    # MariaDB keeps JSON as LONGTEXT with a check; MySQL's TIMESTAMP and sqlglot's reading of it differ by version.
    uncomparable_types = frozenset({"JSON", "LONGTEXT"})

    def catalog_table(self, cursor, table) -> TableInfo | None:
        schema, name = table.schema, table.name
        cursor.execute(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s "
            "AND TABLE_TYPE = 'BASE TABLE'",
            (schema, name),
        )
        if cursor.fetchone() is None:
            return None
        where = "TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s"
        cursor.execute(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES', COLUMN_DEFAULT, "
            "EXTRA LIKE '%%auto_increment%%' OR EXTRA LIKE '%%GENERATED%%' "
            f"FROM information_schema.COLUMNS WHERE {where}",
            (schema, name),
        )
        columns = {
            self.dialect.fold(column): ColumnInfo(
                column_type, bool(nullable), self.live_default(default), bool(generated)
            )
            for column, column_type, nullable, default, generated in cursor.fetchall()
        }
        # SUB_PART: an index on a prefix of the column; COLUMN_NAME NULL: a functional key part (MySQL 8).
        cursor.execute(
            "SELECT INDEX_NAME, NON_UNIQUE = 0, COLUMN_NAME, SUB_PART IS NOT NULL FROM information_schema.STATISTICS "
            f"WHERE {where} ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (schema, name),
        )
        keys = {}
        for index, unique, column, prefix in cursor.fetchall():
            entry = keys.setdefault(self.dialect.fold(index), [bool(unique), [], False])
            entry[1].append(self.dialect.fold(column) if column is not None else None)
            entry[2] = entry[2] or bool(prefix) or column is None
        indexes, primary_key = {}, ()
        for index, (unique, key_columns, partial) in keys.items():
            kind = "primary_key" if index == "primary" else "index"
            indexes[index] = ObjectInfo(kind, None if partial else tuple(key_columns), unique, partial=partial)
            if kind == "primary_key":
                primary_key = tuple(key_columns)
        cursor.execute(
            # The connection's database is the schema migration.sql leaves unsaid.
            "SELECT c.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, k.COLUMN_NAME, "
            "IF(k.REFERENCED_TABLE_SCHEMA = DATABASE(), '', k.REFERENCED_TABLE_SCHEMA), "
            "k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE "
            "FROM information_schema.TABLE_CONSTRAINTS c "
            "LEFT JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA "
            "AND k.TABLE_NAME = c.TABLE_NAME AND k.CONSTRAINT_NAME = c.CONSTRAINT_NAME "
            "LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA "
            "AND r.TABLE_NAME = c.TABLE_NAME AND r.CONSTRAINT_NAME = c.CONSTRAINT_NAME "
            "WHERE c.CONSTRAINT_SCHEMA = COALESCE(%s, DATABASE()) AND c.TABLE_NAME = %s "
            "AND c.CONSTRAINT_TYPE IN ('FOREIGN KEY', 'CHECK') ORDER BY c.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            (schema, name),
        )
        found = {}
        for constraint, kind, column, ref_schema, ref_table, ref_column, on_delete, on_update in cursor.fetchall():
            # A key REFERENTIAL_CONSTRAINTS does not list (a check: no key at all) has no actions read.
            actions = referential_actions(on_delete, on_update) if on_delete else None
            entry = found.setdefault(self.dialect.fold(constraint), [kind, [], None, [], actions])
            if column is not None:
                entry[1].append(self.dialect.fold(column))
            if ref_table is not None:
                entry[2] = (self.dialect.fold(ref_schema or ""), self.dialect.fold(ref_table))
                entry[3].append(self.dialect.fold(ref_column))
        constraints = {
            constraint: ObjectInfo(
                "foreign_key", tuple(key_columns), ref_table=reference, ref_columns=tuple(ref_columns), actions=actions
            )
            if kind == "FOREIGN KEY"
            else ObjectInfo("check")
            for constraint, (kind, key_columns, reference, ref_columns, actions) in found.items()
        }
        cursor.execute(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS "
            "WHERE EVENT_OBJECT_SCHEMA = COALESCE(%s, DATABASE()) AND EVENT_OBJECT_TABLE = %s",
            (schema, name),
        )
        triggers = frozenset(self.dialect.fold(trigger) for (trigger,) in cursor.fetchall())
        return TableInfo(columns, indexes, constraints, primary_key, triggers)

    def _existence_query(self, kind: str, schema: str | None, name: str) -> tuple[str, tuple] | None:
        if kind in ("function", "procedure"):
            return (
                "SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = COALESCE(%s, DATABASE()) "
                "AND ROUTINE_NAME = %s AND ROUTINE_TYPE = %s",
                (schema, name, kind.upper()),
            )
        if kind in ("view", "sequence"):
            return (
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) "
                "AND TABLE_NAME = %s AND TABLE_TYPE = %s",
                (schema, name, "VIEW" if kind == "view" else "SEQUENCE"),
            )
        if kind == "schema":
            return "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,)
        return None

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        # InnoDB's TABLE_ROWS is an estimate from its statistics, as is the size.
        cursor.execute(
            "SELECT TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s",
            (table.schema, table.name),
        )
        row = cursor.fetchone()
        return None if row is None else (row[0], row[1])
