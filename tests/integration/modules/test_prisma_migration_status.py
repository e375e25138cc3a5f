"""prisma_migration_status on a fleet of real databases in every state that can be produced here, through the real
`ansible` command: each database gets the right outcome, with the holder's session when Prisma's lock is held and
the client IP when Azure SQL's firewall refuses; one bad database never fails the module; passwords never show."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from ansible_collections.backoffice.dbops.tests.support import servers
from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import FirewalledSqlGateway
from ansible_collections.backoffice.dbops.tests.support.backends import Backend, free_port, mysql, unavailable
from ansible_collections.backoffice.dbops.tests.support.fleet import (
    deployed_init,
    foreign_history,
    only,
    with_database,
    with_user,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, INIT, LATER

SECRET = "Fl33t-pw_never-shown"


FAILED_NAME = "20201127134938_added_bio_index"


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def status(databases, **options):
    run = run_module("prisma_migration_status", {"databases": databases, **options}, verbosity=3)
    assert SECRET not in run.output and SECRET not in repr(run.result)
    return run


def by_name(run) -> dict:
    return {entry["name"]: entry for entry in run.result["databases"]}


def first_release(backend, folder, **options):
    """A migrations folder with INIT only (the release deployed)."""
    return backend.write_migrations(folder, {INIT: backend.seed_scripts()[INIT]}, **options)


@pytest.fixture
def engine_fleet(make_backend, tmp_path):
    """PostgreSQL and SQLite databases in every history state, made by Prisma's own engine."""
    fleet, expected = [], {}

    def add(name, backend, outcome, folder=None):
        fleet.append(
            {
                "name": name,
                "database_url": backend.url,
                "project_dir": backend.project_dir,
                **({"migrations_dir": str(folder)} if folder else {}),
            }
        )
        expected[name] = outcome

    for provider in ("postgresql", "sqlite"):
        base = tmp_path / provider
        backend = make_backend(provider)
        full = deployed_init(backend, base / "ok")
        add(f"{provider}-ok", backend, "ok", first_release(backend, base / "ok-local"))
        backend = make_backend(provider)
        full = deployed_init(backend, base / "pending")
        add(f"{provider}-pending", backend, "pending", full)
        backend = make_backend(provider)
        add(f"{provider}-blocked", backend, "blocked", backend.p3009(base / "b"))
        backend = make_backend(provider)
        deployed_init(backend, base / "edited")
        add(f"{provider}-edited", backend, "edited", first_release(backend, base / "e", edited=INIT))
        backend = make_backend(provider)
        deployed_init(backend, base / "missing")
        add(
            f"{provider}-missing-locally",
            backend,
            "missing_locally",
            only(backend.write_migrations(base / "m", {}), []),
        )
        backend = make_backend(provider)
        backend.prisma_next_history()
        add(f"{provider}-prisma8", backend, "unsupported")
        backend = make_backend(provider)
        foreign_history(backend)
        add(f"{provider}-foreign", backend, "unsupported")
        backend = make_backend(provider)
        add(f"{provider}-never-migrated", backend, "ok")
    return fleet, expected


