"""prisma_migration_lock on real databases: a session that took Prisma's migrate lock and went idle is shown (never
its values) and ended by `state: released`; one running a statement is never ended; check mode ends nothing."""

from __future__ import annotations

import threading
import time
from contextlib import suppress

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import DeployFailed
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIO_INDEX,
    run_recovery,
    write_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.scenarios import INIT

ENGINES = ["postgresql", "mysql"]
TAKE_THE_LOCK = {
    "postgresql": "SELECT pg_advisory_lock(72707369), pg_backend_pid()",
    "mysql": "SELECT GET_LOCK('prisma_migrate', 10), CONNECTION_ID()",
}
# Is Prisma's lock free, taking it if it is (a new session, as the next deploy would).
TRY_THE_LOCK = {
    "postgresql": "SELECT pg_try_advisory_lock(72707369)",
    "mysql": "SELECT GET_LOCK('prisma_migrate', 0)",
}
# A statement the holder runs for a while, carrying a value that must never be shown.
PLANTED = "planted-row-value-7731"
LONG_STATEMENT = {
    "postgresql": f"SELECT pg_sleep(60), '{PLANTED}'",
    "mysql": f"SELECT SLEEP(60), '{PLANTED}'",
}
# Stops the holder's statement from another session, leaving the session and its lock as they are.
CANCEL = {
    "postgresql": "SELECT pg_cancel_backend(%s)",
    "mysql": "KILL QUERY %s",
}


class Holder:
    """A session that took Prisma's migrate lock, as a deploy killed mid-way leaves it."""

    def __init__(self, backend):
        self.backend = backend
        self.connection = backend.connect()
        cursor = self.connection.cursor()
        cursor.execute(TAKE_THE_LOCK[backend.provider])
        taken, self.session = cursor.fetchone()
        assert taken in (1, ""), taken  # GET_LOCK's 1; pg_advisory_lock returns void

    def alive(self) -> bool:
        try:
            cursor = self.connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            return True
        except Exception:
            return False

    def close(self) -> None:
        with suppress(Exception):
            self.connection.close()


@pytest.fixture
def locked(request, make_backend):
    backend = make_backend(request.param)
    holder = Holder(backend)
    yield backend, holder
    holder.close()


def lock_module(backend, check=False, **args):
    return run_module("prisma_migration_lock", {"database_url": backend.url, **args}, check=check)


def new_session_takes_the_lock(backend) -> bool:
    connection = backend.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(TRY_THE_LOCK[backend.provider])
        return cursor.fetchone()[0] in (1, True)
    finally:
        connection.close()


@pytest.mark.parametrize("locked", ENGINES, indirect=True)
def test_info_shows_the_idle_holder(locked):
    backend, holder = locked
    time.sleep(1.1)
    run = lock_module(backend)
    assert run.rc == 0, run.output
    result = run.result
    assert result["changed"] is False and result["held"] is True, result
    (shown,) = result["holders"]
    assert shown["session"] == holder.session
    assert shown["state"] == "idle" and shown["idle_seconds"] >= 1, shown
    assert shown["running_seconds"] is None and shown["statement_kind"] is None, shown
    assert shown["client_address"] in ("127.0.0.1", "localhost"), shown
    assert shown["since_latest"], shown
    assert f"session {holder.session} (idle for" in result["msg"]
    assert holder.alive()


@pytest.mark.parametrize("locked", ENGINES, indirect=True)
def test_released_ends_the_idle_holder_and_a_new_session_takes_the_lock(locked):
    backend, holder = locked
    run = lock_module(backend, state="released", min_idle=0, session=str(holder.session))
    assert run.rc == 0, run.output
    result = run.result
    assert result["changed"] is True and result["ended"] == holder.session, result
    assert result["lock_free"] is True, result
    assert not holder.alive()
    assert new_session_takes_the_lock(backend)
    again = lock_module(backend, state="released", min_idle=0)
    assert again.rc == 0 and again.result["changed"] is False and again.result["ended"] is None, again.output


@pytest.mark.parametrize("locked", ENGINES, indirect=True)
def test_check_mode_ends_nothing(locked):
    backend, holder = locked
    run = lock_module(backend, check=True, state="released", min_idle=0)
    assert run.rc == 0, run.output
    assert run.result["changed"] is True and run.result["ended"] == holder.session, run.result
    assert f"Would end session {holder.session}" in run.result["msg"]
    assert holder.alive()
    assert not new_session_takes_the_lock(backend)


@pytest.mark.parametrize("locked", ENGINES, indirect=True)
def test_a_holder_idle_for_less_than_min_idle_is_not_ended(locked):
    backend, holder = locked
    run = lock_module(backend, state="released", min_idle=3600)
    assert run.rc != 0, run.output
    assert run.result["error_kind"] == "lock_holder_recently_active", run.result
    assert "less than min_idle (3600 s)" in run.result["msg"] and "Nothing was ended." in run.result["msg"]
    assert holder.alive()


@pytest.mark.parametrize("locked", ENGINES, indirect=True)
def test_another_session_than_the_one_given_is_not_ended(locked):
    backend, holder = locked
    run = lock_module(backend, state="released", min_idle=0, session=str(holder.session + 100000))
    assert run.rc != 0, run.output
    assert run.result["error_kind"] == "lock_holder_changed", run.result
    assert holder.alive()


