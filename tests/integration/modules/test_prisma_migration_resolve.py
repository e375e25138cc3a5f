"""prisma_migration_resolve through the real `ansible` command, against real PostgreSQL, MariaDB, SQLite and SQL Server
(Babelfish, with FreeTDS and with Microsoft's Driver 18): behaviour, check mode, diff, refusals, Prisma's lock, a
non-dbo SQL Server schema, and the faults a resolve must report as they happened (a killed connection, a missing
privilege, a FIFO where migration.sql should be, a second failed migration)."""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum
from ansible_collections.backoffice.dbops.tests.support import prisma_like
from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import mssql
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, LATER, write_migrations

FAILED_NAME = "20201127134938_added_bio_index"


INIT_NAME = "20201127134937_init"


INJECTION = "x'); DELETE FROM _prisma_migrations; --"


def release(backend, tmp_path, names=(INIT_NAME, FAILED_NAME)) -> str:
    """The release's migrations folder: the seed scenario's first two migrations (those P3009 leaves)."""
    scripts = backend.seed_scripts()
    return str(backend.write_migrations(tmp_path / "release", {name: scripts[name] for name in names}))


def p3009(backend, tmp_path) -> dict[str, str]:
    """The seed scenario in P3009; the ids of its two rows (`init`, `failed`)."""
    backend.p3009(tmp_path)
    ids = backend.ids()
    return {"init": ids[INIT_NAME][0], "failed": ids[FAILED_NAME][0]}


def test_rolled_back_resolves_then_is_idempotent(backend, tmp_path):
    ids = p3009(backend, tmp_path)
    run = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME))
    assert run.rc == 0, run.output
    assert run.result["changed"] is True
    assert run.result["rolled_back"] == [ids["failed"]]
    states = {m["id"]: m["state"] for m in run.result["migrations"]}
    assert states == {ids["init"]: "applied", ids["failed"]: "rolled_back"}

    p = backend.database.dialect.placeholder
    stored = backend.execute(
        f"SELECT rolled_back_at, finished_at FROM {backend.table} WHERE id = {p}", (ids["failed"],)
    )
    assert stored[0][0] is not None and stored[0][1] is None

    again = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME))
    assert again.rc == 0, again.output
    assert again.result["changed"] is False

    info = run_module("prisma_migration_info", backend.module_args(migrations_dir=release(backend, tmp_path)))
    assert info.result["blocked"] is False
    assert info.result["pending"] == [FAILED_NAME]


def test_check_mode_computes_the_change_and_writes_nothing(backend, tmp_path):
    ids = p3009(backend, tmp_path)
    before = backend.digest()
    run = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME), check=True, diff=True)
    assert run.rc == 0, run.output
    assert run.result["changed"] is True
    assert run.result["rolled_back"] == [ids["failed"]]
    assert backend.digest() == before

    applied = run_module(
        "prisma_migration_resolve",
        backend.module_args(migration=FAILED_NAME, state="applied", migrations_dir=release(backend, tmp_path)),
        check=True,
    )
    assert applied.rc == 0, applied.output
    assert applied.result["inserted"]["migration_name"] == FAILED_NAME
    assert backend.digest() == before


def test_check_mode_on_an_empty_database_creates_no_table(backend, tmp_path):
    before = backend.digest()
    run = run_module(
        "prisma_migration_resolve",
        backend.module_args(migration=INIT_NAME, state="applied", migrations_dir=release(backend, tmp_path)),
        check=True,
    )
    assert run.rc == 0, run.output
    assert run.result["created_table"] is True
    assert backend.digest() == before
    assert run_module("prisma_migration_info", backend.module_args()).result["has_migrations_table"] is False


def test_diff_shows_the_touched_row_before_and_after(backend, tmp_path):
    p3009(backend, tmp_path)
    run = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME), diff=True)
    assert run.rc == 0, run.output
    assert '-    "state": "failed"' in run.stdout
    assert '+    "state": "rolled_back"' in run.stdout
    assert INIT_NAME not in run.stdout.split("localhost |")[0]


