"""The secrets sweep: a whole recovery with a `kind: command` redeploy whose command prints every secret it can
find, and then a search for the secrets, in every encoding, in everything a run leaves or shows: stdout at -vvv,
log_path, the audit JSON, set_stats (custom stats), and the process list sampled all along the run.

A database at password `pw`: every module that takes a DATABASE_URL reports a database and a migration named
`..._badpw` under their own names. Ansible would mask a registered `pw` inside every name holding it (`bad********`);
the collection never registers a credential under 8 characters, and never one that a reported name holds, while
still never showing the password itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module, run_module_in
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import FirewalledDatabaseProxy
from ansible_collections.backoffice.dbops.tests.support.backends import mssql, unavailable, with_database
from ansible_collections.backoffice.dbops.tests.support.preflight import failed_deploy
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    ECHO_IP,
    RG,
    ROOT,
    SECRET_NAME,
    SERVER,
    arm_emulator,
    audit_files,
    azure_vars,
    playbook_env,
    recovery_command,
    write_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, INIT

SECRET = "Sup3r-S3cret_pw"


DB_PASSWORD = "Sw;}@:/%ü-eep_Pass-42"


AZURE_SECRET = "Az~+/=;%-Sweep.Secret_99"


SHORT_PASSWORD = "added"  # inside 20201127134938_added_bio_index


DEPLOY_MARKER = "sweep-deploy-standin"


# Stands in for `npx prisma migrate deploy`, and leaks all it can: the URL, the password decoded and encoded, the
# URL in base64; it stays a moment, so that the process list is sampled while it runs.
DEPLOY = textwrap.dedent(
    """
    import base64, hashlib, os, sys, time, urllib.parse
    url = os.environ["DATABASE_URL"]
    password = urllib.parse.unquote(urllib.parse.urlsplit(url).password or "")
    open(sys.argv[1], "w").write(hashlib.sha256(url.encode()).hexdigest())
    print("DATABASE_URL is", url)
    print("password:", password)
    print("encoded:", urllib.parse.quote(password, safe=""), urllib.parse.quote_plus(password))
    print("base64:", base64.b64encode(url.encode()).decode())
    print("Applying migration `20201127134938_added_bio_index`")
    print("stderr has it too:", password, file=sys.stderr)
    time.sleep(2)
    """
)


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def encodings(secret: str) -> set[str]:
    """Every way a secret could be written out."""
    hex_lower = re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group(0).lower(), quote(secret, safe=""))
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        hex_lower,
        json.dumps(secret)[1:-1],
        base64.b64encode(secret.encode()).decode(),
        base64.urlsafe_b64encode(secret.encode()).decode(),
    }
    return {form for form in forms if form}


class ProcessSampler(threading.Thread):
    """Samples every process's command line (what `ps` shows every local user), from /proc and from `ps` itself,
    until stopped; `of(root)` keeps the run's own processes (other work may share the machine)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen: dict[tuple[int, str], int] = {}
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    try:
                        raw = Path(entry.path, "cmdline").read_bytes()
                        parent = int(Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[1])
                    except (OSError, ValueError, IndexError):
                        continue
                    self.seen[(int(entry.name), raw.replace(b"\0", b" ").decode("utf-8", "replace"))] = parent
            ps = subprocess.run(["ps", "-eww", "-o", "pid=,ppid=,args="], capture_output=True, text=True, check=False)
            for line in ps.stdout.splitlines():
                pid, parent, *args = line.split(None, 2)
                self.seen[(int(pid), args[0] if args else "")] = int(parent)
            time.sleep(0.02)

    def of(self, root: int) -> list[str]:
        parents = {pid: parent for (pid, _line), parent in self.seen.items()}

        def descends(pid: int) -> bool:
            for _step in range(64):
                if pid == root:
                    return True
                if pid not in parents:
                    return False
                pid = parents[pid]
            return False

        return sorted({line for (pid, line) in self.seen if descends(pid)})


