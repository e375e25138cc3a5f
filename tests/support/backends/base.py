"""What every test database is: a URL the modules are given, an autocommit session for setting up and inspecting
states, and the database's own ways (create and drop a throwaway database, quote, take Prisma's migrate lock, deploy
as Prisma does, leave the seed scenario in P3009). Each database's module (postgres, mysql, sqlite, mssql) fills in
what differs; nothing outside this package asks which database it is.

Under CI=true a database suite that cannot run fails instead of skipping.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    ConnectOptions,
    parse_database_url,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
from ansible_collections.backoffice.dbops.tests.support import scenarios
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee, RefereeError


def unavailable(reason: str, *, optional: bool = False):
    """Skip, or under CI=true fail: a suite that cannot run there is a broken CI, not a pass."""
    if os.environ.get("CI") == "true" and not optional:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


class DeployFailed(Exception):
    """A deploy stopped on a failing migration, as Prisma's engine reports it (P3018, or P3009 on a failed row)."""

    def __init__(self, code: str | None, message: str, statement_index: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        # The 1-based statement of the script that failed, where the deploy runs statements one by one.
        self.statement_index = statement_index


@dataclass
class Backend:
    """One database of one kind; the subclass is the kind."""

    url: str
    project_dir: str
    # SQL Server: the ODBC driver (registered name or library path) the modules and the set-up use.
    odbc_driver: str | None = None
    # Run execute() on one autocommit session kept open (a Babelfish login costs 0.1-0.5 s); close() ends it.
    keep_connection: bool = False
    _kept: object = field(default=None, repr=False, compare=False)

    # Prisma's provider name, and what migration_lock.toml names (Prisma writes `mssql` for SQL Server).
    provider: ClassVar[str]
    lockfile_provider: ClassVar[str]
    # The session fixture of the server this kind of database lives on (None: no server).
    server_fixture: ClassVar[str | None] = None
    # What the failed row's logs say (data values aside) when the seed scenario's unique index meets the duplicates.
    duplicate_message: ClassVar[str]
    # The current time as the test's own SQL writes it into the history (where a parity scenario sets it by hand).
    now_sql: ClassVar[str]
    # Whether the preflight rehearses a migration here (MySQL commits each DDL statement: never rehearsed), and so
    # whether a repair runs in one transaction.
    rehearses: ClassVar[bool] = True
    # A statement that runs for {seconds} seconds (for the deadlines' tests), where the database has one.
    sleep_sql: ClassVar[str | None] = None

    # -- making and dropping ---------------------------------------------------------------------------------------

    @classmethod
    def create(
        cls, server, folder: Path, cleanups: list, *, name=None, schema=None, driver="freetds", template=None
    ) -> Backend:
        """A fresh, empty database (or a copy of `template`'s) on `server` (the value of the kind's server_fixture),
        dropped by `cleanups`; `name` when the test needs one (else a throwaway name)."""
        raise NotImplementedError

    @staticmethod
    def throwaway_name() -> str:
        return f"dbops_{uuid.uuid4().hex[:12]}"

    # -- sessions ----------------------------------------------------------------------------------------------------

    @property
    def module_options(self) -> dict:
        """What a module needs besides database_url to reach this database as the tests do."""
        return {"odbc_driver": self.odbc_driver} if self.odbc_driver else {}

    def module_args(self, **extra) -> dict:
        return {"database_url": self.url, "project_dir": self.project_dir, **self.module_options, **extra}

    @property
    def target(self):
        return parse_database_url(self.url, self.project_dir)

    @property
    def database(self) -> PreflightDatabase:
        """The collection's Database of this URL: its parts name the history table, quote, bind timestamps, read the
        catalog."""
        return PreflightDatabase(self.target, ConnectOptions(odbc_driver=self.odbc_driver))

    @property
    def schema(self) -> str | None:
        """The schema the test's own SQL must name (None: unqualified names resolve where Prisma's do)."""
        return None

    @property
    def referee_url(self) -> str:
        """The URL Prisma's engine (tests/referee) is given."""
        return self.url

    def connect(self):
        """An autocommit connection, for setting up and inspecting states."""
        connection = self.database.connect(read_only=False, lock_timeout=10)
        self.autocommit(connection)
        return connection

    @staticmethod
    def autocommit(connection) -> None:
        connection.autocommit = True

    def execute(self, sql: str, params=()):
        if self.keep_connection:
            if self._kept is None:
                self._kept = self.connect()
            return self._run(self._kept, sql, params)
        connection = self.connect()
        try:
            return self._run(connection, sql, params)
        finally:
            connection.close()

    @staticmethod
    def _run(connection, sql: str, params):
        cursor = connection.cursor()
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None

    def close(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None

    def quote(self, name: str) -> str:
        return self.database.dialect.quote_name(name)

    def qualified(self, name: str) -> str:
        """A table name as the test's own SQL names it (schema-qualified where Prisma's migrations are)."""
        return f"{self.quote(self.schema)}.{self.quote(name)}" if self.schema else self.quote(name)

    @staticmethod
    def literal(text: str) -> str:
        """A string literal of the test's own SQL."""
        return "'" + text.replace("'", "''") + "'"

    @staticmethod
    def error_message(error: BaseException) -> str:
        """The error text the driver gives, as the collection receives it."""
        return str(error)

    def hold_prisma_lock(self):
        """A session holding Prisma's migrate lock, taken exactly as Prisma's engine takes it; close() releases."""
        raise NotImplementedError

    # One statement that takes Prisma's lock as Prisma does and returns the server's clock before, the lock's answer,
    # the session's id and the clock after (where the status names a lock's holder).
    timed_prisma_lock: ClassVar[str]
    # Statements that lock the history table itself, as an ALTER TABLE or a LOCK TABLE would.
    lock_history_table: ClassVar[tuple[str, ...]]
    # What the status knows of a lock's holder: its session, and when it took the lock at the earliest.
    names_lock_holders: ClassVar[bool] = False
    knows_when_sessions_started: ClassVar[bool] = False

    @staticmethod
    def session_id(connection):
        """The server's id of a connection's session (None where sessions have none)."""
        del connection
        return None

    # -- the history -------------------------------------------------------------------------------------------------

    @property
    def table(self) -> str:
        return self.database.history.table

    def rows(self):
        """Every row of the history as stored (values and their Python types), in a stable order."""
        return self.execute(f"SELECT * FROM {self.table} ORDER BY started_at, id")

    def ids(self) -> dict[str, list[str]]:
        """The history's row ids by migration name, in the order the rows were started."""
        ids: dict[str, list[str]] = {}
        for row_id, name in self.execute(f"SELECT id, migration_name FROM {self.table} ORDER BY started_at, id"):
            ids.setdefault(name, []).append(row_id)
        return ids

    def digest(self) -> str:
        try:
            rows = self.rows()
        except Exception as exc:  # no table yet is a state too
            rows = f"no table: {type(exc).__name__}"
        return hashlib.sha256(repr([(tuple(map(repr, row))) for row in rows or []]).encode()).hexdigest()

    def dump(self) -> str:
        """The whole database, schema and data (`_prisma_migrations` included), as its own dump tool writes it."""
        raise NotImplementedError

    def schema_dump(self) -> str:
        """The schema alone (pg_dump --schema-only, mariadb-dump --no-data, SQLite's sqlite_master): what a repaired
        database and a cleanly deployed one must share."""
        raise NotImplementedError

    # -- Prisma's deploy and the seed scenario -------------------------------------------------------------------------

    def write_migrations(self, folder: Path, scripts: dict[str, str], **options) -> Path:
        """A Prisma migrations folder with these (name -> migration.sql), its lock file as Prisma writes it."""
        return scenarios.write_migrations(folder, self.lockfile_provider, scripts, **options)

    def deploy(self, migrations: Path) -> list[str]:
        """`prisma migrate deploy`, by Prisma's engine where the referee drives this database, else as Prisma's native
        engine does it; the names applied, or DeployFailed (the failed row then keeps Prisma's logs)."""
        raise NotImplementedError

    def as_migration(self, statements: list[str], step: str) -> str:
        """A migration.sql of these statements as Prisma's renderer writes one `step` (a comment naming it)."""
        del step
        return "".join(f"{statement};\n" for statement in statements)

    # Whether native_logs knows what Prisma's native engine writes on this database.
    native_engine_emulated: ClassVar[bool] = True

    def native_error(self, script: str) -> BaseException | None:
        """Run `script` as Prisma's native engine sends it: the error it raises, or None."""
        connection = self.connect()
        try:
            connection.cursor().execute(script)
        except Exception as error:  # the drivers share no base class
            return error
        finally:
            connection.close()
        return None

    def native_logs(self, name: str, error: BaseException) -> str:
        """The `logs` Prisma's native schema engine writes when migration `name` fails with this driver error."""
        raise NotImplementedError

    def seed_scripts(self, bio: str = "same") -> dict[str, str]:
        """INIT (two users share the `bio`), BIO_INDEX (a unique index on bio), LATER: Prisma's renderer's SQL."""
        raise NotImplementedError

    @property
    def fix_data(self) -> str:
        """The statement that makes the seed scenario's bios unique again."""
        return (
            f"UPDATE {self.qualified('User')} SET {self.quote('bio')} = NULL "
            f"WHERE {self.quote('email')} = 'grace@example.com'"
        )

    # A short nullable text column as Prisma's renderer writes it here.
    text_column: ClassVar[str] = "TEXT"

    def nick_and_bio(self, folder: Path, *, init_only: bool = False, then=()) -> Path:
        """INIT, then NICK_AND_BIO (a column, then the bio index, then the statements `then`), or INIT alone: the
        migrations folder."""
        scripts = self.seed_scripts()
        column = f"ALTER TABLE {self.qualified('User')} ADD COLUMN {self.quote('nick')} {self.text_column};\n"
        wanted = {scenarios.INIT: scripts[scenarios.INIT]}
        if not init_only:
            more = "".join(f"{statement};\n" for statement in then)
            wanted[scenarios.NICK_AND_BIO] = column + scripts[scenarios.BIO_INDEX] + more
        return self.write_migrations(folder / "migrations", wanted)

    def p3009(self, folder: Path, *, bio: str = "same", **options) -> Path:
        """The seed scenario in the P3009 state, made the one way for every test: deployed as Prisma deploys until the
        bio index fails on the duplicated bios. Returns the migrations folder (INIT, BIO_INDEX, LATER); `options` as
        scenarios.write_migrations takes them (crlf, edited)."""
        migrations = self.write_migrations(folder / "migrations", self.seed_scripts(bio), **options)
        try:
            self.deploy(migrations)
        except DeployFailed:
            return migrations
        raise AssertionError("Prisma applied the bio index: the data should have violated it")


class DeployedByPrisma:
    """Deployed by Prisma's own schema engine (tests/referee), for the databases its driver adapters reach."""

    def referee(self, **options) -> PrismaReferee:
        return PrismaReferee(self.provider, self.referee_url, **options)

    def deploy(self, migrations: Path) -> list[str]:
        try:
            return self.referee().apply_migrations(migrations)["appliedMigrationNames"]
        except RefereeError as error:
            raise DeployFailed(error.code, error.message) from None


def with_database(server_url: str, database: str, query: str = "") -> str:
    """A PostgreSQL/MySQL server URL pointed at one database."""
    parts = urlsplit(server_url)
    return f"{parts.scheme}://{parts.netloc}/{database}" + (f"?{query}" if query else "")


# -- Throwaway servers on free loopback ports ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_service_user(user: str, command: list[str]) -> list[str]:
    # initdb and mariadbd refuse to run as root; these machines run tests as root.
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *command]
    return command


def wait(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout}s")


def tool(name: str, *fallbacks: str) -> str | None:
    for candidate in (name, *fallbacks):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@contextlib.contextmanager
def service_dir(user: str, prefix: str):
    # Outside pytest's private (0700) temp root, so the service user can reach it.
    workdir = tempfile.mkdtemp(prefix=prefix)
    os.chmod(workdir, 0o755)
    if os.geteuid() == 0:
        shutil.chown(workdir, user)
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