@pytest.mark.parametrize("name", ["20201127134938_added_bio_inde", INJECTION])
def test_unknown_name_is_p3011_and_changes_nothing(backend, tmp_path, name):
    p3009(backend, tmp_path)
    before = backend.digest()
    run = run_module("prisma_migration_resolve", backend.module_args(migration=name))
    assert run.rc != 0
    assert run.result["code"] == "P3011"
    assert f"Migration `{name}` cannot be rolled back because it was never applied" in run.result["msg"]
    assert f"`{FAILED_NAME}`" in run.result["hint"]
    assert backend.digest() == before


def test_applied_migration_cannot_be_rolled_back_p3012(backend, tmp_path):
    p3009(backend, tmp_path)
    before = backend.digest()
    run = run_module("prisma_migration_resolve", backend.module_args(migration=INIT_NAME))
    assert run.result["code"] == "P3012", run.output
    assert backend.digest() == before


def test_rolled_back_without_history_table_fails_like_prisma(backend):
    run = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME))
    assert run.rc != 0
    assert run.result["code"] is None
    assert "without migrations table" in run.result["msg"]


def test_applied_records_the_migration_as_prisma_does(backend, tmp_path):
    ids = p3009(backend, tmp_path)
    folder = release(backend, tmp_path)
    run = run_module(
        "prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, state="applied", migrations_dir=folder)
    )
    assert run.rc == 0, run.output
    inserted = run.result["inserted"]
    assert run.result["rolled_back"] == [ids["failed"]]
    assert inserted["checksum"] == compute_checksum(backend.seed_scripts()[FAILED_NAME])
    assert inserted["started_at"] == inserted["finished_at"]
    assert inserted["logs"] == "" and inserted["applied_steps_count"] == 0
    p = backend.database.dialect.placeholder
    stored = backend.execute(
        f"SELECT checksum, logs, applied_steps_count, rolled_back_at FROM {backend.table} WHERE id = {p}",
        (inserted["id"],),
    )
    assert stored == [(inserted["checksum"], "", 0, None)] or list(stored[0]) == [inserted["checksum"], "", 0, None]

    again = run_module(
        "prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, state="applied", migrations_dir=folder)
    )
    assert again.result["code"] == "P3008", again.output
    info = run_module("prisma_migration_info", backend.module_args(migrations_dir=folder))
    assert info.result["blocked"] is False and info.result["pending"] == [] and info.result["edited"] == []


def test_applied_on_a_fresh_database_creates_prismas_table(backend, tmp_path):
    folder = release(backend, tmp_path)
    run = run_module(
        "prisma_migration_resolve", backend.module_args(migration=INIT_NAME, state="applied", migrations_dir=folder)
    )
    assert run.rc == 0, run.output
    assert run.result["created_table"] is True
    info = run_module("prisma_migration_info", backend.module_args(migrations_dir=folder))
    assert [m["state"] for m in info.result["migrations"]] == ["applied"]
    assert info.result["pending"] == [FAILED_NAME]


def test_applied_refusals(backend, tmp_path):
    p3009(backend, tmp_path)
    folder = release(backend, tmp_path)
    before = backend.digest()
    missing = run_module(
        "prisma_migration_resolve",
        backend.module_args(migration="20991231000000_nope", state="applied", migrations_dir=folder),
    )
    assert missing.result["code"] == "P3017", missing.output
    assert missing.result["msg"].startswith("The migration 20991231000000_nope could not be found.")

    other = tmp_path / "other"
    other.mkdir()
    foreign = str(write_migrations(other, "cockroachdb", {FAILED_NAME: backend.seed_scripts()[FAILED_NAME]}))
    switched = run_module(
        "prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, state="applied", migrations_dir=foreign)
    )
    assert switched.result["code"] == "P3019", switched.output
    assert "does not match the one specified in the migration_lock.toml, `cockroachdb`" in switched.result["msg"]

    no_dir = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, state="applied"))
    assert no_dir.rc != 0 and "migrations_dir" in no_dir.result["msg"]
    assert backend.digest() == before


