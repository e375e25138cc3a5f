"""Throwaway PostgreSQL and MariaDB servers on free loopback ports, or servers named by the environment.

DBOPS_TEST_POSTGRES_URL / DBOPS_TEST_MYSQL_URL point at an existing server (an admin URL without a database);
otherwise a server is initialised in a temporary folder and stopped at the end of the session.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import tempfile
import threading
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
def throwaway_mariadb(options: tuple[str, ...] = ()):
    """`options`: more mariadbd options (e.g. --performance-schema=ON)."""
    with _service_dir("mysql", "dbops-mariadb-") as workdir, _mariadb_in(workdir, options) as url:
        yield url


@contextlib.contextmanager
def _mariadb_in(workdir: str, options: tuple[str, ...] = ()):
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
                *options,
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


# Babelfish for PostgreSQL (SQL Server's TDS protocol and T-SQL): the shared engine beside the repository.
BABELFISH_SCRIPT = "DBOPS_BABELFISH_SCRIPT"
# The session's SQL Server password has both characters that need braces in a sqlserver:// URL and in ODBC.
BABELFISH_PASSWORD = "Bf;pa}ss-1"
BABELFISH_USER = "sa_admin"
BABELFISH_DATABASE = "app"


def babelfish_script() -> str:
    """start-babelfish: $DBOPS_BABELFISH_SCRIPT, else ../shared/babelfish/start-babelfish beside the repository."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    return os.environ.get(BABELFISH_SCRIPT) or os.path.join(
        os.path.dirname(root), "shared", "babelfish", "start-babelfish"
    )


def babelfish_available() -> str | None:
    script = babelfish_script()
    if not os.access(script, os.X_OK):
        return f"{script} not found (set {BABELFISH_SCRIPT}) and DBOPS_TEST_MSSQL_URL not set"
    return None


def sqlserver_url(host: str, port: int, *, user: str, password: str, database: str, tls: bool) -> str:
    """A Prisma sqlserver:// URL; `;` goes inside `{...}` and `}` outside, by Prisma's JDBC-style rule."""
    secret = "".join("{;}" if char == ";" else "{{}" if char == "{" else char for char in password)
    encrypt = "encrypt=true" if tls else "encrypt=false"
    return f"sqlserver://{host}:{port};database={database};user={user};password={secret};{encrypt};trustServerCertificate=true"


@dataclasses.dataclass(frozen=True)
class Babelfish:
    host: str
    port: int
    data: str
    ca_path: str

    def url(self, *, tls: bool) -> str:
        """The login of the session's server, over TLS (certificate trusted as given) or in plain text."""
        return sqlserver_url(
            self.host, self.port, user=BABELFISH_USER, password=BABELFISH_PASSWORD, database=BABELFISH_DATABASE, tls=tls
        )


@contextlib.contextmanager
def throwaway_babelfish():
    """A fresh Babelfish cluster for the session, with TLS switched on (it still takes plain-text logins)."""
    from ansible_collections.backoffice.dbops.tests.support.arm_emulator import make_certificates

    script = babelfish_script()
    workdir = tempfile.mkdtemp(prefix="dbops-babelfish-")
    os.chmod(workdir, 0o755)
    data = os.path.join(workdir, "data")
    env = {
        **os.environ,
        "BABELFISH_USER": BABELFISH_USER,
        "BABELFISH_PASSWORD": BABELFISH_PASSWORD,
        "BABELFISH_DATABASE": BABELFISH_DATABASE,
    }
    started = subprocess.run([script, data], env=env, capture_output=True, text=True, check=False)
    if started.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"start-babelfish failed: {started.stderr.strip()}")
    try:
        port = _babelfish_tds_port(data)
        ca_path = _babelfish_tls(data, workdir, make_certificates)
        yield Babelfish("127.0.0.1", port, data, ca_path)
    finally:
        subprocess.run([script, "stop", data], capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


def _babelfish_tls(data: str, workdir: str, make_certificates) -> str:
    """Give the server a certificate from a throwaway CA and restart it: logins may then use TLS or not."""
    ca_path, cert_path, key_path = make_certificates(workdir)
    owner = os.stat(data)
    for path in (cert_path, key_path):
        target = os.path.join(data, os.path.basename(path))
        shutil.copy(path, target)
        os.chmod(target, 0o600)
        if os.geteuid() == 0:
            os.chown(target, owner.st_uid, owner.st_gid)
    with open(os.path.join(data, "postgresql.auto.conf"), "a") as conf:
        conf.write(f"ssl = on\nssl_cert_file = '{data}/server.pem'\nssl_key_file = '{data}/server.key'\n")
    pg_ctl = os.path.join(_babelfish_home(data), "bin", "pg_ctl")
    command = [pg_ctl, "-D", data, "-m", "fast", "-w", "-l", os.path.join(data, "server.log"), "restart"]
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={owner.st_uid}", f"--regid={owner.st_gid}", "--clear-groups", *command]
    subprocess.run(command, check=True, capture_output=True)
    _wait(lambda: _tds_port_open(data), "Babelfish after enabling TLS")
    return ca_path


def _babelfish_home(data: str) -> str:
    """The install the server runs from, as its postmaster.opts records it."""
    with open(os.path.join(data, "postmaster.opts")) as opts:
        postgres = opts.read().split()[0]
    return os.path.dirname(os.path.dirname(postgres))


def _babelfish_tds_port(data: str) -> int:
    """From the babelfish.env start-babelfish writes into the data folder."""
    with open(os.path.join(data, "babelfish.env")) as handle:
        settings = dict(line.split("=", 1) for line in handle.read().splitlines() if "=" in line)
    return int(settings["BABELFISH_TDS_PORT"])


def _tds_port_open(data: str) -> bool:
    try:
        socket.create_connection(("127.0.0.1", _babelfish_tds_port(data)), timeout=1).close()
        return True
    except OSError:
        return False


class SilentServer:
    """A TCP server on a free loopback port that accepts every connection and never sends a byte: a database behind
    a stuck load balancer. `accepted` counts the connections; stop() closes them all."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._connections: list[socket.socket] = []
        self.accepted = 0

    def start(self) -> SilentServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self._listener.accept()
            except OSError:  # closed by stop()
                return
            self._connections.append(connection)
            self.accepted += 1

    def stop(self) -> None:
        self._listener.close()
        for connection in self._connections:
            connection.close()