def test_every_history_state_gets_its_outcome(engine_fleet, make_backend, tmp_path):
    fleet, expected = engine_fleet
    postgres = make_backend("postgresql")
    fleet += [
        {"name": "pg-no-such-role", "database_url": with_user(postgres.url, "nobody", SECRET)},
        {"name": "pg-no-such-database", "database_url": with_database(postgres.url, "no_such_database")},
        {"name": "pg-closed-port", "database_url": f"postgresql://app:{SECRET}@127.0.0.1:{free_port()}/db"},
        {"name": "sqlite-no-file", "database_url": "file:./none.db", "project_dir": str(tmp_path)},
    ]
    expected.update(
        {
            "pg-no-such-role": "auth_failed",
            "pg-no-such-database": "database_missing",
            "pg-closed-port": "unreachable",
            "sqlite-no-file": "database_missing",
        }
    )
    run = status(fleet, concurrency=4)
    assert run.rc == 0, run.output
    outcomes = {name: entry["outcome"] for name, entry in by_name(run).items()}
    assert outcomes == expected
    entries = by_name(run)
    for provider in ("postgresql", "sqlite"):
        assert entries[f"{provider}-blocked"]["failed_migrations"] == [BIO_INDEX]
        assert entries[f"{provider}-blocked"]["p3009_message"].startswith("migrate found failed migrations")
        assert entries[f"{provider}-pending"]["pending"] == [BIO_INDEX, LATER]
        assert entries[f"{provider}-edited"]["edited"] == [INIT]
        assert entries[f"{provider}-missing-locally"]["missing_locally"] == [INIT]
        assert "Prisma 8" in entries[f"{provider}-prisma8"]["detail"]
        assert "not Prisma's table" in entries[f"{provider}-foreign"]["detail"]
    assert "Azure" not in entries["pg-no-such-role"]["hint"]
    failing = {name for name, outcome in expected.items() if outcome in ("blocked", "lock_held", "unsupported")}
    assert set(run.result["failing"]) == failing
    assert run.result["counts"]["unsupported"] == 4 and run.result["counts"]["blocked"] == 2


def test_mariadb_states_and_its_failures(make_backend, tmp_path):
    mysql = [make_backend("mysql") for _index in range(4)]
    deployed_init(mysql[0], tmp_path / "0")
    mysql[1].p3009(tmp_path / "1")
    deployed_init(mysql[2], tmp_path / "2")
    foreign_history(mysql[3])
    scripts = mysql[0].seed_scripts()
    local = str(mysql[0].write_migrations(tmp_path / "mysql", {name: scripts[name] for name in (INIT, FAILED_NAME)}))
    run = status(
        [
            {
                "name": "ok",
                "database_url": mysql[0].url,
                "migrations_dir": str(first_release(mysql[0], tmp_path / "o")),
            },
            {"name": "blocked", "database_url": mysql[1].url, "migrations_dir": local},
            {"name": "pending", "database_url": mysql[2].url, "migrations_dir": local},
            {"name": "foreign", "database_url": mysql[3].url},
            {"name": "wrong-password", "database_url": with_user(mysql[0].url, "root", SECRET)},
            {"name": "no-such-database", "database_url": with_database(mysql[0].url, "no_such_database")},
        ]
    )
    assert run.rc == 0, run.output
    outcomes = {name: entry["outcome"] for name, entry in by_name(run).items()}
    assert outcomes == {
        "ok": "ok",
        "blocked": "blocked",
        "pending": "pending",
        "foreign": "unsupported",
        "wrong-password": "auth_failed",
        "no-such-database": "database_missing",
    }
    assert by_name(run)["pending"]["pending"] == [FAILED_NAME]


@pytest.fixture(scope="module")
def mariadb_with_statement_history():
    """A MariaDB that keeps each session's last statements in performance_schema, as MySQL 8 does by default."""
    if mysql.server_unavailable():
        unavailable(mysql.server_unavailable())
    with mysql.throwaway_server(mysql.STATEMENT_HISTORY) as url:
        yield url


def history_of(provider, make_backend, tmp_path, statement_history=None) -> Backend:
    """A database whose history holds INIT, applied as Prisma deploys it; on `statement_history`'s server if given."""
    if statement_history:
        # The module's server is thrown away with its databases.
        backend = mysql.MysqlBackend.with_statement_history(statement_history, tmp_path, [])
    else:
        backend = make_backend(provider)
    deployed_init(backend, tmp_path)
    return backend


