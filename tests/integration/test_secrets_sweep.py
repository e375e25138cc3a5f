"""The secrets sweep: a whole recovery with a `kind: command` redeploy whose command prints every secret it can
find, and then a search for the secrets, in every encoding, in everything a run leaves or shows: stdout at -vvv,
log_path, the audit JSON, set_stats (custom stats), and the process list sampled all along the run."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import pytest

from ansible_collections.backoffice.dbops.tests.support.arm_emulator import FirewalledDatabaseProxy
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    BIO_INDEX,
    ECHO_IP,
    INIT,
    RG,
    ROOT,
    SECRET_NAME,
    SERVER,
    arm_emulator,
    audit_files,
    azure_vars,
    p3009_database,
    playbook_env,
    recovery_command,
    write_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.scenarios import FIX_DATA

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
    migrations = p3009_database("postgresql", backend.url, tmp_path)
    backend.execute(FIX_DATA)  # the preflight lets the resolve through only once the data is fixed
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
    migrations = p3009_database("postgresql", backend.url, tmp_path)
    backend.execute(FIX_DATA)  # the preflight lets the resolve through only once the data is fixed
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
