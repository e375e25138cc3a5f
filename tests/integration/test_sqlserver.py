"""What only SQL Server has, on a SQL Server engine (Babelfish), through the real `ansible` command: Prisma's SQL
Server history read back with its database error, a non-dbo schema with a `sqlserver` lock file, a password with
`;` and `}`, TLS as each driver does it, and Microsoft's Driver 18 found where no driver is registered."""

from __future__ import annotations

import os
import subprocess
import threading

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum
from ansible_collections.backoffice.dbops.tests.support import prisma_like
from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.scenarios import (
    BIO_INDEX,
    LATER,
    sqlserver_p3009_database,
)

pytestmark = pytest.mark.mssql
DRIVERS = ["freetds", "driver18"]


def args(backend, **extra):
    return {"database_url": backend.url, **backend.module_options, **extra}


def p3009_state(backend, tmp_path, lockfile_provider="mssql"):
    return sqlserver_p3009_database(backend, tmp_path, lockfile_provider)


def stored(backend):
    return backend.execute(
        f"SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs, started_at "
        f"FROM {backend.table} ORDER BY started_at"
    )


def chrono_fraction(moment) -> str:
    """chrono prints a fraction in 0, 3, 6 or 9 digits, as few as carry it."""
    micro = moment.microsecond
    return "" if micro == 0 else f".{micro // 1000:03d}" if micro % 1000 == 0 else f".{micro:06d}"


@pytest.mark.parametrize("driver", DRIVERS)
def test_info_names_the_failed_migration_with_its_database_error_and_prismas_p3009_text(make_backend, tmp_path, driver):
    backend = make_backend("sqlserver", driver=driver)
    migrations = p3009_state(backend, tmp_path)
    run = run_module("prisma_migration_info", args(backend, migrations_dir=str(migrations)))
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
    started = stored(backend)[1][6]
    # chrono's Display of the stored DATETIMEOFFSET (Babelfish keeps 6 fraction digits; SQL Server's 7th digit
    # would make Prisma print 9, which a Python datetime cannot carry: see README, what only Azure SQL can show).
    assert result["p3009_message"] == (
        "migrate found failed migrations in the target database, new migrations will not be applied. Read more "
        "about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n"
        f"The `{BIO_INDEX}` migration started at {started:%Y-%m-%d %H:%M:%S}{chrono_fraction(started)} UTC failed\n"
    )
    assert result["pending"] == [LATER]


@pytest.mark.parametrize("driver", DRIVERS)
def test_applied_in_a_non_dbo_schema_with_a_sqlserver_lock_file(make_backend, tmp_path, driver):
    backend = make_backend("sqlserver", schema=f"tenant_{driver}_{os.getpid()}", driver=driver)
    migrations = p3009_state(backend, tmp_path, lockfile_provider="sqlserver")
    backend.execute(f"DELETE FROM [{backend.target.schema}].[User] WHERE [email] = 'grace@example.com'")
    backend.execute(
        f"ALTER TABLE [{backend.target.schema}].[User] ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio])"
    )
    before = stored(backend)
    run = run_module(
        "prisma_migration_resolve",
        args(backend, migration=BIO_INDEX, state="applied", migrations_dir=str(migrations)),
    )
    assert run.rc == 0, run.output
    after = stored(backend)
    assert [row[:2] for row in after] == [row[:2] for row in before] + [
        (BIO_INDEX, compute_checksum((migrations / BIO_INDEX / "migration.sql").read_text()))
    ]
    init, failed, inserted = after
    assert init == before[0]
    assert failed[:3] == before[1][:3] and failed[3] is not None and failed[4:6] == before[1][4:6]
    # Prisma's mark_migration_applied: finished at once, no steps, empty logs.
    assert inserted[2] is not None and inserted[3] is None and inserted[4] == 0 and inserted[5] == ""
    assert inserted[2] == inserted[6]
    info = run_module("prisma_migration_info", args(backend, migrations_dir=str(migrations)))
    assert info.result["blocked"] is False and info.result["pending"] == [LATER]
    assert prisma_like.sqlserver_deploy(backend, migrations) == [LATER]


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_password_with_semicolon_and_brace_works_and_never_shows_under_vvv(make_backend, tmp_path, driver):
    backend = make_backend("sqlserver", driver=driver)
    password = backend.target.password
    p3009_state(backend, tmp_path)
    for module, extra in (("prisma_migration_info", {}), ("prisma_migration_resolve", {"migration": BIO_INDEX})):
        run = run_module(module, args(backend, **extra), verbosity=3, diff=True)
        assert run.rc == 0, run.output
        assert password not in run.output and password not in repr(run.result)
    wrong = backend.url.replace("password=", "password=x")
    failed = run_module("prisma_migration_info", args(backend, database_url=wrong), verbosity=3)
    assert failed.rc != 0 and "18456" in failed.result["msg"]
    assert password not in failed.output and "x" + password not in failed.output


