"""Regression tests of the hardening issue, through the real `ansible` command against real databases: bad input
refused cleanly, faults reported as they happened, and secrets kept out of every output."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.backoffice.dbops.tests.support import prisma_like
from ansible_collections.backoffice.dbops.tests.support.ansible_run import BIN, run_module, run_module_in
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import ArmEmulator
from ansible_collections.backoffice.dbops.tests.support.scenarios import write_migrations


def encoded_forms(secret: str) -> list[str]:
    """How a secret can leak: as is, percent-encoded (both ways), or base64-encoded."""
    return [
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        quote(secret, safe="").lower(),
        base64.b64encode(secret.encode()).decode(),
    ]


@pytest.mark.parametrize(
    ("module", "url", "pieces"),
    [
        ("wait_for_database", "postgresql://u:4711/secretword@127.0.0.1/db", ("secretword",)),
        ("prisma_migration_info", "postgresql://u:p@ss/word@127.0.0.1/db", ("ss/word", "word@")),
        ("prisma_migration_info", "sqlserver://127.0.0.1:9;database=d;user=u;password=Sup3r;Secr3tTail", ("Secr3t",)),
    ],
)
def test_a_url_that_cannot_be_parsed_is_never_quoted(module, url, pieces):
    extra = {"timeout": 1} if module == "wait_for_database" else {}
    run = run_module(module, {"database_url": url, **extra}, verbosity=3)
    assert run.rc != 0
    assert run.result["msg"].startswith("Invalid database_url"), run.result["msg"]
    for piece in pieces:
        assert piece not in run.output


AZURE_TENANT = "72f988bf-0000-4000-8000-0000000000d1"
AZURE_CLIENT = "5f2c7c34-0000-4000-8000-0000000000d2"
AZURE_SUBSCRIPTION = "00000000-0000-4000-8000-0000000000d3"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emulator = ArmEmulator(
        str(tmp_path_factory.mktemp("arm")),
        tenant=AZURE_TENANT,
        client_id=AZURE_CLIENT,
        client_secret="The~right+secret/for=the;tenant%1",
        subscription_id=AZURE_SUBSCRIPTION,
    ).start()
    emulator.add_server("rg", "sql")
    yield emulator
    emulator.stop()


def test_an_azure_secret_echoed_url_encoded_by_the_token_endpoint_is_redacted(emulator, tmp_path):
    wrong = "Wr0ng~+/=;%-secret_echoed"
    emulator.echo_form_body = True
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LC_ALL": "C.UTF-8",
        **emulator.awx_credential_environment(),
        "AZURE_SECRET": wrong,
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    }
    try:
        failed = run_module_in(
            env,
            "backoffice.dbops.azure_sql_firewall",
            {"resource_group": "rg", "server_name": "sql", "start_ip_address": "198.51.100.7"},
            "-vvv",
        )
    finally:
        emulator.echo_form_body = False
    assert failed.status == "FAILED!" and failed["code"] == "AuthenticationFailed", failed.output
    assert "client_secret=" in failed["msg"]  # the body was echoed, with the secret in it masked
    for form in encoded_forms(wrong):
        assert form not in failed.output


FAILED_NAME = "20201127134938_added_bio_index"
INIT_NAME = "20201127134937_init"


def args(backend, **extra):
    return {"database_url": backend.url, "project_dir": backend.project_dir, **extra}


def with_password(backend, password: str) -> str:
    """The backend's URL with a password (the throwaway PostgreSQL trusts any)."""
    return backend.url.replace("postgresql://postgres@", f"postgresql://postgres:{quote(password, safe='')}@")


@pytest.mark.parametrize("password", ["added", "added_bio"], ids=["short", "inside_a_name"])
def test_a_password_inside_a_migration_name_never_masks_the_name(make_backend, tmp_path, password):
    backend = make_backend("postgresql")
    prisma_like.p3009_history(backend)
    url = with_password(backend, password)
    info = run_module("prisma_migration_info", {"database_url": url, "migration": FAILED_NAME}, verbosity=3)
    assert info.rc == 0, info.output
    assert info.result["migration_state"] == "failed"
    assert info.result["failed_migration_names"] == [FAILED_NAME]
    assert info.result["failed_migrations"][0]["migration_name"] == FAILED_NAME
    assert "********" not in info.output
    resolved = run_module("prisma_migration_resolve", {"database_url": url, "migration": FAILED_NAME}, verbosity=3)
    assert resolved.rc == 0, resolved.output
    assert resolved.result["migration_state"] == "rolled_back" and resolved.result["still_blocking"] == []
    assert [row["migration_name"] for row in resolved.result["migration_rows"]] == [FAILED_NAME]
    assert "********" not in resolved.output
    folder = str(write_migrations(tmp_path / "migrations", "postgresql", scripts=prisma_like.SCRIPTS))
    preflight_args = {"database_url": url, "migration": FAILED_NAME, "migrations_dir": folder, "rehearse": False}
    preflight = run_module("prisma_migration_preflight", preflight_args, verbosity=3)
    assert preflight.rc == 0, preflight.output
    assert preflight.result["migration"] == FAILED_NAME and preflight.result["migration_state"] == "pending"
    assert "********" not in preflight.output
    unknown = run_module("prisma_migration_resolve", {"database_url": url, "migration": "20201127134938_added"})
    assert unknown.result["code"] == "P3011" and "`20201127134938_added`" in unknown.result["msg"]
    if len(password) < 8:
        (warning,) = {line for line in info.output.splitlines() if "shorter than 8 characters" in line}
        assert password not in warning


