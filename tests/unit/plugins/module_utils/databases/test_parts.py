"""Every database's parts (databases/<name>/): one contract run over each family (each puts together a part of every
kind databases/parts.py and databases/preflight_parts.py define, and each part keeps the promises its users rely on; a
fifth database passes it by adding one line to FAMILIES), then every statement each sends for `_prisma_migrations`,
pinned as text: the DDL, the reads and writes, the lock, and how timestamps are bound."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases import parts as contract
from ansible_collections.backoffice.dbops.plugins.module_utils.databases import preflight_parts
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    FAMILY_OF_PROVIDER,
    family,
    open_database,
    parse_database_url,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import read_timestamp
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.lock_impact import LockImpact
from ansible_collections.backoffice.dbops.tests.support.recording import RecordingCursor

T = datetime(2020, 11, 27, 13, 49, 38, 123456, tzinfo=UTC)


URLS = {
    "postgresql": "postgresql://u@h/d",
    "mysql": "mysql://u@h/d",
    "sqlite": "file:/tmp/dev.db",
    "sqlserver": "sqlserver://h;database=d",
}


# What starts a URL's parameters: SQL Server's JDBC-style URLs separate every parameter with `;`.
SEPARATORS = {"sqlserver": ";"}


def flavour(provider: str, **query):
    separator = SEPARATORS.get(provider, "?")
    return open_database(URLS[provider] + "".join(f"{separator}{k}={v}" for k, v in query.items()))


def test_sqlserver_statements_are_exact():
    sqlserver = flavour("sqlserver")
    assert sqlserver.history.table == "[dbo].[_prisma_migrations]"
    assert sqlserver.history.select_history == (
        "SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count "
        "FROM [dbo].[_prisma_migrations] ORDER BY started_at ASC"
    )
    assert sqlserver.history.mark_rolled_back == (
        "UPDATE [dbo].[_prisma_migrations] SET rolled_back_at = CAST(? AS DATETIMEOFFSET) WHERE id = ?"
    )
    assert sqlserver.history.insert_applied == (
        "INSERT INTO [dbo].[_prisma_migrations] (id, checksum, logs, started_at, finished_at, migration_name) "
        "VALUES (?, ?, ?, CAST(? AS DATETIMEOFFSET), CAST(? AS DATETIMEOFFSET), ?)"
    )
    assert sqlserver.history.create_table == (
        "CREATE TABLE [dbo].[_prisma_migrations] (\n"
        "    id                      VARCHAR(36) PRIMARY KEY NOT NULL,\n"
        "    checksum                VARCHAR(64) NOT NULL,\n"
        "    finished_at             DATETIMEOFFSET,\n"
        "    migration_name          NVARCHAR(250) NOT NULL,\n"
        "    logs                    NVARCHAR(MAX) NULL,\n"
        "    rolled_back_at          DATETIMEOFFSET,\n"
        "    started_at              DATETIMEOFFSET NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
        "    applied_steps_count     INT NOT NULL DEFAULT 0\n"
        ")"
    )
    assert sqlserver.history.table_exists_query() == (
        "SELECT 1 FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations'",
        ("dbo",),
    )
    assert sqlserver.history.bind_timestamp(T) == "2020-11-27 13:49:38.123456 +00:00"


def test_schema_names_are_quoted_not_injected():
    assert flavour("sqlserver", schema="we]ird").history.table == "[we]]ird].[_prisma_migrations]"
    assert flavour("postgresql", schema='we"ird').history.table == '"we""ird"."_prisma_migrations"'
    assert flavour("postgresql", schema="api").history.prepare_table == ('CREATE SCHEMA IF NOT EXISTS "api"',)


@pytest.mark.parametrize(
    ("provider", "granted", "statements"),
    [
        (
            "postgresql",
            None,
            [
                ("SELECT set_config('lock_timeout', %s, true)", ("7000ms",)),
                ("SELECT pg_advisory_xact_lock(72707369)", ()),
            ],
        ),
        ("mysql", 1, [("SELECT GET_LOCK('prisma_migrate', %s)", (7,)), ("START TRANSACTION", ())]),
        ("sqlite", None, [("BEGIN IMMEDIATE", ())]),
        (
            "sqlserver",
            0,
            [
                (
                    "SET NOCOUNT ON; DECLARE @result INT; EXEC @result = sp_getapplock @Resource = N'prisma_migrate', "
                    "@LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = ?; SELECT @result",
                    (7000,),
                )
            ],
        ),
    ],
)
def test_each_flavour_takes_prismas_lock(provider, granted, statements):
    cursor = RecordingCursor(answers=[(granted,)] if granted is not None else [])
    assert flavour(provider).lock.begin_locked(cursor, 7) is True
    assert cursor.statements == statements


@pytest.mark.parametrize(
    ("provider", "refused"), [("mysql", 0), ("mysql", None), ("sqlserver", -1), ("sqlserver", -999)]
)
def test_a_refused_lock_is_reported_not_ignored(provider, refused):
    cursor = RecordingCursor(answers=[(refused,)])
    assert flavour(provider).lock.begin_locked(cursor, 1) is False


def test_mysql_releases_its_session_lock():
    cursor = RecordingCursor()
    flavour("mysql").lock.end_locked(cursor)
    assert cursor.statements == [("SELECT RELEASE_LOCK('prisma_migrate')", ())]


def test_mysql_table_matches_prismas_ddl():
    ddl = flavour("mysql").history.create_table
    assert "DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)" in ddl
    assert ddl.endswith("DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("postgresql", T),
        ("mysql", T.replace(tzinfo=None)),
        ("sqlite", 1606484978123),
    ],
)
def test_bind_timestamp(provider, expected):
    assert flavour(provider).history.bind_timestamp(T) == expected


def test_sqlite_follows_the_storage_of_its_own_rows():
    sqlite = flavour("sqlite")
    text_row = ("id", "c", None, "m", None, None, "2020-11-27T13:49:37.000+00:00", 0)
    integer_row = ("id", "c", None, "m", None, None, 1606484977000, 0)
    assert sqlite.history.timestamp_binder([text_row])(T) == "2020-11-27T13:49:38.123+00:00"
    assert sqlite.history.timestamp_binder([integer_row])(T) == 1606484978123
    assert sqlite.history.timestamp_binder([])(T) == 1606484978123
    assert read_timestamp("2020-11-27T13:49:38.123+00:00") == T.replace(microsecond=123000)


def test_now_is_truncated_to_what_the_column_keeps():
    assert flavour("mysql").history.now().microsecond % 1000 == 0
    assert flavour("sqlite").history.now().microsecond % 1000 == 0


# family -> (a DATABASE_URL with every part set, what parsing it must give, a known error: (code, message)).
FAMILIES = {
    "postgres": (
        "postgresql://app:s3cret@db.example:5433/shop?schema=tenant",
        {"provider": "postgresql", "host": "db.example", "port": 5433, "database": "shop", "user": "app",
         "password": "s3cret", "schema": "tenant"},
        ("23505", 'duplicate key value violates unique constraint "User_bio_key"'),
    ),
    "mysql": (
        "mysql://app:s3cret@db.example:3307/shop",
        {"provider": "mysql", "host": "db.example", "port": 3307, "database": "shop", "user": "app",
         "password": "s3cret"},
        ("1062", "Duplicate entry 'x' for key 'User_bio_key'"),
    ),
    "sqlite": (
        "file:/var/lib/app/dev.db",
        {"provider": "sqlite", "path": "/var/lib/app/dev.db"},
        ("2067", "UNIQUE constraint failed: User.bio"),
    ),
    "mssql": (
        "sqlserver://db.example:1434;database=shop;user=app;password=s3cret;schema=tenant",
        {"provider": "sqlserver", "host": "db.example", "port": 1434, "database": "shop", "user": "app",
         "password": "s3cret", "schema": "tenant"},
        ("2627", "Violation of UNIQUE KEY constraint 'User_bio_key'. Cannot insert duplicate key in object."),
    ),
}  # fmt: skip


# Each family's URL form, written back from a parsed target's fields.
URL_FORMS = {
    "postgres": "postgresql://{user}:{password}@{host}:{port}/{database}?schema={schema}",
    "mysql": "mysql://{user}:{password}@{host}:{port}/{database}",
    "sqlite": "file:{path}",
    "mssql": "sqlserver://{host}:{port};database={database};user={user};password={password};schema={schema}",
}
# Each part's kind, as Parts names it.
KINDS = {
    "dialect": contract.Dialect,
    "driver": contract.Driver,
    "history": contract.HistoryTable,
    "lock": contract.MigrateLock,
    "codes": contract.CodeTable,
    "catalog": preflight_parts.Catalog,
    "rehearsal": preflight_parts.Rehearsal,
}


def test_every_provider_has_a_family_under_test():
    assert set(FAMILY_OF_PROVIDER.values()) == set(FAMILIES)


@pytest.fixture(params=list(FAMILIES))
def database(request):
    return open_database(FAMILIES[request.param][0], kind=PreflightDatabase)


def test_the_family_puts_together_one_part_of_each_kind(database):
    # The preflight's parts (catalog, rehearsal, lock rules) are built on first use, from the family's classes.
    for name, kind in KINDS.items():
        assert isinstance(getattr(database, name), kind), name
    assert isinstance(database.impact, LockImpact)
    assert database.dialect.lockfile_providers[0] in (database.target.provider, "mssql")
    assert database.family is family(FAMILY_OF_PROVIDER[database.target.provider])


def test_the_url_parses_into_its_parts_round_trips_and_is_described_without_the_password(database):
    name = database.family.__name__.rsplit(".", 1)[-1]
    url, expected, _error = FAMILIES[name]
    target = parse_database_url(url)
    assert {key: getattr(target, key) for key in expected} == expected
    assert parse_database_url(URL_FORMS[name].format(**vars(target))) == target
    assert "s3cret" not in target.describe() and "s3cret" not in repr(target)
    assert target.provider == database.dialect.provider


def test_the_dialect_quotes_identifiers(database):
    dialect = database.dialect
    plain, odd = dialect.quote_name("User"), 'we"ird`na]me'
    assert plain != "User" and "User" in plain, plain
    # Whatever quote character the database uses is doubled inside the name: the name cannot end the quoting.
    quoted = dialect.quote_name(odd)
    opening, closing = plain[0], plain[-1]
    assert quoted.startswith(opening) and quoted.endswith(closing)
    assert quoted[1:-1].replace(closing * 2, "").count(closing) == 0, quoted
    assert dialect.provider == database.target.provider


def test_the_history_table_is_prismas(database):
    history = database.history
    assert "_prisma_migrations" in history.table
    for statement in (history.create_table, history.select_history, history.mark_rolled_back, history.insert_applied):
        assert "_prisma_migrations" in statement
    for column in ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at",
                   "applied_steps_count"):  # fmt: skip
        assert column in history.create_table
    sql, params = history.table_exists_query()
    assert isinstance(sql, str) and isinstance(params, tuple)
    assert history.bind_timestamp(T) is not None
    assert history.now().tzinfo is not None


def test_the_migrate_lock_is_taken_on_the_cursor_it_is_given(database):
    # 1 grants the lock wherever the server answers (GET_LOCK, sp_getapplock); the others take it or raise.
    cursor = RecordingCursor(answers=[(1,)])
    assert database.lock.begin_locked(cursor, 10) is True
    assert cursor.statements, "taking the lock sends at least one statement"


def test_the_code_table_classifies_a_known_error_into_the_shared_vocabulary(database):
    _url, _expected, (code, message) = FAMILIES[database.family.__name__.rsplit(".", 1)[-1]]
    assert database.codes.classify_error(code, message) == "unique_violation"
    assert database.codes.classify_error(None, message) == "unique_violation"
    assert all(isinstance(key, str) for key in database.codes.error_kinds)


def test_the_catalog_compares_a_type_with_itself_as_the_same_or_cannot_tell(database):
    assert database.catalog.compare_types("INT", "INT") in (True, None)
