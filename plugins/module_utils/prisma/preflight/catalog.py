# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live catalog as the verdict sees it: what each fact of preflight/replay.py is in the database now.

Each database's Catalog part reads it (catalog_table, catalog_type, catalog_thing, with databases/shared.py's
TableInfo);
read_live_catalog asks them for exactly the tables, types and objects the migration's facts name. Comparing is
three-valued: True and False only where the catalog answers for certain, None where it cannot tell (a type the
database cannot compare, an object it does not read, a name used twice).
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import UNREADABLE
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.replay import (
    ABSENT,
    ABSENT_OR_INVALID,
    ANY_DEFAULT,
    INDEX_KINDS,
    NO_DEFAULT,
    NO_PK,
    PRESENT,
    ObjectSpec,
    SqlText,
)


class LiveCatalog:
    """Facts as the database shows them now. `catalog` (the database's Catalog part) compares types and defaults."""

    def __init__(self, catalog, tables: dict, types: dict, things: dict):
        self.catalog = catalog
        # table key -> TableInfo or None; (schema, type) -> labels tuple (enum), () (another type), None, UNREADABLE;
        # (kind, scope, name) -> bool or UNREADABLE.
        self.tables = tables
        self.types = types
        self.things = things

    def value(self, fact):
        """The fact's value now, in the values replay.py uses; None when the catalog cannot tell."""
        kind = fact[0]
        if kind == "thing":
            if fact[1] == "trigger":
                info = self.tables.get(fact[2])
                if info is None:
                    return False if fact[2] in self.tables else None
                return None if info.triggers is None else self.catalog.dialect.fold(fact[3]) in info.triggers
            found = self.things.get(fact[1:], UNREADABLE)
            return None if found is UNREADABLE else found
        if kind in ("type_exists", "labels", "label"):
            labels = self.types.get(fact[1:3], UNREADABLE)
            if labels is UNREADABLE:
                return None
            if kind == "type_exists":
                return labels is not None
            if labels is None:
                # A label of a type that does not exist does not exist either.
                return None if kind == "labels" else False
            if labels == ():
                return None
            return frozenset(labels) if kind == "labels" else fact[3] in labels
        table = fact[1]
        if table not in self.tables:
            # An index no table owns (DROP INDEX of a name the database does not have).
            return ABSENT if kind in ("index", "constraint") and table[1] is None else None
        info = self.tables[table]
        if kind == "table":
            return info is not None
        if info is None:
            return {"column": False, "index": ABSENT, "constraint": ABSENT, "any": False}.get(kind)
        if kind == "columns":
            return frozenset(info.columns)
        if kind in ("column", "type", "nullable", "default"):
            column = info.columns.get(fact[2])
            if kind == "column":
                return column is not None
            if column is None:
                return None
            if kind == "type":
                return column.type
            if kind == "nullable":
                return column.nullable
            return None if column.generated else (column.default if column.default is not None else NO_DEFAULT)
        if kind == "pk":
            return info.primary_key or NO_PK
        name = fact[2]
        if name in info.ambiguous:
            return None
        if kind == "index":
            return info.indexes.get(name, ABSENT)
        if kind == "constraint":
            return info.constraints.get(name, ABSENT)
        if kind == "any":
            return name in info.indexes or name in info.constraints
        if kind == "validated":
            found = info.constraints.get(name)
            return None if found is None else found.validated
        return None

    def compare(self, fact, expected) -> bool | None:
        """Whether the database shows `expected` for the fact: True, False, or None when it cannot tell."""
        live = self.value(fact)
        if live is None:
            return None
        kind = fact[0]
        if kind == "type":
            return self.catalog.compare_types(expected.text, live) if isinstance(expected, SqlText) else None
        if kind == "default":
            return compare_defaults(self.catalog, expected, live)
        if kind in ("index", "constraint"):
            return compare_objects(expected, live)
        if expected is PRESENT:
            return live is not ABSENT and live is not NO_PK and live is not False
        return expected == live


def compare_defaults(catalog, expected, live) -> bool | None:
    """Two defaults the catalog shows differently may still be the same: only their absence is certain."""
    if expected is NO_DEFAULT or live is NO_DEFAULT:
        return expected is live
    if expected is ANY_DEFAULT:
        return True
    return True if catalog.same_default(expected.text, live) else None


def compare_objects(expected, live) -> bool | None:
    if expected is ABSENT_OR_INVALID:
        return live is ABSENT or not live.valid
    if expected is ABSENT or live is ABSENT:
        return expected is live
    if not live.valid:
        # An index a failed CREATE INDEX CONCURRENTLY left behind: neither what the statement makes nor nothing.
        return False
    if expected is PRESENT:
        return True
    if not isinstance(expected, ObjectSpec):
        return None
    expected_group = "index" if expected.kind in INDEX_KINDS else expected.kind
    live_group = "index" if live.kind in INDEX_KINDS else live.kind
    if expected_group != live_group:
        return False if "other" not in (expected_group, live_group) else None
    if expected_group == "index" and expected.unique != live.unique:
        return False
    if expected.columns is None or live.columns is None or expected.partial or live.partial:
        return None
    if expected.columns != live.columns:
        return False
    if expected.kind == "foreign_key":
        if expected.ref_table is not None and live.ref_table is not None and expected.ref_table != live.ref_table:
            return False
        if expected.ref_columns and live.ref_columns and expected.ref_columns != live.ref_columns:
            return False
        if expected.actions is not None and live.actions is not None and expected.actions != live.actions:
            return False
    return True


def read_live_catalog(catalog, cursor, facts, originals: dict) -> LiveCatalog:
    """Read what the facts name. `originals` maps a folded table or type key to its name as written (TableName)."""
    tables, types, things = {}, {}, {}
    for fact in facts:
        kind = fact[0]
        if kind == "thing" and fact[1] == "trigger":
            key = fact[2]
        elif kind == "thing":
            name = originals.get(fact)
            if fact[1:] not in things and name is not None:
                things[fact[1:]] = catalog.catalog_thing(cursor, fact[1], name.schema, name.name)
            continue
        elif kind in ("type_exists", "labels", "label"):
            if fact[1:3] not in types:
                name = originals.get(("type", *fact[1:3]))
                types[fact[1:3]] = (
                    catalog.catalog_type(cursor, name.schema, name.name) if name is not None else UNREADABLE
                )
            continue
        else:
            key = fact[1]
        name = originals.get(("table", *key))
        if key not in tables and name is not None:
            tables[key] = catalog.catalog_table(cursor, name)
    return LiveCatalog(catalog, tables, types, things)
