# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: what its live catalog says of a table, a type, an object, and how big a table is."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import Catalog
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    ColumnInfo,
    ObjectInfo,
    TableInfo,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import referential_actions

_RELATION = (
    "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relname = %s AND c.relkind = '{kind}'"
)

# pg_constraint.confdeltype and confupdtype.
_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


class PostgresCatalog(Catalog):
    type_synonyms = {"SERIAL": "INT", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}

    def catalog_table(self, cursor, table) -> TableInfo | None:
        row = self._first_row(
            cursor,
            "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')",
            table.schema,
            table.name,
        )
        if row is None:
            return None
        oid = row[0]
        cursor.execute(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, "
            "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '' OR a.attgenerated <> '' "
            "FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d "
            "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped",
            (oid,),
        )
        columns = {
            name: ColumnInfo(type_name, bool(nullable), self.live_default(default), bool(generated))
            for name, type_name, nullable, default, generated in cursor.fetchall()
        }
        # Key columns in order; an expression is a NULL name. A unique or primary key constraint shows as its index.
        cursor.execute(
            "SELECT i.relname, x.indisunique, x.indisprimary, x.indisvalid AND x.indisready, "
            "x.indexprs IS NOT NULL OR x.indpred IS NOT NULL, "
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype = 'u'), "
            "ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) "
            "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
            "WHERE k.position <= x.indnkeyatts ORDER BY k.position) "
            "FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s",
            (oid,),
        )
        indexes, primary_key = {}, ()
        for name, unique, primary, valid, partial, constraint, keys in cursor.fetchall():
            kind = "primary_key" if primary else "unique" if constraint else "index"
            expression = partial or any(key is None for key in keys)
            indexes[name] = ObjectInfo(
                kind, None if expression else tuple(keys), bool(unique), bool(valid), partial=bool(expression)
            )
            if primary:
                primary_key = tuple(keys)
        cursor.execute(
            "SELECT k.conname, k.contype, k.convalidated, "
            "ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS c(attnum, position) "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.attnum ORDER BY c.position), "
            "rn.nspname, r.relname, "
            "ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY AS c(attnum, position) "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c.attnum ORDER BY c.position), "
            "k.confdeltype, k.confupdtype "
            "FROM pg_catalog.pg_constraint k LEFT JOIN pg_catalog.pg_class r ON r.oid = k.confrelid "
            "LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace "
            "WHERE k.conrelid = %s AND k.contype IN ('f', 'c')",
            (oid,),
        )
        constraints = {}
        for name, kind, validated, keys, ref_schema, ref_table, ref_keys, on_delete, on_update in cursor.fetchall():
            constraints[name] = ObjectInfo(
                "foreign_key" if kind == "f" else "check",
                tuple(keys) if kind == "f" else None,
                validated=bool(validated),
                ref_table=(ref_schema, ref_table) if ref_table else None,
                ref_columns=tuple(ref_keys or ()),
                actions=referential_actions(_ACTIONS[on_delete], _ACTIONS[on_update]) if kind == "f" else None,
            )
        cursor.execute("SELECT tgname FROM pg_catalog.pg_trigger WHERE tgrelid = %s AND NOT tgisinternal", (oid,))
        triggers = frozenset(name for (name,) in cursor.fetchall())
        return TableInfo(
            columns, indexes, constraints, primary_key, triggers, frozenset(indexes).intersection(constraints)
        )

    def catalog_type(self, cursor, schema: str | None, name: str):
        # A table's row type is a type of the same name: only types of their own count.
        row = self._first_row(
            cursor,
            "SELECT t.typtype, ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid "
            "ORDER BY e.enumsortorder) FROM pg_catalog.pg_type t "
            "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
            "LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid "
            "WHERE n.nspname = %s AND t.typname = %s AND (t.typrelid = 0 OR c.relkind = 'c')",
            schema,
            name,
        )
        if row is None:
            return None
        return tuple(row[1]) if row[0] == "e" else ()

    def _existence_query(self, kind: str, schema: str | None, name: str) -> tuple[str, tuple] | None:
        in_schema = (schema or self.target.schema, name)
        return {
            "function": (
                "SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = %s AND p.proname = %s AND p.prokind = 'f'",
                in_schema,
            ),
            "procedure": (
                "SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = %s AND p.proname = %s AND p.prokind = 'p'",
                in_schema,
            ),
            "view": (_RELATION.format(kind="v"), in_schema),
            "materialized_view": (_RELATION.format(kind="m"), in_schema),
            "sequence": (_RELATION.format(kind="S"), in_schema),
            "extension": ("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = %s", (name,)),
            "schema": ("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (name,)),
        }.get(kind)

    def catalog_index_table(self, cursor, schema: str | None, index: str) -> str | None:
        row = self._first_row(
            cursor,
            "SELECT t.relname FROM pg_catalog.pg_index x "
            "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace WHERE n.nspname = %s AND i.relname = %s",
            schema,
            index,
        )
        return row[0] if row else None

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        # reltuples is -1 until the table is first vacuumed or analysed (PostgreSQL 14+): no estimate then. The size
        # is relpages (table, TOAST, indexes) as VACUUM/ANALYZE last counted them: pg_total_relation_size would wait
        # for a lock a running deployment holds.
        row = self._first_row(
            cursor,
            "SELECT c.reltuples::bigint, (c.relpages::bigint + COALESCE(t.relpages, 0) + COALESCE(("
            "SELECT sum(i.relpages) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = c.oid), 0)) * current_setting('block_size')::bigint "
            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p', 'm')",
            table.schema,
            table.name,
        )
        if row is None:
            return None
        rows, size = row
        return (None, None) if rows < 0 else (rows, size)