def tls_url(backend, host="127.0.0.1", trust=False):
    url = backend.url.replace("encrypt=false", "encrypt=true").replace("127.0.0.1", host)
    return url.replace("trustServerCertificate=true", f"trustServerCertificate={str(trust).lower()}")


def test_driver_18_verifies_the_server_certificate(make_backend, mssql_server):
    mssql_server.require_babelfish()
    backend = make_backend("sqlserver", driver="driver18")
    refused = run_module("prisma_migration_info", args(backend, database_url=tls_url(backend)))
    assert refused.rc != 0
    assert "certificate verify failed" in refused.result["msg"], refused.output
    # Trusted through the system's CA list (here SSL_CERT_FILE) and a name the certificate carries, it connects.
    verified = run_module(
        "prisma_migration_info",
        args(backend, database_url=tls_url(backend, host="localhost")),
        env={"SSL_CERT_FILE": mssql_server.ca_path},
    )
    assert verified.rc == 0, verified.output


def test_freetds_encrypts_but_does_not_verify_the_certificate(make_backend, mssql_server):
    """Documented in odbc_driver: FreeTDS accepts a certificate no CA vouches for even with
    trustServerCertificate=false, so Azure SQL should be reached with Microsoft's driver."""
    mssql_server.require_babelfish()
    backend = make_backend("sqlserver", driver="freetds")
    run = run_module("prisma_migration_info", args(backend, database_url=tls_url(backend)))
    assert run.rc == 0, run.output


def test_driver_18_from_pypi_is_used_when_no_driver_is_registered(make_backend, tmp_path):
    backend = make_backend("sqlserver", driver="driver18")
    registry = tmp_path / "odbc"
    registry.mkdir()
    (registry / "odbcinst.ini").write_text("")
    env = {"ODBCSYSINI": str(registry)}
    listed = subprocess.run(
        ["odbcinst", "-q", "-d"], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    assert "FreeTDS" not in listed.stdout
    p3009_state(backend, tmp_path)
    run = run_module("prisma_migration_info", {"database_url": tls_url(backend, trust=True)}, env=env)
    assert run.rc == 0, run.output
    assert [m["migration_name"] for m in run.result["failed_migrations"]] == [BIO_INDEX]


@pytest.mark.babelfish_only
def test_babelfish_sp_getapplock_return_codes_differ_from_sql_servers_and_only_the_sign_is_relied_on(
    make_backend, mssql_server
):
    """Measured: granted after waiting, Babelfish returns 0 (SQL Server 1); not granted with @LockTimeout = 0,
    Babelfish returns -999 (SQL Server -1). The flavour reads only the sign, which SQL Server documents. One refused
    call per connection: Babelfish 4.3.0 crashes after five in one session."""
    mssql_server.require_babelfish()
    backend = make_backend("sqlserver")
    lock = (
        "DECLARE @r INT; EXEC @r = sp_getapplock @Resource = 'prisma_migrate', @LockMode = 'Exclusive', "
        "@LockOwner = 'Transaction', @LockTimeout = ?; SELECT @r"
    )

    def try_lock(connection, timeout_ms):
        cursor = connection.cursor()
        cursor.execute(lock, (timeout_ms,))
        while cursor.description is None:
            assert cursor.nextset()
        return cursor.fetchone()[0]

    holder = backend.connect()
    holder.autocommit = False
    assert try_lock(holder, 0) == 0  # free: 0 on both engines
    refused = backend.connect()
    refused.autocommit = False
    assert try_lock(refused, 0) == -999
    refused.rollback()
    refused.close()
    waiter = backend.connect()
    waiter.autocommit = False
    threading.Timer(0.5, holder.rollback).start()
    assert try_lock(waiter, 5000) == 0
    waiter.rollback()
    waiter.close()
    holder.close()
