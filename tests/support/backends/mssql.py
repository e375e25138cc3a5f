"""SQL Server (Prisma's `sqlserver` provider): a throwaway Babelfish for the session (or DBOPS_TEST_MSSQL_URL), a
schema per test, reached with FreeTDS over plain text or with Microsoft's ODBC Driver 18 (from PyPI's
mssql-python-odbc, by library path) over TLS, its default `Encrypt=yes`; and Prisma's deploy as its SQL Server
flavour runs it (prisma-engines apply_migrations.rs, flavour/mssql.rs, sql_migration_persistence.rs), which the
referee cannot drive."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.driver import find_bundled_driver
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum
from ansible_collections.backoffice.dbops.tests.support import scenarios
from ansible_collections.backoffice.dbops.tests.support.backends.base import (
    Backend,
    DeployFailed,
    unavailable,
    wait,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_like import P3018_HEAD, SPAN_TRACE

ENVIRONMENT_URL = "DBOPS_TEST_MSSQL_URL"
# The drivers the suite runs with: (odbc_driver, whether the URL asks for TLS).
DRIVERS = {"freetds": ("FreeTDS", False), "driver18": ("driver 18 from PyPI", True)}
PRISMA_LOCK = "sp_getapplock @Resource = 'prisma_migrate', @LockMode = 'Exclusive', @LockOwner = 'Session'"
_ODBC_ERROR = re.compile(r"^(?:\[[^\]]*\]\s*)+(?P<message>.*?)\s*\((?P<code>-?\d+)\)\s*\(SQL\w+\)$", re.DOTALL)


class MssqlBackend(Backend):
    provider = "sqlserver"
    lockfile_provider = "mssql"
    server_fixture = "mssql_server"
    # SQL Server's error number for a unique index over duplicates (Babelfish words its message as PostgreSQL does).
    duplicate_message = "Database error code: 1505"

    @classmethod
    def create(cls, server, folder: Path, cleanups: list, *, name=None, schema=None, driver="freetds", template=None):
        """A schema of its own on the session's server (a database per test would cost a Babelfish login each)."""
        assert template is None, "schemas are not copied"
        schema = schema or name or cls.throwaway_name()
        url = server.url_for(DRIVERS[driver][1])
        backend = cls(f"{url};schema={schema}", str(folder), odbc_driver(driver), keep_connection=True)
        backend.execute(f"CREATE SCHEMA {backend.quote(schema)}")
        cleanups.append(backend.close)
        cleanups.append(backend.drop_schema)
        return backend

    def drop_schema(self) -> None:
        schema = self.schema
        tables = self.execute("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?", (schema,))
        for (table,) in tables:
            self.execute(f"DROP TABLE {self.qualified(table)}")
        self.execute(f"DROP SCHEMA {self.quote(schema)}")

    @property
    def schema(self) -> str | None:
        return self.target.schema

    @staticmethod
    def literal(text: str) -> str:
        return "N'" + text.replace("'", "''") + "'"

    @staticmethod
    def error_message(error: BaseException) -> str:
        return error.args[1] if len(error.args) > 1 and isinstance(error.args[1], str) else str(error)

    def as_migration(self, statements: list[str], step: str) -> str:
        return migration_script([(step, statements)])

    def native_error(self, script: str) -> BaseException | None:
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(script)
            # pyodbc raises a batch's later error when its result sets are walked.
            while cursor.nextset():
                pass
        except Exception as error:  # pyodbc's classes
            return error
        finally:
            connection.close()
        return None

    def native_logs(self, name: str, error: BaseException) -> str:
        return native_logs(name, error)

    def hold_prisma_lock(self):
        connection = self.connect()
        connection.cursor().execute(f"EXEC {PRISMA_LOCK}")
        return connection

    def nick_and_bio(self, folder: Path, *, init_only: bool = False, then=()) -> Path:
        """As every backend's, inside Prisma's wrapper: a failed deploy rolls the column back, so a partial state here
        is one a person made by hand."""
        user = self.qualified("User")
        wanted = {scenarios.INIT: self.seed_scripts()[scenarios.INIT]}
        if not init_only:
            wanted[scenarios.NICK_AND_BIO] = migration_script(
                [
                    ("AlterTable", [f"ALTER TABLE {user} ADD [nick] NVARCHAR(1000)"]),
                    ("CreateIndex", [f"ALTER TABLE {user} ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio])"]),
                    *([("Then", list(then))] if then else []),
                ]
            )
        return self.write_migrations(folder / "migrations", wanted)

    def seed_scripts(self, bio: str = "same") -> dict[str, str]:
        """The seed migrations as Prisma's SQL Server renderer writes them (Prisma qualifies every name with the schema
        of the URL); a @unique becomes ADD CONSTRAINT ... UNIQUE NONCLUSTERED."""
        user = self.qualified("User")
        return {
            scenarios.INIT: migration_script(
                [
                    (
                        "CreateTable",
                        [
                            f"CREATE TABLE {user} (\n    [id] INT NOT NULL IDENTITY(1,1),\n"
                            "    [email] NVARCHAR(1000) NOT NULL,\n    [bio] NVARCHAR(1000),\n"
                            "    CONSTRAINT [User_pkey] PRIMARY KEY CLUSTERED ([id])\n)"
                        ],
                    ),
                    (
                        "Seed",
                        [
                            f"INSERT INTO {user} ([email], [bio]) "
                            f"VALUES (N'ada@example.com', N'{bio}'), (N'grace@example.com', N'{bio}')"
                        ],
                    ),
                ]
            ),
            scenarios.BIO_INDEX: migration_script(
                [("CreateIndex", [f"ALTER TABLE {user} ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio])"])]
            ),
            scenarios.LATER: migration_script([("AlterTable", [f"ALTER TABLE {user} ADD [name] NVARCHAR(1000)"])]),
        }

    def deploy(self, migrations: Path) -> list[str]:
        """`prisma migrate deploy` on SQL Server: Prisma's session lock, its table, P3009 on a failed row, then each
        unapplied migration recorded as started, run as one batch, and finished, or its error stored as P3018 logs."""
        history = self.database.history
        table, stamp = history.table, history.timestamp_parameter
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(PRISMA_LOCK)
            cursor.execute(*history.table_exists_query())
            if cursor.fetchone() is None:
                cursor.execute(history.create_table)
            rows = cursor.execute(
                f"SELECT id, migration_name, finished_at, rolled_back_at FROM {table} ORDER BY started_at"
            ).fetchall()
            failed = [name for (_id, name, finished, rolled_back) in rows if finished is None and rolled_back is None]
            if failed:
                raise DeployFailed("P3009", f"failed migrations: {failed}")
            done = {name for (_id, name, finished, rolled_back) in rows if finished is not None and rolled_back is None}
            applied = []
            for folder in sorted(path for path in migrations.iterdir() if path.is_dir()):
                if folder.name in done:
                    continue
                script = (folder / "migration.sql").read_text()
                row_id = str(uuid.uuid4())
                cursor.execute(
                    f"INSERT INTO {table} (id, checksum, started_at, migration_name) VALUES (?, ?, {stamp}, ?)",
                    (row_id, compute_checksum(script), _now(history), folder.name),
                )
                try:
                    cursor.execute(script)
                    while cursor.nextset():
                        pass
                except Exception as exc:  # pyodbc.Error: the driver's classes differ
                    message = server_error(exc)[1]
                    cursor.execute(f"UPDATE {table} SET logs = ? WHERE id = ?", (native_logs(folder.name, exc), row_id))
                    raise DeployFailed("P3018", message) from None
                cursor.execute(
                    f"UPDATE {table} SET applied_steps_count = applied_steps_count + 1 WHERE id = ?", (row_id,)
                )
                cursor.execute(f"UPDATE {table} SET finished_at = {stamp} WHERE id = ?", (_now(history), row_id))
                applied.append(folder.name)
            return applied
        finally:
            connection.close()

    def mark_rolled_back(self, name: str) -> None:
        """`prisma migrate resolve --rolled-back NAME`: rolled_back_at on its failed rows, under Prisma's lock."""
        history = self.database.history
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(PRISMA_LOCK)
            rows = cursor.execute(
                f"SELECT id, migration_name, finished_at, rolled_back_at FROM {history.table} WHERE migration_name = ?",
                (name,),
            ).fetchall()
            for row_id, *_rest in [row for row in rows if row[2] is None and row[3] is None]:
                cursor.execute(
                    f"UPDATE {history.table} SET rolled_back_at = {history.timestamp_parameter} WHERE id = ?",
                    (history.bind_timestamp(datetime.now(UTC)), row_id),
                )
        finally:
            connection.close()