def test_resolve_lists_at_most_history_limit_rows(make_backend):
    backend = make_backend("sqlite")
    prisma_like.create_history_table(backend)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for number in range(30):
        prisma_like.record(
            backend, f"2020{number:010d}_m", "SELECT 1;", state="applied", started_at=start + timedelta(seconds=number)
        )
    prisma_like.record(backend, FAILED_NAME, "x", state="failed", started_at=start + timedelta(days=1))
    run = run_module("prisma_migration_resolve", args(backend, migration=FAILED_NAME, history_limit=5))
    assert run.rc == 0, run.output
    assert len(run.result["migrations"]) == 5 and run.result["migrations"][-1]["migration_name"] == FAILED_NAME
    assert run.result["migrations_count"] == 31 and run.result["migrations_truncated"] is True
    default = run_module("prisma_migration_resolve", args(backend, migration=FAILED_NAME, history_limit=0))
    assert len(default.result["migrations"]) == 31 and default.result["changed"] is False


@pytest.mark.parametrize(
    ("module", "extra", "said"),
    [
        ("prisma_migration_resolve", {"migration": FAILED_NAME, "lock_timeout": 0}, "lock_timeout must be at least 1"),
        ("prisma_migration_resolve", {"migration": FAILED_NAME, "lock_timeout": -1}, "lock_timeout must be at least 1"),
        ("prisma_migration_resolve", {"migration": FAILED_NAME, "history_limit": -1}, "history_limit must be at least"),
        ("prisma_migration_info", {"history_limit": -5}, "history_limit must be at least 0"),
        ("prisma_migration_resolve", {"migration": [FAILED_NAME, INIT_NAME]}, "got a list"),
        ("prisma_migration_info", {"migration": {"name": FAILED_NAME}}, "got a dict"),
        ("prisma_migration_resolve", {"migration": "x" * 4000}, "4000 characters long"),
        ("prisma_migration_preflight", {"migration": [FAILED_NAME, INIT_NAME]}, "got a list"),
    ],
)
def test_bad_options_are_refused_and_nothing_changes(make_backend, tmp_path, module, extra, said):
    backend = make_backend("sqlite")
    prisma_like.p3009_history(backend)
    before = backend.digest()
    if module == "prisma_migration_preflight":
        folder = write_migrations(tmp_path / "migrations", "sqlite", scripts=prisma_like.SCRIPTS)
        extra = {**extra, "migrations_dir": str(folder)}
    run = run_module(module, args(backend, **extra))
    assert run.rc != 0
    assert said in run.result["msg"], run.result
    assert run.result.get("hint") and run.result.get("error_kind") == "invalid_option"
    assert backend.digest() == before


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"initial_delay": 0}, "initial_delay must be at least 0.1 s"),
        ({"initial_delay": -1}, "initial_delay must be at least 0.1 s"),
        ({"max_delay": -2}, "max_delay must be at least"),
        ({"timeout": -1}, "timeout must be at least 0 s"),
    ],
)
def test_wait_for_database_refuses_a_schedule_out_of_range(extra, said):
    run = run_module("wait_for_database", {"database_url": "postgresql://u@127.0.0.1:9/db", "timeout": 1, **extra})
    assert run.rc != 0 and said in run.result["msg"], run.result


def test_wait_for_database_polls_no_faster_than_its_floor():
    run = run_module(
        "wait_for_database",
        {
            "database_url": "postgresql://u@127.0.0.1:9/db",
            "timeout": 2,
            "initial_delay": 0.1,
            "max_delay": 0.1,
            "firewall_rule_opened": True,
        },
    )
    attempts = int(re.search(r"\((\d+) attempts\)", run.result["msg"]).group(1))
    assert attempts <= 2 / 0.1 + 1


def test_a_fifo_in_the_migrations_folder_is_reported_not_read(make_backend, tmp_path):
    backend = make_backend("sqlite")
    prisma_like.p3009_history(backend)
    folder = write_migrations(tmp_path / "migrations", "sqlite", scripts=prisma_like.SCRIPTS)
    (folder / FAILED_NAME / "migration.sql").unlink()
    os.mkfifo(folder / FAILED_NAME / "migration.sql")
    run = run_module("prisma_migration_info", args(backend, migrations_dir=str(folder)), timeout=60)
    assert run.rc == 0, run.output
    assert run.result["not_comparable"] == [
        {"migration_name": FAILED_NAME, "reason": "migration.sql is not a regular file"}
    ]
    refused = run_module(
        "prisma_migration_resolve",
        args(backend, migration=FAILED_NAME, state="applied", migrations_dir=str(folder)),
        timeout=60,
    )
    assert refused.rc != 0 and "is not a regular file" in refused.result["msg"]
    (folder / "migration_lock.toml").unlink()
    os.mkfifo(folder / "migration_lock.toml")
    locked = run_module("prisma_migration_info", args(backend, migrations_dir=str(folder)), timeout=60)
    assert locked.rc != 0 and "migration_lock.toml is not a regular file" in locked.result["msg"]


