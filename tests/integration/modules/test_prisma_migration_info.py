"""prisma_migration_info through the real `ansible` command, against real PostgreSQL, MariaDB, SQLite and SQL Server
(Babelfish, with FreeTDS and with Microsoft's Driver 18): the history as Prisma reads it, the failed migration with
its database error and Prisma's P3009 text, and clear errors for what cannot be reached."""

from __future__ import annotations

import os
import re
import sqlite3

import pytest

from ansible_collections.backoffice.dbops.tests.support import prisma_like
from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import mssql
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, LATER


def test_no_history_table_is_a_normal_answer(backend):
    run = run_module("prisma_migration_info", backend.module_args())
    assert run.rc == 0, run.output
    assert run.result["has_migrations_table"] is False
    assert run.result["blocked"] is False
    assert run.result["migrations"] == []


def test_info_reports_the_failed_migration_with_its_database_error(backend, tmp_path):
    backend.p3009(tmp_path)
    run = run_module("prisma_migration_info", backend.module_args())
    assert run.rc == 0, run.output
    result = run.result
    assert result["blocked"] is True
    assert [m["state"] for m in result["migrations"]] == ["applied", "failed"]
    failed = result["failed_migrations"]
    assert [m["migration_name"] for m in failed] == [BIO_INDEX]
    assert backend.duplicate_message in failed[0]["logs"]
    started = failed[0]["started_at"]
    # chrono's fraction: 0, 3, 6 or 9 digits, as few as carry the stored value.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(\d{3}){1,3})?Z", started), started
    assert result["p3009_message"].endswith(
        f"The `{BIO_INDEX}` migration started at {started[:-1].replace('T', ' ')} UTC failed\n"
    )


SECRET = "Sup3r-S3cret_pw"


def test_unreachable_server_is_a_clear_error():
    url = f"postgresql://app:{SECRET}@127.0.0.1:9/shop?connect_timeout=2"
    run = run_module("prisma_migration_info", {"database_url": url})
    assert run.rc != 0
    assert "Cannot connect to postgresql app@127.0.0.1:9/shop" in run.result["msg"]
    assert run.result["error_kind"] == "unreachable"
    assert "network path" in run.result["hint"] and "Azure" not in run.result["hint"]
    assert SECRET not in run.output


def test_malformed_url_is_a_clear_error_without_the_password():
    run = run_module("prisma_migration_info", {"database_url": f"postgresql://app:{SECRET}@db:port/shop"})
    assert run.rc != 0
    assert run.result["msg"].startswith("Invalid database_url: Malformed postgresql URL (invalid port)")
    assert SECRET not in run.output


def test_missing_sqlite_file_is_not_created(tmp_path):
    run = run_module("prisma_migration_info", {"database_url": "file:./nope.db", "project_dir": str(tmp_path)})
    assert run.rc != 0
    assert "does not exist" in run.result["msg"]
    assert not os.path.exists(tmp_path / "nope.db")


def test_sqlite_rows_with_text_timestamps_are_read(make_backend):
    backend = make_backend("sqlite")
    prisma_like.create_history_table(backend)
    path = backend.target.path
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) "
            f"VALUES ('t1', 'c', '{BIO_INDEX}', '2020-11-27 13:49:38')"
        )
    run = run_module("prisma_migration_info", backend.module_args())
    assert run.result["failed_migrations"][0]["started_at"] == "2020-11-27T13:49:38Z"


def chrono_fraction(moment) -> str:
    """chrono prints a fraction in 0, 3, 6 or 9 digits, as few as carry it."""
    micro = moment.microsecond
    return "" if micro == 0 else f".{micro // 1000:03d}" if micro % 1000 == 0 else f".{micro:06d}"


@pytest.mark.mssql
@pytest.mark.parametrize("driver", list(mssql.DRIVERS))
def test_info_names_the_failed_migration_with_its_database_error_and_prismas_p3009_text(make_backend, tmp_path, driver):
    backend = make_backend("sqlserver", driver=driver)
    migrations = backend.p3009(tmp_path)
    run = run_module("prisma_migration_info", backend.module_args(migrations_dir=str(migrations)))
    assert run.rc == 0, run.output
    result = run.result
    assert result["blocked"] is True
    (failed,) = result["failed_migrations"]
    assert failed["migration_name"] == BIO_INDEX
    # What Prisma's SQL Server flavour stores: P3018 with the server's error number (1505, a duplicate key while
    # creating a unique index) and message (Babelfish words it as PostgreSQL does).
    assert (
        "Migration name: 20201127134938_added_bio_index\n\nDatabase error code: 1505\n\nDatabase error:\n"
        in (failed["logs"])
    )
    # Babelfish: 'could not create unique index "user_bio_key"'; SQL Server: 'The CREATE UNIQUE INDEX statement
    # terminated because a duplicate key was found ...'.
    message = failed["logs"].split("Database error:\n", 1)[1].split("\n")[0]
    assert "unique index" in message.lower() and not message.startswith("[")
    ((started,),) = backend.execute(f"SELECT started_at FROM {backend.table} WHERE finished_at IS NULL")
    # chrono's Display of the stored DATETIMEOFFSET (Babelfish keeps 6 fraction digits; SQL Server's 7th digit
    # would make Prisma print 9, which a Python datetime cannot carry: see README, what only Azure SQL can show).
    assert result["p3009_message"] == (
        "migrate found failed migrations in the target database, new migrations will not be applied. Read more "
        "about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n"
        f"The `{BIO_INDEX}` migration started at {started:%Y-%m-%d %H:%M:%S}{chrono_fraction(started)} UTC failed\n"
    )
    assert result["pending"] == [LATER]