def migration_script(steps: list[tuple[str, list[str]]], warnings: list[str] = ()) -> str:
    """A migration.sql as Prisma's SQL Server renderer writes it: every step inside BEGIN TRY / BEGIN TRAN, and a
    CATCH that rolls back and re-THROWs (flavour/mssql/renderer.rs)."""
    text = "/*\n  Warnings:\n\n" + "".join(f"  - {w}\n" for w in warnings) + "\n*/\n" if warnings else ""
    body = "\n".join(
        f"-- {description}\n" + "".join(f"{statement};\n" for statement in statements)
        for description, statements in steps
    )
    return (
        text + "BEGIN TRY\n\nBEGIN TRAN;\n\n" + body + "\nCOMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\n"
        "IF @@TRANCOUNT > 0\nBEGIN\n    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
    )


def server_error(exc: Exception) -> tuple[int, str]:
    """The server's error number and message from a pyodbc error, as Prisma's driver reports them."""
    text = exc.args[1] if len(exc.args) > 1 else str(exc)
    match = _ODBC_ERROR.match(text.strip())
    assert match, text
    return int(match["code"]), match["message"]


def native_logs(name: str, error: BaseException) -> str:
    """The `logs` Prisma's SQL Server flavour writes for this driver error (its P3018 text and span trace)."""
    code, message = server_error(error)
    return (
        f"{P3018_HEAD}Migration name: {name}\n\nDatabase error code: {code}\n\nDatabase error:\n{message}\n"
        + SPAN_TRACE.format(name=name)
    )