def test_nothing_changes_while_another_session_holds_prismas_lock(backend, tmp_path):
    p3009(backend, tmp_path)
    before = backend.digest()
    holder = backend.hold_prisma_lock()
    try:
        run = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, lock_timeout=1))
    finally:
        holder.close()
    assert run.rc != 0
    assert "Timed out after 1s waiting for Prisma's migrate lock" in run.result["msg"], run.output
    assert "nothing was changed" in run.result["msg"]
    assert backend.digest() == before
    info = run_module("prisma_migration_info", backend.module_args())
    assert info.result["blocked"] is True


def test_resolve_waits_for_the_lock_and_then_proceeds(backend, tmp_path):
    p3009(backend, tmp_path)
    holder = backend.hold_prisma_lock()
    runs = []
    resolver = threading.Thread(
        target=lambda: runs.append(
            run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, lock_timeout=20))
        )
    )
    resolver.start()
    time.sleep(2)
    holder.close()
    resolver.join()
    run = runs[0]
    assert run.rc == 0, run.output
    assert run.result["changed"] is True


def test_resolve_lists_at_most_history_limit_rows(make_backend):
    backend = make_backend("sqlite")
    prisma_like.create_history_table(backend)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for number in range(30):
        prisma_like.record(
            backend, f"2020{number:010d}_m", "SELECT 1;", state="applied", started_at=start + timedelta(seconds=number)
        )
    prisma_like.record(backend, FAILED_NAME, "x", state="failed", started_at=start + timedelta(days=1))
    run = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, history_limit=5))
    assert run.rc == 0, run.output
    assert len(run.result["migrations"]) == 5 and run.result["migrations"][-1]["migration_name"] == FAILED_NAME
    assert run.result["migrations_count"] == 31 and run.result["migrations_truncated"] is True
    default = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, history_limit=0))
    assert len(default.result["migrations"]) == 31 and default.result["changed"] is False


def test_a_fifo_in_the_migrations_folder_is_reported_not_read(make_backend, tmp_path):
    backend = make_backend("sqlite")
    folder = backend.p3009(tmp_path)
    (folder / FAILED_NAME / "migration.sql").unlink()
    os.mkfifo(folder / FAILED_NAME / "migration.sql")
    run = run_module("prisma_migration_info", backend.module_args(migrations_dir=str(folder)), timeout=60)
    assert run.rc == 0, run.output
    assert run.result["not_comparable"] == [
        {"migration_name": FAILED_NAME, "reason": "migration.sql is not a regular file"}
    ]
    refused = run_module(
        "prisma_migration_resolve",
        backend.module_args(migration=FAILED_NAME, state="applied", migrations_dir=str(folder)),
        timeout=60,
    )
    assert refused.rc != 0 and "is not a regular file" in refused.result["msg"]
    (folder / "migration_lock.toml").unlink()
    os.mkfifo(folder / "migration_lock.toml")
    locked = run_module("prisma_migration_info", backend.module_args(migrations_dir=str(folder)), timeout=60)
    assert locked.rc != 0 and "migration_lock.toml is not a regular file" in locked.result["msg"]


def test_two_failed_migrations_resolving_one_succeeds_and_names_the_other(make_backend, tmp_path):
    backend = make_backend("sqlite")
    backend.p3009(tmp_path)
    other = "20201201000000_add_name"
    prisma_like.record(
        backend, other, "ALTER;", state="failed", started_at=datetime(2020, 12, 1, tzinfo=UTC), logs="boom"
    )
    first = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME))
    assert first.rc == 0, first.output
    assert first.result["changed"] is True and first.result["still_blocking"] == [other]
    again = run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME))
    assert again.rc == 0 and again.result["changed"] is False and again.result["still_blocking"] == [other]