def test_two_failed_migrations_resolving_one_succeeds_and_names_the_other(make_backend):
    backend = make_backend("sqlite")
    prisma_like.p3009_history(backend)
    other = "20201201000000_add_name"
    prisma_like.record(
        backend, other, "ALTER;", state="failed", started_at=datetime(2020, 12, 1, tzinfo=UTC), logs="boom"
    )
    first = run_module("prisma_migration_resolve", args(backend, migration=FAILED_NAME))
    assert first.rc == 0, first.output
    assert first.result["changed"] is True and first.result["still_blocking"] == [other]
    again = run_module("prisma_migration_resolve", args(backend, migration=FAILED_NAME))
    assert again.rc == 0 and again.result["changed"] is False and again.result["still_blocking"] == [other]


@pytest.mark.parametrize("password", ["pässwörd", "€uro-9-Pass"])
def test_mysql_passwords_with_non_ascii_characters_log_in(make_backend, password):
    backend = make_backend("mysql")
    prisma_like.p3009_history(backend)
    database = backend.target.database
    user = f"u{database[-8:]}"
    backend.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
    backend.execute(f"GRANT ALL ON `{database}`.* TO '{user}'@'%%'")
    try:
        target = backend.target
        url = f"mysql://{user}:{quote(password, safe='')}@{target.host}:{target.port}/{database}"
        client = shutil.which("mariadb") or shutil.which("mysql")
        if client:
            # The mysql client logs in with the same password: the account is right, the driver must follow.
            login = [client, "-h", target.host, "-P", str(target.port), "-u", user, "-e", "SELECT 1", database]
            subprocess.run(login, env={**os.environ, "MYSQL_PWD": password}, check=True, capture_output=True)
        run = run_module("prisma_migration_info", {"database_url": url, "migration": FAILED_NAME})
        assert run.rc == 0, run.output
        assert run.result["migration_state"] == "failed"
        assert password not in run.output
    finally:
        backend.execute(f"DROP USER '{user}'@'%%'")


def test_a_mariadb_connection_killed_mid_transaction_reports_the_kill(make_backend):
    backend = make_backend("mysql")
    ids = prisma_like.p3009_history(backend)
    before = backend.digest()
    # Another transaction holds the failed row, so the resolve stops inside its transaction, at its UPDATE.
    blocker = backend.connect()
    blocker.autocommit(False)
    blocker.cursor().execute(f"SELECT id FROM {backend.table} WHERE id = %s FOR UPDATE", (ids["failed"],))
    runs = []
    resolver = threading.Thread(
        target=lambda: runs.append(
            run_module("prisma_migration_resolve", args(backend, migration=FAILED_NAME, lock_timeout=20))
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
    (folder / "migration.sql").write_text(prisma_like.SCRIPTS[INIT_NAME])
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


def azure_env(emulator, home) -> dict:
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "LC_ALL": "C.UTF-8",
        **emulator.awx_credential_environment(),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    }


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"start_ip_address": "1.0.0.0", "end_ip_address": "223.255.255.255"}, "max_addresses allows 256"),
        ({"start_ip_address": "198.51.100.7", "expires_in": "100000d"}, "longer than max_expires_in 1d"),
    ],
)
def test_the_firewall_module_refuses_wide_ranges_and_long_expiries(emulator, tmp_path, extra, said):
    emulator.reset_counters()
    result = run_module_in(
        azure_env(emulator, tmp_path),
        "backoffice.dbops.azure_sql_firewall",
        {"resource_group": "rg", "server_name": "sql", **extra},
    )
    assert result.status == "FAILED!" and said in result["msg"], result.output
    assert emulator.write_calls == 0


def test_the_firewall_module_reports_rules_an_earlier_run_left_open(emulator, tmp_path):
    server = emulator.servers[("rg", "sql")]
    until = (datetime.now(UTC) + timedelta(minutes=40)).strftime("%Y%m%dT%H%M%SZ")
    left = f"dbops-awx-job-41-until-{until}"
    server.rules[left] = {"startIpAddress": "198.51.100.7", "endIpAddress": "198.51.100.7"}
    try:
        result = run_module_in(
            azure_env(emulator, tmp_path),
            "backoffice.dbops.azure_sql_firewall",
            {"resource_group": "rg", "server_name": "sql", "start_ip_address": "198.51.100.7", "expires_in": "1h"},
        )
    finally:
        server.rules.clear()
    assert result.status == "CHANGED", result.output
    assert [rule["name"] for rule in result["leftover_rules"]] == [left]