def utc(value) -> datetime:
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@pytest.mark.parametrize("provider", ["postgresql", "mysql", "mysql-performance-schema"])
def test_a_held_lock_names_its_holder_and_when_it_took_it(make_backend, tmp_path, request, provider):
    """The holder took the lock between `before` and `after` (the server's clock, in that statement), then ran
    another statement a second later. `since` is the lock's time where the engine records it (MySQL/MariaDB's
    performance_schema statement history), never that later statement's; otherwise the bounds enclose it."""
    engine, _dash, variant = provider.partition("-")
    statement_history = request.getfixturevalue("mariadb_with_statement_history") if variant else None
    backend = history_of(engine, make_backend, tmp_path, statement_history)
    holder = backend.connect()
    cursor = holder.cursor()
    cursor.execute("SELECT 1")
    time.sleep(1.1)
    cursor.execute(backend.timed_prisma_lock)
    before, _taken, session, after = cursor.fetchone()
    time.sleep(1.1)
    cursor.execute("SELECT 2")
    try:
        run = status([{"name": "locked", "database_url": backend.url}])
    finally:
        holder.close()
    assert run.rc == 0, run.output
    entry = by_name(run)["locked"]
    assert entry["outcome"] == "lock_held", entry
    (lock_holder,) = entry["lock_holders"]
    assert lock_holder["session"] == session
    # MariaDB names the loopback address by its host name unless skip-name-resolve is set.
    assert lock_holder["client_address"] in ("127.0.0.1", "localhost")
    assert f"session {session}" in entry["detail"]
    assert run.result["failing"] == ["locked"]
    before, after = utc(before), utc(after)
    if backend.names_lock_holders and not backend.knows_when_sessions_started:
        assert utc(before) <= utc(lock_holder["since"]) <= utc(after) + timedelta(milliseconds=5), lock_holder
        assert f"since {lock_holder['since']}" in entry["detail"]
        return
    assert lock_holder["since"] is None
    # The last statement ended 1.1 s after the lock was taken: the latest bound, never "since". MySQL tells idle time
    # in whole seconds, so the bound may lie up to a second before that statement, never before it took the lock.
    assert utc(lock_holder["since_latest"]) >= after + timedelta(seconds=0.1), lock_holder
    if backend.knows_when_sessions_started:
        assert utc(lock_holder["since_earliest"]) <= before - timedelta(seconds=1), lock_holder
        assert "took it between" in entry["detail"]


@pytest.mark.parametrize("provider", ["postgresql", "mysql", "mysql-performance-schema", "sqlite"])
def test_a_locked_history_table_is_lock_wait_not_unreachable(make_backend, tmp_path, request, provider):
    engine, _dash, variant = provider.partition("-")
    statement_history = request.getfixturevalue("mariadb_with_statement_history") if variant else None
    backend = history_of(engine, make_backend, tmp_path, statement_history)
    holder = backend.connect()
    cursor = holder.cursor()
    for statement in backend.lock_history_table:
        cursor.execute(statement)
    session = backend.session_id(holder)
    try:
        run = status(
            [
                {"name": "locked", "database_url": backend.url, "project_dir": backend.project_dir},
                {"name": "gone", "database_url": f"postgresql://u:{SECRET}@127.0.0.1:{free_port()}/x"},
            ],
            statement_timeout=1,
        )
    finally:
        holder.close()
    assert run.rc == 0, run.output
    entry = by_name(run)["locked"]
    assert entry["outcome"] == "lock_wait", entry
    assert entry["error_kind"] == "lock_timeout" and "ALTER/LOCK TABLE" in entry["hint"]
    assert entry["detail"].startswith("Reading _prisma_migrations waited 1 s for a lock: ")
    assert run.result["unchecked"] == ["locked", "gone"] and run.result["failing"] == []
    assert run.result["counts"]["lock_wait"] == 1 and run.result["counts"]["unreachable"] == 1
    if backend.names_lock_holders:
        holders = entry["lock_holders"]
        assert [holder["session"] for holder in holders] == [session] and holders[0]["granted"], entry
        assert f"the table is locked by session {session}" in entry["detail"]