def _now(history):
    """Prisma's chrono Utc::now(), bound as the database binds timestamps."""
    return history.bind_timestamp(datetime.now(UTC))


def odbc_driver(name: str) -> str:
    if name == "driver18":
        library = find_bundled_driver()
        if library is None:
            unavailable("Microsoft's ODBC Driver 18 is not installed: run `make setup` (pip mssql-python-odbc)")
        return library
    return DRIVERS[name][0]


# -- The server ------------------------------------------------------------------------------------------------------

# Babelfish for PostgreSQL (SQL Server's TDS protocol and T-SQL): the shared engine beside the repository.
BABELFISH_SCRIPT = "DBOPS_BABELFISH_SCRIPT"
# The session's SQL Server password has both characters that need braces in a sqlserver:// URL and in ODBC.
BABELFISH_PASSWORD = "Bf;pa}ss-1"
BABELFISH_USER = "sa_admin"
BABELFISH_DATABASE = "app"


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


@dataclasses.dataclass(frozen=True)
class SqlServerUnderTest:
    """DBOPS_TEST_MSSQL_URL as given (a login that may create schemas), or the session's Babelfish."""

    url: str | None = None
    babelfish: Babelfish | None = None

    def url_for(self, tls: bool) -> str:
        return self.url or self.babelfish.url(tls=tls)

    @property
    def ca_path(self) -> str | None:
        return self.babelfish.ca_path if self.babelfish else None

    def require_babelfish(self) -> None:
        """For tests of the session's own Babelfish (its TLS certificate, its measured differences)."""
        if self.babelfish is None:
            pytest.skip(f"asserts what the session's Babelfish does; {ENVIRONMENT_URL} names another server")


def babelfish_script() -> str:
    """start-babelfish: $DBOPS_BABELFISH_SCRIPT, else ../shared/babelfish/start-babelfish beside the repository."""
    root = Path(__file__).resolve().parents[3]
    return os.environ.get(BABELFISH_SCRIPT) or str(root.parent / "shared" / "babelfish" / "start-babelfish")


def server_unavailable() -> str | None:
    script = babelfish_script()
    if not os.access(script, os.X_OK):
        return f"{script} not found (set {BABELFISH_SCRIPT}) and {ENVIRONMENT_URL} not set"
    return None


@contextlib.contextmanager
def throwaway_server():
    """A fresh Babelfish cluster, with TLS switched on (it still takes plain-text logins), stopped at the end."""
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
    # start-babelfish gives a new cluster 30 s to take a TDS login; on a loaded machine (the suites run two at a
    # time beside other checkouts) that is sometimes not enough: a second cluster gets another 30 s.
    for attempt in (1, 2):
        started = subprocess.run([script, data], env=env, capture_output=True, text=True, check=False)
        if started.returncode == 0:
            break
        subprocess.run([script, "stop", data], capture_output=True, check=False)
        shutil.rmtree(data, ignore_errors=True)
        if attempt == 2 or "no TDS login" not in started.stderr:
            shutil.rmtree(workdir, ignore_errors=True)
            raise RuntimeError(f"start-babelfish failed: {started.stderr.strip()}")
    try:
        port = _tds_port(data)
        ca_path = _enable_tls(data, workdir, make_certificates)
        yield Babelfish("127.0.0.1", port, data, ca_path)
    finally:
        subprocess.run([script, "stop", data], capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


def _enable_tls(data: str, workdir: str, make_certificates) -> str:
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
    pg_ctl = os.path.join(_home(data), "bin", "pg_ctl")
    command = [pg_ctl, "-D", data, "-m", "fast", "-w", "-l", os.path.join(data, "server.log"), "restart"]
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={owner.st_uid}", f"--regid={owner.st_gid}", "--clear-groups", *command]
    subprocess.run(command, check=True, capture_output=True)
    wait(lambda: _tds_port_open(data), "Babelfish after enabling TLS")
    return ca_path


def _home(data: str) -> str:
    """The install the server runs from, as its postmaster.opts records it."""
    with open(os.path.join(data, "postmaster.opts")) as opts:
        postgres = opts.read().split()[0]
    return os.path.dirname(os.path.dirname(postgres))


def _tds_port(data: str) -> int:
    """From the babelfish.env start-babelfish writes into the data folder."""
    with open(os.path.join(data, "babelfish.env")) as handle:
        settings = dict(line.split("=", 1) for line in handle.read().splitlines() if "=" in line)
    return int(settings["BABELFISH_TDS_PORT"])


def _tds_port_open(data: str) -> bool:
    try:
        socket.create_connection(("127.0.0.1", _tds_port(data)), timeout=1).close()
        return True
    except OSError:
        return False
