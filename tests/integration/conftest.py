"""Real databases for the integration suite: one fresh database per test.

PostgreSQL and MariaDB come from throwaway servers (or DBOPS_TEST_POSTGRES_URL / DBOPS_TEST_MYSQL_URL), SQLite
from a temporary file, SQL Server only from DBOPS_TEST_MSSQL_URL. Under CI=true a database suite that cannot run
fails instead of skipping, except SQL Server, which these machines cannot run.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import servers

from ansible_collections.backoffice.dbops.plugins.module_utils.connections import connect
from ansible_collections.backoffice.dbops.plugins.module_utils.database_url import PROVIDERS, parse_database_url


def unavailable(reason: str, *, optional: bool = False):
    if os.environ.get("CI") == "true" and not optional:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@dataclass
class Backend:
    provider: str
    url: str
    project_dir: str

    @property
    def target(self):
        return parse_database_url(self.url, self.project_dir)

    def connect(self):
        connection = connect(self.target, read_only=False, lock_timeout=10)
        if self.provider == "sqlite":
            connection.isolation_level = None
        elif self.provider == "mysql":
            connection.autocommit(True)
        else:
            connection.autocommit = True
        return connection

    def execute(self, sql: str, params=()):
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()

    @property
    def table(self) -> str:
        from ansible_collections.backoffice.dbops.plugins.module_utils import sql_dialects

        return sql_dialects.for_target(self.provider, self.target.schema).table

    def rows(self):
        """Every row of the history as stored (values and their Python types), in a stable order."""
        return self.execute(f"SELECT * FROM {self.table} ORDER BY started_at, id")

    def digest(self) -> str:
        try:
            rows = self.rows()
        except Exception as exc:  # no table yet is a state too
            rows = f"no table: {type(exc).__name__}"
        return hashlib.sha256(repr([(tuple(map(repr, row))) for row in rows or []]).encode()).hexdigest()


def _server(variable: str, why_not, throwaway):
    """The server named by the environment, else a throwaway one for the session."""
    url = os.environ.get(variable)
    if url:
        yield url
        return
    reason = why_not()
    if reason:
        unavailable(reason)
    with throwaway() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_server():
    yield from _server("DBOPS_TEST_POSTGRES_URL", servers.postgres_available, servers.throwaway_postgres)


@pytest.fixture(scope="session")
def mysql_server():
    yield from _server("DBOPS_TEST_MYSQL_URL", servers.mariadb_available, servers.throwaway_mariadb)


def _with_database(server_url: str, database: str, query: str = "") -> str:
    parts = urlsplit(server_url)
    return f"{parts.scheme}://{parts.netloc}/{database}" + (f"?{query}" if query else "")


@pytest.fixture
def make_backend(request, tmp_path):
    """Factory: a fresh, empty database of the given provider, dropped after the test."""
    cleanups = []

    def make(provider: str, *, schema: str | None = None) -> Backend:
        name = f"dbops_{uuid.uuid4().hex[:12]}"
        if provider == "sqlite":
            folder = tmp_path / name
            folder.mkdir()
            (folder / "dev.db").touch()
            return Backend("sqlite", "file:./dev.db", str(folder))
        if provider == "postgresql":
            server = request.getfixturevalue("postgres_server")
            admin = Backend("postgresql", _with_database(server, "postgres"), str(tmp_path))
            admin.execute(f'CREATE DATABASE "{name}"')
            cleanups.append(lambda: admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return Backend("postgresql", _with_database(server, name, f"schema={schema or 'public'}"), str(tmp_path))
        if provider == "mysql":
            server = request.getfixturevalue("mysql_server")
            admin = Backend("mysql", _with_database(server, "mysql"), str(tmp_path))
            admin.execute(f"CREATE DATABASE `{name}`")
            cleanups.append(lambda: admin.execute(f"DROP DATABASE IF EXISTS `{name}`"))
            return Backend("mysql", _with_database(server, name), str(tmp_path))
        if provider == "sqlserver":
            url = os.environ.get("DBOPS_TEST_MSSQL_URL")
            if not url:
                unavailable("DBOPS_TEST_MSSQL_URL not set (SQL Server cannot run on these machines)", optional=True)
            backend = Backend("sqlserver", f"{url};schema={name}", str(tmp_path))
            backend.execute(f"CREATE SCHEMA [{name}]")
            cleanups.append(lambda: _drop_sqlserver_schema(backend, name))
            return backend
        raise ValueError(provider)

    yield make
    for cleanup in reversed(cleanups):
        cleanup()


def _drop_sqlserver_schema(backend: Backend, schema: str) -> None:
    for (table,) in (
        backend.execute("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?", (schema,)) or []
    ):
        backend.execute(f"DROP TABLE [{schema}].[{table}]")
    backend.execute(f"DROP SCHEMA [{schema}]")


@pytest.fixture(params=PROVIDERS)
def backend(request, make_backend) -> Backend:
    return make_backend(request.param)