@pytest.mark.parametrize("locked", ENGINES, indirect=True)
def test_a_holder_running_a_statement_is_never_ended(locked):
    backend, holder = locked
    errors = []

    def run_long_statement():
        try:
            cursor = holder.connection.cursor()
            cursor.execute(LONG_STATEMENT[backend.provider])
            cursor.fetchall()
        except Exception as exc:  # cancelled at the end of the test
            errors.append(exc)

    worker = threading.Thread(target=run_long_statement, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            info = lock_module(backend)
            assert info.rc == 0, info.output
            if info.result["holders"] and info.result["holders"][0]["state"] == "running":
                break
            assert time.monotonic() < deadline, info.result
        (shown,) = info.result["holders"]
        assert shown["statement_kind"] == "SELECT" and shown["idle_seconds"] is None, shown
        assert PLANTED not in info.output
        run = lock_module(backend, state="released", min_idle=0)
        assert run.rc != 0, run.output
        assert run.result["error_kind"] == "lock_holder_busy", run.result
        assert (
            f"Session {holder.session} holds Prisma's migrate lock and is running a SELECT statement for"
            in (run.result["msg"])
        )
        assert PLANTED not in run.output
        assert worker.is_alive(), "the holder's statement was cut short"
    finally:
        cancel = backend.connect()
        try:
            cancel.cursor().execute(CANCEL[backend.provider], (holder.session,))
        finally:
            cancel.close()
        worker.join(30)
    assert holder.alive()
    assert not new_session_takes_the_lock(backend)


def test_after_the_release_prismas_deploy_proceeds(make_backend, tmp_path):
    """Prisma's engine (the referee, PostgreSQL through its driver adapter) waits for the lock an orphaned session
    holds; once the module ends that session, the deploy goes on and applies the migration."""
    backend = make_backend("postgresql")
    migrations = backend.write_migrations(tmp_path / "migrations", {INIT: backend.seed_scripts()[INIT]})
    holder = Holder(backend)
    deployed = {}

    def deploy():
        try:
            deployed["applied"] = backend.deploy(migrations)
        except DeployFailed as error:
            deployed["error"] = error

    worker = threading.Thread(target=deploy, daemon=True)
    try:
        worker.start()
        worker.join(3)
        assert worker.is_alive() and not deployed, deployed  # Prisma's engine waits for the orphaned lock
        run = lock_module(backend, state="released", min_idle=0, session=str(holder.session))
        assert run.rc == 0 and run.result["ended"] == holder.session, run.output
        worker.join(60)
        assert deployed == {"applied": [INIT]}, deployed
    finally:
        holder.close()
        worker.join(60)


def test_sql_server_never_ends_a_holder_it_cannot_see(make_backend):
    """Babelfish answers sp_getapplock but does not list application locks in sys.dm_tran_locks: the lock shows as
    held by a session this login cannot see, and the release refuses and ends nothing. Where the server names the
    holder (SQL Server with VIEW SERVER STATE), the idle holder is ended."""
    backend = make_backend("sqlserver")
    holder = backend.hold_prisma_lock()
    try:
        info = run_module("prisma_migration_lock", backend.module_args())
        assert info.rc == 0 and info.result["held"] is True, info.output
        (shown,) = info.result["holders"]
        released = run_module("prisma_migration_lock", backend.module_args(state="released", min_idle=0))
        if shown["session"] is None:
            assert released.rc != 0 and released.result["error_kind"] == "lock_holder_unknown", released.output
            assert run_module("prisma_migration_lock", backend.module_args()).result["held"] is True
        else:
            assert released.rc == 0 and released.result["ended"] == shown["session"], released.output
    finally:
        with suppress(Exception):
            holder.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_nobody_holds_the_lock(make_backend, engine):
    backend = make_backend(engine)
    info = lock_module(backend)
    assert info.rc == 0 and info.result["held"] is False and info.result["holders"] == [], info.output
    run = lock_module(backend, state="released")
    assert run.rc == 0 and run.result["changed"] is False, run.output
    assert run.result["lock_free"] is True and "Nobody holds" in run.result["msg"]


def test_sqlite_has_no_migrate_lock(make_backend):
    backend = make_backend("sqlite")
    args = {"database_url": backend.url, "project_dir": backend.project_dir}
    info = run_module("prisma_migration_lock", args)
    assert info.rc == 0 and info.result["held"] is False, info.output
    run = run_module("prisma_migration_lock", {**args, "state": "released", "min_idle": 0})
    assert run.rc == 0 and run.result["changed"] is False, run.output
    assert "Prisma takes no migrate lock" in run.result["msg"]


RELEASE_TASK = "Release Prisma's migrate lock left by a killed deploy"


@pytest.mark.parametrize("protected", [False, True])
def test_the_role_releases_only_when_asked_and_confirmed(make_backend, tmp_path, protected):
    """-e release_stale_lock=true: the role calls the module before the preflight; a holder idle for less than 300 s
    stops the run, ended never. A protected environment without its confirmation never gets that far."""
    backend = make_backend("postgresql")
    backend.p3009(tmp_path)
    holder = Holder(backend)
    try:
        inventory = write_inventory(
            tmp_path,
            "test",
            {
                "p3009_recovery_database_url": backend.url,
                "p3009_recovery_audit_dir": str(tmp_path / "audit"),
                "p3009_recovery_protected": protected,
            },
        )
        before = backend.digest()
        run = run_recovery(inventory, "test", BIO_INDEX, verbose=False, release_stale_lock=True)
        assert run.returncode != 0, run.output
        if protected:
            assert RELEASE_TASK not in run.output
            assert "is protected. Re-run with -e confirm=" in run.output
        else:
            assert RELEASE_TASK in run.output
            assert "less than min_idle (300 s)" in run.output and "Nothing was ended." in run.output
        assert holder.alive()
        assert backend.digest() == before
    finally:
        holder.close()
