# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: what its live catalog says of a table, a type, an object, and how big a table is."""

from __future__ import annotations

from contextlib import suppress

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import Catalog
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    ColumnInfo,
    ObjectInfo,
    TableInfo,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import referential_actions


def sql_server_type(name: str, length: int, precision: int, scale: int) -> str:
    """A column's type as migration.sql would write it, from sys.columns (lengths are in bytes, -1 is MAX)."""
    name = name.lower()
    if name in ("nvarchar", "nchar", "varchar", "char", "varbinary", "binary"):
        size = "max" if length == -1 else length // 2 if name.startswith("n") else length
        return f"{name}({size})"
    if name in ("decimal", "numeric"):
        return f"{name}({precision},{scale})"
    if name in ("datetime2", "datetimeoffset", "time"):
        return f"{name}({scale})"
    return name


class MssqlCatalog(Catalog):
    def _object_id(self, cursor, table) -> int | None:
        """The table's object_id, None when there is no such table."""
        row = self._first_row(
            cursor,
            "SELECT t.object_id FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id "
            "WHERE s.name = ? AND t.name = ?",
            table.schema,
            table.name,
        )
        return None if row is None else row[0]

    def catalog_table(self, cursor, table) -> TableInfo | None:
        object_id = self._object_id(cursor, table)
        if object_id is None:
            return None
        cursor.execute(
            "SELECT c.name, ty.name, c.max_length, c.precision, c.scale, c.is_nullable, "
            "c.is_identity | c.is_computed, d.definition FROM sys.columns c "
            "JOIN sys.types ty ON ty.user_type_id = c.user_type_id "
            "LEFT JOIN sys.default_constraints d ON d.parent_object_id = c.object_id "
            "AND d.parent_column_id = c.column_id WHERE c.object_id = ?",
            (object_id,),
        )
        columns = {
            self.dialect.fold(name): ColumnInfo(
                sql_server_type(type_name, length, precision, scale),
                bool(nullable),
                self.live_default(default),
                bool(generated),
            )
            for name, type_name, length, precision, scale, nullable, generated, default in cursor.fetchall()
        }
        cursor.execute(
            "SELECT i.name, i.is_unique, i.is_primary_key, i.is_unique_constraint, i.is_disabled, i.has_filter, "
            "c.name FROM sys.indexes i "
            "JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id "
            "JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id "
            "WHERE i.object_id = ? AND i.name IS NOT NULL AND ic.key_ordinal > 0 ORDER BY i.name, ic.key_ordinal",
            (object_id,),
        )
        found = {}
        for name, unique, primary, constraint, disabled, filtered, column in cursor.fetchall():
            kind = "primary_key" if primary else "unique" if constraint else "index"
            entry = found.setdefault(self.dialect.fold(name), [kind, bool(unique), not disabled, bool(filtered), []])
            entry[4].append(self.dialect.fold(column))
        indexes = {
            name: ObjectInfo(kind, None if filtered else tuple(keys), unique, valid, partial=filtered)
            for name, (kind, unique, valid, filtered, keys) in found.items()
        }
        primary_key = next((info.columns or () for info in indexes.values() if info.kind == "primary_key"), ())
        constraints = self._constraints(cursor, object_id)
        cursor.execute("SELECT name FROM sys.triggers WHERE parent_id = ?", (object_id,))
        triggers = frozenset(self.dialect.fold(name) for (name,) in cursor.fetchall())
        return TableInfo(columns, indexes, constraints, primary_key, triggers)

    def _constraints(self, cursor, object_id) -> dict:
        cursor.execute(
            "SELECT f.name, f.is_disabled, f.is_not_trusted, rs.name, rt.name, pc.name, rc.name, "
            "f.delete_referential_action_desc, f.update_referential_action_desc "
            "FROM sys.foreign_keys f JOIN sys.foreign_key_columns fc ON fc.constraint_object_id = f.object_id "
            "JOIN sys.columns pc ON pc.object_id = fc.parent_object_id AND pc.column_id = fc.parent_column_id "
            "JOIN sys.columns rc ON rc.object_id = fc.referenced_object_id AND rc.column_id = fc.referenced_column_id "
            "JOIN sys.tables rt ON rt.object_id = f.referenced_object_id "
            "JOIN sys.schemas rs ON rs.schema_id = rt.schema_id "
            "WHERE f.parent_object_id = ? ORDER BY f.name, fc.constraint_column_id",
            (object_id,),
        )
        keys = {}
        for row in cursor.fetchall():
            name, disabled, untrusted, ref_schema, ref_table, column, ref_column, on_delete, on_update = row
            entry = keys.setdefault(
                self.dialect.fold(name),
                [
                    not (disabled or untrusted),
                    (self.dialect.fold(ref_schema), self.dialect.fold(ref_table)),
                    [],
                    [],
                    referential_actions(on_delete, on_update) if on_delete else None,
                ],
            )
            entry[2].append(self.dialect.fold(column))
            entry[3].append(self.dialect.fold(ref_column))
        constraints = {
            name: ObjectInfo(
                "foreign_key",
                tuple(columns),
                validated=validated,
                ref_table=reference,
                ref_columns=tuple(refs),
                actions=actions,
            )
            for name, (validated, reference, columns, refs, actions) in keys.items()
        }
        cursor.execute(
            "SELECT name, is_disabled, is_not_trusted FROM sys.check_constraints WHERE parent_object_id = ?",
            (object_id,),
        )
        for name, disabled, untrusted in cursor.fetchall():
            constraints[self.dialect.fold(name)] = ObjectInfo("check", validated=not (disabled or untrusted))
        cursor.execute(
            "SELECT d.name, c.name FROM sys.default_constraints d JOIN sys.columns c "
            "ON c.object_id = d.parent_object_id AND c.column_id = d.parent_column_id WHERE d.parent_object_id = ?",
            (object_id,),
        )
        for name, column in cursor.fetchall():
            constraints[self.dialect.fold(name)] = ObjectInfo("default", (self.dialect.fold(column),))
        return constraints

    def _existence_query(self, kind: str, schema: str | None, name: str) -> tuple[str, tuple] | None:
        types = {"view": ("V",), "procedure": ("P",), "function": ("FN", "IF", "TF"), "sequence": ("SO",)}
        if kind in types:
            marks = ", ".join("?" for _type in types[kind])
            return (
                "SELECT 1 FROM sys.objects o JOIN sys.schemas s ON s.schema_id = o.schema_id "
                f"WHERE s.name = ? AND o.name = ? AND o.type IN ({marks})",
                (schema or self.target.schema, name, *types[kind]),
            )
        if kind == "schema":
            return "SELECT 1 FROM sys.schemas WHERE name = ?", (name,)
        return None

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        object_id = self._object_id(cursor, table)
        if object_id is None:
            return None
        rows = size = None
        # Row counts of the heap or clustered index, and the pages used; a server that hides either (permissions,
        # Babelfish) gives no estimate rather than an error, whose rollback ends nothing of value here.
        try:
            cursor.execute(
                "SELECT SUM(rows) FROM sys.partitions WHERE object_id = ? AND index_id IN (0, 1)", (object_id,)
            )
            rows = cursor.fetchone()[0]
            cursor.execute(
                "SELECT SUM(used_page_count) * 8192 FROM sys.dm_db_partition_stats WHERE object_id = ?", (object_id,)
            )
            size = cursor.fetchone()[0]
        except Exception:  # the drivers share no base class
            with suppress(Exception):
                cursor.connection.rollback()
        return (None if rows is None else int(rows)), (None if size is None else int(size))
