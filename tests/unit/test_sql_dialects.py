"""The exact SQL per database, including SQL Server's T-SQL that no server here runs."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils import sql_dialects
from ansible_collections.backoffice.dbops.plugins.module_utils.sql_dialects import read_timestamp

T = datetime(2020, 11, 27, 13, 49, 38, 123456, tzinfo=UTC)


def test_sqlserver_statements_are_exact():
    dialect = sql_dialects.sqlserver("dbo")
    assert dialect.table == "[dbo].[_prisma_migrations]"
    assert dialect.select_history == (
        "SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count "
        "FROM [dbo].[_prisma_migrations] ORDER BY started_at ASC"
    )
    assert dialect.mark_rolled_back == (
        "UPDATE [dbo].[_prisma_migrations] SET rolled_back_at = CAST(? AS DATETIMEOFFSET) WHERE id = ?"
    )
    assert dialect.insert_applied == (
        "INSERT INTO [dbo].[_prisma_migrations] (id, checksum, logs, started_at, finished_at, migration_name) "
        "VALUES (?, ?, ?, CAST(? AS DATETIMEOFFSET), CAST(? AS DATETIMEOFFSET), ?)"
    )
    assert dialect.create_table == (
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
    assert dialect.table_exists == (
        "SELECT 1 FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations'"
    )
    assert sql_dialects.SQLSERVER_LOCK == (
        "SET NOCOUNT ON; DECLARE @result INT; EXEC @result = sp_getapplock @Resource = N'prisma_migrate', "
        "@LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = ?; SELECT @result"
    )
    assert dialect.bind_timestamp(T) == "2020-11-27 13:49:38.123456 +00:00"


def test_schema_names_are_quoted_not_injected():
    assert sql_dialects.sqlserver("we]ird").table == "[we]]ird].[_prisma_migrations]"
    assert sql_dialects.postgresql('we"ird').table == '"we""ird"."_prisma_migrations"'
    assert sql_dialects.postgresql("api").prepare_table == ('CREATE SCHEMA IF NOT EXISTS "api"',)


def test_postgres_lock_is_prismas_key():
    assert sql_dialects.POSTGRES_LOCK == "SELECT pg_advisory_xact_lock(72707369)"
    assert sql_dialects.MYSQL_LOCK == "SELECT GET_LOCK('prisma_migrate', %s)"


def test_mysql_table_matches_prismas_ddl():
    ddl = sql_dialects.mysql().create_table
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
    assert sql_dialects.for_target(provider, None).bind_timestamp(T) == expected


def test_sqlite_text_timestamps_as_prismas_driver_adapters_write_them():
    assert sql_dialects.sqlite().bind_timestamp(T, sqlite_text=True) == "2020-11-27T13:49:38.123+00:00"
    assert read_timestamp("2020-11-27T13:49:38.123+00:00") == T.replace(microsecond=123000)


def test_now_is_truncated_to_what_the_column_keeps():
    assert sql_dialects.mysql().now().microsecond % 1000 == 0
    assert sql_dialects.sqlite().now().microsecond % 1000 == 0


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
