# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare a type or a default as migration.sql writes it with what the catalog shows (pure; sqlglot reads both).

Both sides go through sqlglot's reading for the database's dialect (`character varying(20)` and `VARCHAR(20)` are
the same type). Only what is certain is answered: two types are different when both are read and they differ in
name or in stated parameters; a parameter stated on one side only (`DECIMAL` against `decimal(10,0)`), a type the
catalog shows as another (each database's `uncomparable_types`) or a text sqlglot cannot read gives None. Two
defaults are only ever "the same" (True) or "cannot tell" (None): the catalog rewrites expressions too freely
(`'x'::text`, `((0))`) for a difference to be certain.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library

INTEGER_TYPES = ("TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "UTINYINT", "USMALLINT", "UMEDIUMINT", "UINT")


def type_key(text: str, dialect: str, synonyms: dict, display_widths: bool):
    """(type name, parameters) as sqlglot reads the text; None when it cannot."""
    sqlglot = import_library("sqlglot", "sqlglot", "to compare column types")
    from sqlglot import exp

    try:
        dtype = exp.DataType.build(text, dialect=dialect, udt=True)
    except Exception:  # sqlglot raises several classes for unreadable types
        return None
    del sqlglot
    name = dtype.this.name
    if name in ("USERDEFINED", "ARRAY"):
        # A user-defined type (an enum) by its bare name, as the catalog may qualify or quote it.
        return (name, dtype.sql(dialect).replace('"', "").replace("`", "").split(".")[-1].lower())
    name = synonyms.get(name, name)
    params = tuple(param.sql(dialect).upper().replace(" ", "") for param in dtype.expressions)
    if display_widths and name in INTEGER_TYPES:
        params = ()
    return (name, params)


def compare_types(expected: str, live: str, dialect: str, synonyms=None, uncomparable=(), display_widths=False):
    """True (same), False (different for certain) or None (cannot tell)."""
    if expected is None or live is None:
        return None
    first = type_key(expected, dialect, synonyms or {}, display_widths)
    second = type_key(live, dialect, synonyms or {}, display_widths)
    if first is None or second is None:
        return None
    if first[0] in uncomparable or second[0] in uncomparable:
        return True if first == second else None
    if first[0] in ("USERDEFINED", "ARRAY") or second[0] in ("USERDEFINED", "ARRAY"):
        return first == second
    if first[0] != second[0]:
        return False
    if bool(first[1]) != bool(second[1]):
        return None
    return first[1] == second[1]


def same_default(expected: str, live: str, dialect: str) -> bool:
    """Whether two default expressions are the same once casts, parentheses and national strings are set aside."""
    first, second = _default_key(expected, dialect), _default_key(live, dialect)
    return first is not None and first == second


def is_null_default(text: str | None, dialect: str) -> bool:
    """DEFAULT NULL is no default."""
    return text is not None and _default_key(text, dialect) == "NULL"


def _default_key(text: str, dialect: str) -> str | None:
    sqlglot = import_library("sqlglot", "sqlglot", "to compare column defaults")
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except Exception:  # sqlglot raises several classes for unreadable expressions
        return None
    while True:
        if isinstance(tree, (exp.Paren, exp.Cast, exp.TryCast)):
            tree = tree.this
        elif isinstance(tree, exp.National):
            tree = exp.Literal.string(tree.this)
        else:
            break
    if isinstance(tree, exp.Anonymous) and tree.name.lower() in ("now", "getdate", "sysdatetime"):
        tree = exp.CurrentTimestamp()
    return tree.sql(dialect).upper()
