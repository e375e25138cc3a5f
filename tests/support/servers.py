"""Throwaway PostgreSQL and MariaDB servers on free loopback ports, or servers named by the environment.

DBOPS_TEST_POSTGRES_URL / DBOPS_TEST_MYSQL_URL point at an existing server (an admin URL without a database);
otherwise a server is initialised in a temporary folder and stopped at the end of the session.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_service_user(user: str, command: list[str]) -> list[str]:
    # initdb and mariadbd refuse to run as root; these machines run tests as root.
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *command]
    return command


def _wait(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout}s")


def _tool(name: str, *fallbacks: str) -> str | None:
    for candidate in (name, *fallbacks):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _pg_bin(name: str) -> str | None:
    found = _tool(name)
    if found:
        return found
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        for version in sorted(os.listdir(base), reverse=True):
            path = os.path.join(base, version, "bin", name)
            if os.path.exists(path):
                return path
    return None


def postgres_available() -> str | None:
    """Why a throwaway PostgreSQL cannot start, or None when it can."""
    if not _pg_bin("initdb") or not _pg_bin("pg_ctl"):
        return "initdb/pg_ctl not found (install postgresql) and DBOPS_TEST_POSTGRES_URL not set"
    return None


@contextlib.contextmanager
def _service_dir(user: str, prefix: str):
    # Outside pytest's private (0700) temp root, so the service user can reach it.
    workdir = tempfile.mkdtemp(prefix=prefix)
    os.chmod(workdir, 0o755)
    if os.geteuid() == 0:
        shutil.chown(workdir, user)
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def throwaway_postgres(max_connections: int = 50):
    with _service_dir("postgres", "dbops-postgres-") as workdir, _postgres_in(workdir, max_connections) as url:
        yield url


@contextlib.contextmanager
def _postgres_in(workdir: str, max_connections: int):
    data = os.path.join(workdir, "data")
    port = free_port()
    subprocess.run(
        _as_service_user(
            "postgres", [_pg_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections={max_connections}"
    subprocess.run(
        _as_service_user(
            "postgres",
            [_pg_bin("pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(workdir, "log"), "-w", "start"],
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_service_user("postgres", [_pg_bin("pg_ctl"), "-D", data, "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )


def mariadb_available() -> str | None:
    if not _tool("mariadb-install-db", "mysql_install_db") or not _tool("mariadbd", "mysqld"):
        return "mariadb-install-db/mariadbd not found (install mariadb-server) and DBOPS_TEST_MYSQL_URL not set"
    return None


@contextlib.contextmanager
def throwaway_mariadb():
    with _service_dir("mysql", "dbops-mariadb-") as workdir, _mariadb_in(workdir) as url:
        yield url


@contextlib.contextmanager
def _mariadb_in(workdir: str):
    import pymysql

    data = os.path.join(workdir, "data")
    port = free_port()
    subprocess.run(
        [
            _tool("mariadb-install-db", "mysql_install_db"),
            "--no-defaults",
            "--user=mysql",
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        _as_service_user(
            "mysql",
            [
                _tool("mariadbd", "mysqld"),
                "--no-defaults",
                f"--datadir={data}",
                f"--port={port}",
                "--bind-address=127.0.0.1",
                f"--socket={os.path.join(workdir, 'sock')}",
                "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=0",
            ],
        ),
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(workdir, "log"), "w"),  # noqa: SIM115
    )

    def ready():
        try:
            pymysql.connect(host="127.0.0.1", port=port, user="root", password="", connect_timeout=1).close()
            return True
        except pymysql.err.OperationalError:
            if server.poll() is not None:
                raise RuntimeError(f"mariadbd exited; see {workdir}/log") from None
            return False

    try:
        _wait(ready, "mariadbd")
        yield f"mysql://root@127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
