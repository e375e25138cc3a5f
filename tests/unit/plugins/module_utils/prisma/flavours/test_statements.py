"""Every statement each flavour sends for `_prisma_migrations`, pinned as text: the DDL, the reads and writes, the
lock, and how timestamps are bound and read back."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    open_database,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import read_timestamp
from ansible_collections.backoffice.dbops.tests.support.recording import RecordingCursor

T = datetime(2020, 11, 27, 13, 49, 38, 123456, tzinfo=UTC)
URLS = {
    "postgresql": "postgresql://u@h/d",
    "mysql": "mysql://u@h/d",
    "sqlite": "file:/tmp/dev.db",
    "sqlserver": "sqlserver://h;database=d",
}


def flavour(provider: str, **query):
    url = URLS[provider] + "".join(f"{'?' if provider != 'sqlserver' else ';'}{k}={v}" for k, v in query.items())
    return open_database(url)


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


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (1606484978123, datetime(2020, 11, 27, 13, 49, 38, 123000, tzinfo=UTC)),
        ("1606484978123", datetime(2020, 11, 27, 13, 49, 38, 123000, tzinfo=UTC)),
        ("2020-11-27 13:49:38", datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        ("2020-11-27T13:49:38.5+01:00", datetime(2020, 11, 27, 12, 49, 38, 500000, tzinfo=UTC)),
        ("2020-11-27T13:49:38Z", datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        (b"2020-11-27 13:49:38", datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        (datetime(2020, 11, 27, 13, 49, 38), datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        (
            datetime(2020, 11, 27, 14, 49, 38, tzinfo=timezone(timedelta(hours=1))),
            datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC),
        ),
        (None, None),
    ],
)
def test_read_timestamp_any_storage(stored, expected):
    assert read_timestamp(stored) == expected


def test_unreadable_timestamp_is_an_error():
    with pytest.raises(ValueError, match="unreadable timestamp"):
        read_timestamp("yesterday")
