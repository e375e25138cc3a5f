"""Real databases for the tests: one fresh database per test, on throwaway servers or servers the environment names.

Under CI=true a database suite that cannot run fails instead of skipping.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    ConnectOptions,
    Database,
    parse_database_url,
)


def unavailable(reason: str, *, optional: bool = False):
    """Skip, or under CI=true fail: a suite that cannot run there is a broken CI, not a pass."""
    if os.environ.get("CI") == "true" and not optional:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@dataclass
class Backend:
    provider: str
    url: str
    project_dir: str
    # SQL Server: the ODBC driver (registered name or library path) the modules and the set-up use.
    odbc_driver: str | None = None
    # Run execute() on one autocommit session kept open (a Babelfish login costs 0.1-0.5 s); close() ends it.
    keep_connection: bool = False
    _kept: object = field(default=None, repr=False, compare=False)

    @property
    def module_options(self) -> dict:
        """What a module needs besides database_url to reach this database as the tests do."""
        return {"odbc_driver": self.odbc_driver} if self.odbc_driver else {}

    @property
    def target(self):
        return parse_database_url(self.url, self.project_dir)

    @property
    def database(self) -> Database:
        """The collection's Database of this URL: its parts name the history table, quote, bind timestamps."""
        return Database(self.target, ConnectOptions(odbc_driver=self.odbc_driver))

    def connect(self):
        """An autocommit connection, for setting up and inspecting states."""
        connection = self.database.connect(read_only=False, lock_timeout=10)
        if self.provider == "sqlite":
            connection.isolation_level = None
        elif self.provider == "mysql":
            connection.autocommit(True)
        else:
            connection.autocommit = True
        return connection

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

    @property
    def table(self) -> str:
        return self.database.history.table

    def rows(self):
        """Every row of the history as stored (values and their Python types), in a stable order."""
        return self.execute(f"SELECT * FROM {self.table} ORDER BY started_at, id")

    def digest(self) -> str:
        try:
            rows = self.rows()
        except Exception as exc:  # no table yet is a state too
            rows = f"no table: {type(exc).__name__}"
        return hashlib.sha256(repr([(tuple(map(repr, row))) for row in rows or []]).encode()).hexdigest()


def with_database(server_url: str, database: str, query: str = "") -> str:
    """A PostgreSQL/MySQL server URL pointed at one database."""
    parts = urlsplit(server_url)
    return f"{parts.scheme}://{parts.netloc}/{database}" + (f"?{query}" if query else "")


def drop_sqlserver_schema(backend: Backend, schema: str) -> None:
    tables = backend.execute("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?", (schema,))
    for (table,) in tables:
        backend.execute(f"DROP TABLE [{schema}].[{table}]")
    backend.execute(f"DROP SCHEMA [{schema}]")