def sweep(inventory, env_name: str, environment: dict, tmp_path: Path) -> dict:
    """Run the recovery while sampling the process list; everything it left, by where it was found."""
    log = tmp_path / "ansible.log"
    environment = {**environment, "ANSIBLE_LOG_PATH": str(log), "ANSIBLE_SHOW_CUSTOM_STATS": "true"}
    sampler = ProcessSampler()
    sampler.start()
    try:
        run = subprocess.Popen(
            recovery_command(inventory, env_name, BIO_INDEX),
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stdout, stderr = run.communicate(timeout=300)
    finally:
        sampler.stopped.set()
        sampler.join()
    assert run.returncode == 0, stdout + stderr
    stats = stdout[stdout.index("CUSTOM STATS") :]
    assert "p3009_recovery_audit" in stats
    return {
        "stdout -vvv": stdout + stderr,
        "log_path": log.read_text(),
        "audit JSON": "\n".join(path.read_text() for path in audit_files(tmp_path / "audit")),
        "set_stats": stats,
        "ps": "\n".join(sampler.of(run.pid)),
    }


def redeploy(tmp_path: Path) -> tuple[dict, Path]:
    script = tmp_path / f"{DEPLOY_MARKER}.py"
    script.write_text(DEPLOY)
    received = tmp_path / "received"
    return {"kind": "command", "argv": [str(BIN / "python"), str(script), str(received)]}, received


@pytest.fixture
def emulator(tmp_path):
    with arm_emulator(str(tmp_path / "arm"), client_secret=AZURE_SECRET) as emulator:
        yield emulator


@pytest.mark.postgresql
def test_no_secret_anywhere_in_any_encoding(tmp_path, emulator, make_backend):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)  # the preflight lets the resolve through only once the data is fixed
    server = emulator.add_server(RG, SERVER)
    proxy = FirewalledDatabaseProxy(server, ECHO_IP, ("127.0.0.1", int(backend.target.port))).start()
    parts = urlsplit(backend.url)
    url = f"postgresql://postgres:{quote(DB_PASSWORD, safe='')}@127.0.0.1:{proxy.port}{parts.path}?{parts.query}"
    emulator.vault_secrets[SECRET_NAME] = url
    command, received = redeploy(tmp_path)
    inventory = write_inventory(
        tmp_path,
        "test",
        azure_vars(
            emulator,
            p3009_recovery_migrations_dir=str(migrations),
            p3009_recovery_audit_dir=str(tmp_path / "audit"),
            p3009_recovery_redeploy=command,
        ),
    )
    try:
        found = sweep(inventory, "test", playbook_env(emulator), tmp_path)
    finally:
        proxy.stop()
    # The command got the URL, through its environment, and ran while the process list was sampled.
    assert received.read_text() == hashlib.sha256(url.encode()).hexdigest()
    assert DEPLOY_MARKER in found["ps"] and "AnsiballZ_run_with_database_url" in found["ps"]
    assert "DATABASE_URL is ********" in found["stdout -vvv"]
    secrets = {"database password": DB_PASSWORD, "database URL": url, "Azure secret": AZURE_SECRET}
    for where, text in found.items():
        for what, secret in secrets.items():
            for form in encodings(secret):
                assert form not in text, f"the {what} ({form!r}) is in {where}"
    assert server.rules == {}


@pytest.mark.postgresql
def test_a_five_character_password_inside_a_migration_name_is_neither_shown_nor_masked_in_names(tmp_path, make_backend):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)  # the preflight lets the resolve through only once the data is fixed
    url = backend.url.replace("postgresql://postgres@", f"postgresql://postgres:{SHORT_PASSWORD}@")
    command, received = redeploy(tmp_path)
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {
            "p3009_recovery_database_url": url,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(tmp_path / "audit"),
            "p3009_recovery_redeploy": command,
        },
    )
    found = sweep(inventory, "rehearsal", playbook_env(), tmp_path)
    assert received.read_text() == hashlib.sha256(url.encode()).hexdigest()
    (record,) = [json.loads(path.read_text()) for path in audit_files(tmp_path / "audit")]
    assert record["outcome"] == "resolved" and [row["migration_name"] for row in record["after"]] == [BIO_INDEX]
    for where, text in found.items():
        # Ansible's masking would have written 20201127134938_********_bio_index, which shows where it sits.
        assert "_********_" not in text, where
        assert BIO_INDEX in text or where == "ps", where
        # The names are public (they are folder names in the repository); anywhere else, the password is not.
        for form in encodings(SHORT_PASSWORD):
            assert form not in text.replace(BIO_INDEX, "").replace(INIT, ""), f"{form!r} is in {where}"