@pytest.mark.parametrize("provider", ["mysql", "postgresql"])
def test_a_server_that_accepts_and_never_answers_gets_connect_timeout_only(provider):
    """connect_timeout bounds the whole handshake: with statement_timeout at an hour, a silent server would hold
    the check for an hour if only the TCP connect were bounded (the run's own timeout, 120 s, would cut it)."""
    silent = servers.SilentServer().start()
    url = f"{provider}://app:{SECRET}@127.0.0.1:{silent.port}/shop"
    try:
        run = status([{"name": "silent", "database_url": url}], connect_timeout=1, statement_timeout=3600)
    finally:
        silent.stop()
    assert run.rc == 0, run.output
    entry = by_name(run)["silent"]
    assert entry["outcome"] == "unreachable" and entry["error_kind"] == "unreachable", entry
    assert silent.accepted >= 1
    print(f"{provider}: silent server reported unreachable after {entry['elapsed']} s (connect_timeout=1)")


@pytest.mark.parametrize(
    ("number", "outcome"),
    [
        (40615, "firewall_closed"),
        (47073, "public_access_disabled"),
        (40914, "vnet_rule_missing"),
        (18456, "auth_failed"),
        (4060, "database_missing"),
    ],
)
def test_azure_sql_refusals_through_a_real_odbc_driver(number, outcome):
    gateway = FirewalledSqlGateway("203.0.113.7", error_number=number).start()
    try:
        url = f"sqlserver://127.0.0.1:{gateway.port};database=backoffice;user=app;password={SECRET};encrypt=false"
        run = status([{"name": "azure", "database_url": url}], odbc_driver="FreeTDS")
    finally:
        gateway.stop()
    assert run.rc == 0, run.output
    entry = by_name(run)["azure"]
    assert entry["outcome"] == outcome, entry
    assert f"({number})" in entry["detail"]
    if number == 40615:
        assert entry["client_ip"] == "203.0.113.7"
        assert "azure_sql_firewall" in entry["hint"]


def test_a_malformed_list_fails_before_any_database_is_contacted(tmp_path):
    gateway = FirewalledSqlGateway("203.0.113.7").start()
    url = f"sqlserver://127.0.0.1:{gateway.port};database=d;user=app;password={SECRET};encrypt=false"
    try:
        duplicate = status([{"name": "a", "database_url": url}, {"name": "a", "database_url": url}])
        malformed = status([{"name": "a", "database_url": url}, {"name": "b", "database_url": "mongodb://x/y"}])
    finally:
        gateway.stop()
    assert duplicate.rc != 0 and "repeated: a" in duplicate.result["msg"]
    assert malformed.rc != 0 and "databases[b]" in malformed.result["msg"]
    assert gateway.logins == 0


@pytest.mark.mssql
def test_sql_server_history_and_lock_on_the_sql_server_engine(make_backend, tmp_path):
    """On Babelfish the lock owner is not exposed (no sys.dm_tran_locks): held, with its owner unknown. On SQL
    Server, sys.dm_tran_locks names the session."""
    blocked = make_backend("sqlserver")
    migrations = blocked.p3009(tmp_path / "blocked")
    locked = make_backend("sqlserver")
    deployed_init(locked, tmp_path / "locked")
    holder = locked.hold_prisma_lock()
    try:
        run = status(
            [
                {"name": "blocked", "database_url": blocked.url, "migrations_dir": str(migrations)},
                {"name": "locked", "database_url": locked.url},
            ],
            odbc_driver="FreeTDS",
        )
    finally:
        holder.close()
    assert run.rc == 0, run.output
    entries = by_name(run)
    assert entries["blocked"]["outcome"] == "blocked", entries["blocked"]
    assert entries["blocked"]["failed_migrations"] == [BIO_INDEX]
    assert entries["locked"]["outcome"] == "lock_held", entries["locked"]
    assert entries["locked"]["lock_holders"]
