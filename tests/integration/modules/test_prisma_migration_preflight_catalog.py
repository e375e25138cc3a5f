"""The verdict's catalog read against the real engines: each type and default written as Prisma writes them, read
back as the catalog shows it, must compare as the same (or "cannot tell"), never as different; two different types
must never compare as the same. This is what makes a verdict that turns on a type change (ALTER COLUMN ... TYPE,
MySQL's MODIFY) sound on each database: a wrong "different" would judge an applied statement as not applied.
"""

from __future__ import annotations

import itertools

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName

# (declared type, default or None); types of one tuple in SYNONYMS are stored as the same type.
TYPES = {
    "postgresql": [
        ("TEXT", "'x'"),
        ("VARCHAR(191)", None),
        ("VARCHAR(20)", "'short'"),
        ("CHAR(1)", None),
        ("INTEGER", "0"),
        ("SERIAL", None),
        ("BIGINT", None),
        ("BIGSERIAL", None),
        ("SMALLINT", None),
        ("DOUBLE PRECISION", "1.5"),
        ("REAL", None),
        ("DECIMAL(65,30)", None),
        ("DECIMAL(10,2)", "0.00"),
        ("BOOLEAN", "false"),
        ("TIMESTAMP(3)", "CURRENT_TIMESTAMP"),
        ("TIMESTAMPTZ(3)", None),
        ("TIMESTAMP(6)", None),
        ("DATE", None),
        ("TIME(6)", None),
        ("JSONB", """'{}'"""),
        ("JSON", None),
        ("UUID", None),
        ("BYTEA", None),
        ("TEXT[]", None),
        ("INTEGER[]", None),
        ('"Role"', """'USER'"""),
        ('"Role"[]', None),
        ("INET", None),
        ("XML", None),
        ("BIT(1)", None),
        ("INTERVAL", None),
    ],
    "mysql": [
        ("VARCHAR(191)", "'x'"),
        ("VARCHAR(20)", None),
        ("TEXT", None),
        ("MEDIUMTEXT", None),
        ("LONGTEXT", None),
        ("INTEGER", "0"),
        ("BIGINT", None),
        ("SMALLINT", None),
        ("TINYINT", None),
        ("BOOLEAN", "false"),
        ("DOUBLE", "1.5"),
        ("FLOAT", None),
        ("DECIMAL(65,30)", None),
        ("DECIMAL(10,2)", None),
        ("DATETIME(3)", "CURRENT_TIMESTAMP(3)"),
        ("DATETIME", None),
        ("DATE", None),
        ("TIME", None),
        ("JSON", None),
        ("ENUM('USER', 'ADMIN')", "'USER'"),
        ("CHAR(36)", None),
        ("BINARY(16)", None),
        ("VARBINARY(255)", None),
        ("BLOB", None),
        ("INTEGER UNSIGNED", None),
        ("BIT(1)", None),
    ],
    "sqlite": [
        ("TEXT", "'x'"),
        ("INTEGER", "0"),
        ("REAL", None),
        ("DECIMAL", None),
        ("BOOLEAN", "false"),
        ("DATETIME", "CURRENT_TIMESTAMP"),
        ("BLOB", None),
        ("BIGINT", None),
        ("JSONB", None),
    ],
    "sqlserver": [
        ("NVARCHAR(1000)", "'x'"),
        ("NVARCHAR(MAX)", None),
        ("VARCHAR(20)", None),
        ("INT", "0"),
        ("BIGINT", None),
        ("SMALLINT", None),
        ("TINYINT", None),
        ("BIT", "0"),
        ("DECIMAL(32,16)", None),
        ("DATETIME2", "CURRENT_TIMESTAMP"),
        ("DATE", None),
        ("UNIQUEIDENTIFIER", None),
        ("VARBINARY(MAX)", None),
        ("NCHAR(10)", None),
        ("REAL", None),
    ],
}
SYNONYMS = {
    "postgresql": [("INTEGER", "SERIAL"), ("BIGINT", "BIGSERIAL"), ("TIMESTAMP(6)",)],
    "mysql": [("TINYINT", "BOOLEAN"), ("TEXT",), ("LONGTEXT", "JSON")],
    "sqlite": [],
    "sqlserver": [],
}
SETUP = {"postgresql": ["CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN')"]}


def create(backend, provider):
    quote = backend.database.dialect.quote_name
    columns = []
    for position, (declared, default) in enumerate(TYPES[provider]):
        columns.append(f"{quote(f'c{position}')} {declared}" + (f" DEFAULT {default}" if default else ""))
    # A nullable column without DEFAULT, and one with DEFAULT NULL: both have no default.
    columns += [f"{quote('plain')} INTEGER NULL", f"{quote('null_default')} INTEGER NULL DEFAULT NULL"]
    for statement in SETUP.get(provider, []):
        backend.execute(statement)
    backend.execute(f"CREATE TABLE {backend.database.dialect.qualified(TableName('Typed'))} ({', '.join(columns)})")


@pytest.mark.parametrize("provider", ["postgresql", "mysql", "sqlite", "sqlserver"])
def test_types_and_defaults_read_back_as_written(make_backend, provider):
    backend = make_backend(provider)
    create(backend, provider)
    catalog = backend.database.catalog
    connection = backend.connect()
    try:
        info = catalog.catalog_table(connection.cursor(), TableName("Typed"))
    finally:
        connection.close()
    fold = catalog.dialect.fold
    live = {name: info.columns[fold(f"c{position}")] for position, (name, _d) in enumerate(TYPES[provider])}

    same = {declared: catalog.compare_types(declared, column.type) for declared, column in live.items()}
    assert not [declared for declared, answer in same.items() if answer is False], (same, live)
    # Most types must be judged, not only left as "cannot tell".
    assert sum(answer is True for answer in same.values()) >= len(same) * 3 // 4, same

    groups = {declared: next((g for g in SYNONYMS[provider] if declared in g), (declared,)) for declared in live}
    wrong = [
        (first, second, live[second].type)
        for first, second in itertools.permutations(live, 2)
        if second not in groups[first] and catalog.compare_types(first, live[second].type) is True
    ]
    assert not wrong

    defaults = {}
    for position, (declared, default) in enumerate(TYPES[provider]):
        column = info.columns[catalog.dialect.fold(f"c{position}")]
        if default is None:
            assert column.default is None or column.generated or declared.endswith("SERIAL"), (declared, column)
        else:
            assert column.default is not None, declared
            defaults[declared] = catalog.same_default(default, column.default)
    # A default the catalog rewrites beyond recognition (MySQL's false is 0) is "cannot tell", never a difference.
    assert sum(defaults.values()) >= len(defaults) * 3 // 4, defaults
    assert info.columns[catalog.dialect.fold("plain")].default is None
    assert info.columns[catalog.dialect.fold("null_default")].default is None