PASSWORD = "pw"


APPLIED = "20240101000000_badpw"


FAILED = "20240102000000_badpw_index"


SCRIPTS = {
    APPLIED: 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "bio" TEXT);\n',
    FAILED: 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n',
}


MASKED = "*" * 8


@pytest.fixture
def badpw(make_backend, tmp_path):
    """A database named `badpw_<id>` reached at password `pw` (the throwaway server trusts any), in the P3009 state:
    APPLIED applied, FAILED failed on duplicated bios. Yields its URL with the password and the migrations folder."""
    name = f"badpw_{uuid.uuid4().hex[:8]}"
    backend = make_backend("postgresql", name=name)
    migrations = backend.write_migrations(tmp_path / "migrations", {APPLIED: SCRIPTS[APPLIED]})
    assert backend.deploy(migrations) == [APPLIED]
    backend.execute("""INSERT INTO "User" ("bio") VALUES ('same'), ('same')""")
    backend.write_migrations(tmp_path / "migrations", SCRIPTS)
    failed_deploy(backend, migrations)
    return name, backend.url.replace("://postgres@", f"://postgres:{PASSWORD}@"), migrations


def reported(run) -> str:
    """What a run shows: its result and everything the command printed."""
    text = json.dumps(run.result) + run.output
    assert "bad" + MASKED not in text and "_" + MASKED not in text
    return text


@pytest.mark.postgresql
def test_info_resolve_and_preflight(badpw):
    name, url, migrations = badpw
    info = run_module("prisma_migration_info", {"database_url": url, "migrations_dir": str(migrations)}, verbosity=3)
    assert info.rc == 0, info.output
    assert name in info.result["database"]
    assert [row["migration_name"] for row in info.result["migrations"]] == [APPLIED, FAILED]
    assert info.result["failed_migration_names"] == [FAILED]
    assert "shorter than 8 characters" in reported(info)

    preflight = run_module(
        "prisma_migration_preflight", {"database_url": url, "migrations_dir": str(migrations), "migration": FAILED}
    )
    assert preflight.rc == 0, preflight.output
    assert preflight.result["migration"] == FAILED and name in preflight.result["database"]
    reported(preflight)

    args = {"database_url": url, "migration": FAILED, "state": "rolled_back"}
    resolved = run_module("prisma_migration_resolve", args, diff=True, verbosity=3)
    assert resolved.rc == 0 and resolved.result["changed"], resolved.output
    assert [row["migration_name"] for row in resolved.result["migration_rows"]] == [FAILED]
    assert FAILED in resolved.result["diff"]["before"]
    reported(resolved)
    # Prisma's refusal names the migration too: FAILED is no longer failed (P3011 lists the failed ones, none).
    refused = run_module("prisma_migration_resolve", {**args, "migration": APPLIED})
    assert refused.result["code"] == "P3012" and APPLIED in refused.result["msg"]
    reported(refused)


@pytest.mark.postgresql
def test_status_wait_and_run(badpw, postgres_server, tmp_path):
    name, url, migrations = badpw
    other = with_database(postgres_server, "postgres").replace("://postgres@", "://postgres:Long-Enough-Secret-1@")
    databases = [
        {"name": "prod", "database_url": url, "migrations_dir": str(migrations)},
        {"name": "badpw", "database_url": other},
    ]
    status = run_module("prisma_migration_status", {"databases": databases}, verbosity=3)
    assert [database["name"] for database in status.result["databases"]] == ["prod", "badpw"], status.output
    assert status.result["databases"][0]["failed_migrations"] == [FAILED]
    assert name in status.result["databases"][0]["database"]
    assert status.result["failing"] == ["prod"]
    assert "Long-Enough-Secret-1" not in reported(status)

    waited = run_module("wait_for_database", {"database_url": url, "timeout": 10}, verbosity=3)
    assert waited.rc == 0 and name in waited.result["database"], waited.output
    reported(waited)

    # The command sees the URL in its environment and prints the database's and a migration's names, and the
    # password alone: the names come back as they are, the password never.
    script = tmp_path / "deploy.py"
    script.write_text(
        "import os, urllib.parse\n"
        "url = urllib.parse.urlsplit(os.environ['DATABASE_URL'])\n"
        f"print('deploying', url.path.lstrip('/'), '{APPLIED}')\n"
        "print('password', url.password)\n"
    )
    ran = run_module("run_with_database_url", {"argv": [sys.executable, str(script)], "database_url": url})
    assert ran.rc == 0, ran.output
    assert ran.result["stdout_lines"] == [f"deploying {name} {APPLIED}", f"password {MASKED}"]
    reported(ran)