def test_a_mariadb_connection_killed_mid_transaction_reports_the_kill(make_backend, tmp_path):
    backend = make_backend("mysql")
    backend.p3009(tmp_path)
    (failed,) = backend.ids()[FAILED_NAME]
    before = backend.digest()
    # Another transaction holds the failed row, so the resolve stops inside its transaction, at its UPDATE.
    blocker = backend.connect()
    blocker.autocommit(False)
    blocker.cursor().execute(f"SELECT id FROM {backend.table} WHERE id = %s FOR UPDATE", (failed,))
    runs = []
    resolver = threading.Thread(
        target=lambda: runs.append(
            run_module("prisma_migration_resolve", backend.module_args(migration=FAILED_NAME, lock_timeout=20))
        )
    )
    resolver.start()
    try:
        deadline = time.monotonic() + 60
        waiting = None
        while waiting is None and time.monotonic() < deadline:
            waiting = backend.execute(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE %s",
                ("UPDATE `_prisma_migrations`%",),
            )
            waiting = waiting[0][0] if waiting else time.sleep(0.1)
        assert waiting is not None, "the resolve never reached its UPDATE"
        backend.execute(f"KILL {int(waiting)}")
    finally:
        blocker.rollback()
        blocker.close()
        resolver.join()
    (run,) = runs
    assert run.rc != 0
    message = run.result["msg"]
    # The kill itself is the news, not the failed unlock on the dead connection that followed.
    assert "(0, '')" not in message and "InterfaceError" not in message, message
    assert re.search(r"\b(1927|2013)\b|killed|Lost connection", message), message
    assert backend.digest() == before


@pytest.mark.parametrize(("grants", "dropped"), [("CREATE, SELECT, DROP", True), ("CREATE, SELECT", False)])
def test_mariadb_applied_without_insert_privilege_leaves_no_empty_table(make_backend, tmp_path, grants, dropped):
    backend = make_backend("mysql")
    database, target = backend.target.database, backend.target
    user, password = f"c{database[-8:]}", "Create-0nly-user"
    backend.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
    backend.execute(f"GRANT {grants} ON `{database}`.* TO '{user}'@'%%'")
    folder = tmp_path / "migrations" / INIT_NAME
    folder.mkdir(parents=True)
    (folder / "migration.sql").write_text(backend.seed_scripts()[INIT_NAME])
    try:
        url = f"mysql://{user}:{password}@{target.host}:{target.port}/{database}"
        run = run_module(
            "prisma_migration_resolve",
            {"database_url": url, "migration": INIT_NAME, "state": "applied", "migrations_dir": str(folder.parent)},
        )
    finally:
        backend.execute(f"DROP USER '{user}'@'%%'")
    assert run.rc != 0
    message = run.result["msg"]
    assert "needs the INSERT privilege" in message, message
    assert run.result["error_kind"] == "missing_privilege"
    table_left = bool(backend.execute("SHOW TABLES LIKE '\\_prisma\\_migrations'"))
    if dropped:
        assert not table_left and "was dropped again: nothing was changed" in message
    else:
        assert table_left and "could not be dropped" in message and "DROP TABLE" in run.result["hint"]


def stored(backend):
    return backend.execute(
        f"SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs, started_at "
        f"FROM {backend.table} ORDER BY started_at"
    )


@pytest.mark.mssql
@pytest.mark.parametrize("driver", list(mssql.DRIVERS))
def test_applied_in_a_non_dbo_schema_with_a_sqlserver_lock_file(make_backend, tmp_path, driver):
    backend = make_backend("sqlserver", schema=f"tenant_{driver}_{os.getpid()}", driver=driver)
    migrations = backend.p3009(tmp_path)
    # Prisma takes `sqlserver` in migration_lock.toml as well as the `mssql` it writes.
    (migrations / "migration_lock.toml").write_text('provider = "sqlserver"\n')
    backend.execute(f"DELETE FROM [{backend.target.schema}].[User] WHERE [email] = 'grace@example.com'")
    backend.execute(
        f"ALTER TABLE [{backend.target.schema}].[User] ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio])"
    )
    before = stored(backend)
    run = run_module(
        "prisma_migration_resolve",
        backend.module_args(migration=BIO_INDEX, state="applied", migrations_dir=str(migrations)),
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
    info = run_module("prisma_migration_info", backend.module_args(migrations_dir=str(migrations)))
    assert info.result["blocked"] is False and info.result["pending"] == [LATER]
    assert backend.deploy(migrations) == [LATER]


@pytest.mark.mssql
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