@pytest.mark.mssql
@pytest.mark.parametrize("driver", list(mssql.DRIVERS))
def test_a_password_with_semicolon_and_brace_works_and_never_shows_under_vvv(make_backend, tmp_path, driver):
    backend = make_backend("sqlserver", driver=driver)
    password = backend.target.password
    backend.p3009(tmp_path)
    for module, extra in (("prisma_migration_info", {}), ("prisma_migration_resolve", {"migration": BIO_INDEX})):
        run = run_module(module, backend.module_args(**extra), verbosity=3, diff=True)
        assert run.rc == 0, run.output
        assert password not in run.output and password not in repr(run.result)
    wrong = backend.url.replace("password=", "password=x")
    failed = run_module("prisma_migration_info", backend.module_args(database_url=wrong), verbosity=3)
    assert failed.rc != 0 and "18456" in failed.result["msg"]
    assert password not in failed.output and "x" + password not in failed.output


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


def with_password(backend, password: str) -> str:
    """The backend's URL with a password (the throwaway PostgreSQL trusts any)."""
    return backend.url.replace("postgresql://postgres@", f"postgresql://postgres:{quote(password, safe='')}@")


@pytest.mark.parametrize("password", ["added", "added_bio"], ids=["short", "inside_a_name"])
def test_a_password_inside_a_migration_name_never_masks_the_name(make_backend, tmp_path, password):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    url = with_password(backend, password)
    info = run_module("prisma_migration_info", {"database_url": url, "migration": BIO_INDEX}, verbosity=3)
    assert info.rc == 0, info.output
    assert info.result["migration_state"] == "failed"
    assert info.result["failed_migration_names"] == [BIO_INDEX]
    assert info.result["failed_migrations"][0]["migration_name"] == BIO_INDEX
    assert "********" not in info.output
    resolved = run_module("prisma_migration_resolve", {"database_url": url, "migration": BIO_INDEX}, verbosity=3)
    assert resolved.rc == 0, resolved.output
    assert resolved.result["migration_state"] == "rolled_back" and resolved.result["still_blocking"] == []
    assert [row["migration_name"] for row in resolved.result["migration_rows"]] == [BIO_INDEX]
    assert "********" not in resolved.output
    preflight_args = {
        "database_url": url,
        "migration": BIO_INDEX,
        "migrations_dir": str(migrations),
        "rehearse": False,
    }
    preflight = run_module("prisma_migration_preflight", preflight_args, verbosity=3)
    assert preflight.rc == 0, preflight.output
    assert preflight.result["migration"] == BIO_INDEX and preflight.result["migration_state"] == "pending"
    assert "********" not in preflight.output
    unknown = run_module("prisma_migration_resolve", {"database_url": url, "migration": "20201127134938_added"})
    assert unknown.result["code"] == "P3011" and "`20201127134938_added`" in unknown.result["msg"]
    if len(password) < 8:
        (warning,) = {line for line in info.output.splitlines() if "shorter than 8 characters" in line}
        assert password not in warning


def test_password_never_printed_with_vvv(make_backend, tmp_path):
    backend = make_backend("postgresql")
    backend.p3009(tmp_path)
    # Trust authentication accepts any password, so this one travels all the way through a successful run.
    url = backend.url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@")
    for module, extra in (("prisma_migration_info", {}), ("prisma_migration_resolve", {"migration": BIO_INDEX})):
        run = run_module(module, {"database_url": url, **extra}, verbosity=3, diff=True)
        assert run.rc == 0, run.output
        assert SECRET not in run.output
        assert SECRET not in repr(run.result)


def test_bad_credentials_are_reported_without_the_password(make_backend):
    backend = make_backend("mysql")
    url = backend.url.replace("mysql://root@", f"mysql://root:{SECRET}@")
    run = run_module("prisma_migration_info", {"database_url": url}, verbosity=3)
    assert run.rc != 0
    assert "Access denied" in run.result["msg"]
    assert SECRET not in run.output and SECRET not in repr(run.result)
