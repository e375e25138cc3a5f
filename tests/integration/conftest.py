"""Fixtures of the integration suite: servers for the session, and a fresh database per test.

PostgreSQL and MariaDB come from throwaway servers (or DBOPS_TEST_POSTGRES_URL / DBOPS_TEST_MYSQL_URL), SQLite
from a temporary file, SQL Server from a throwaway Babelfish (../shared/babelfish/start-babelfish) or
DBOPS_TEST_MSSQL_URL. SQL Server backends come in two drivers: FreeTDS over plain text, and Microsoft's ODBC
Driver 18 (from PyPI's mssql-python-odbc, by library path) over TLS, its default `Encrypt=yes`.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.driver import find_bundled_driver
from ansible_collections.backoffice.dbops.tests.support import servers
from ansible_collections.backoffice.dbops.tests.support.backends import (
    Backend,
    drop_sqlserver_schema,
    unavailable,
    with_database,
)


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


# SQL Server drivers the suite runs with: (odbc_driver, whether the URL asks for TLS).
SQLSERVER_DRIVERS = {"freetds": ("FreeTDS", False), "driver18": ("driver 18 from PyPI", True)}
BACKENDS = ("postgresql", "mysql", "sqlite", "sqlserver-freetds", "sqlserver-driver18")


@dataclass(frozen=True)
class SqlServerUnderTest:
    """DBOPS_TEST_MSSQL_URL as given (a login that may create schemas), or the session's Babelfish."""

    url: str | None = None
    babelfish: servers.Babelfish | None = None

    def url_for(self, tls: bool) -> str:
        return self.url or self.babelfish.url(tls=tls)

    @property
    def ca_path(self) -> str | None:
        return self.babelfish.ca_path if self.babelfish else None

    def require_babelfish(self) -> None:
        """For tests of the session's own Babelfish (its TLS certificate, its measured differences)."""
        if self.babelfish is None:
            pytest.skip("asserts what the session's Babelfish does; DBOPS_TEST_MSSQL_URL names another server")


@pytest.fixture(scope="session")
def mssql_server():
    """The SQL Server of the session: DBOPS_TEST_MSSQL_URL, else a throwaway Babelfish with TLS on, stopped at the
    end (one per xdist worker: Prisma's lock is per database, so tests of one server must not run concurrently)."""
    url = os.environ.get("DBOPS_TEST_MSSQL_URL")
    if url:
        yield SqlServerUnderTest(url=url)
        return
    reason = servers.babelfish_available()
    if reason:
        unavailable(reason)
    with servers.throwaway_babelfish() as babelfish:
        yield SqlServerUnderTest(babelfish=babelfish)


def sqlserver_driver(name: str) -> str:
    if name == "driver18":
        library = find_bundled_driver()
        if library is None:
            unavailable("Microsoft's ODBC Driver 18 is not installed: run `make setup` (pip mssql-python-odbc)")
        return library
    return SQLSERVER_DRIVERS[name][0]


@pytest.fixture
def make_backend(request, tmp_path):
    """Factory: a fresh, empty database of the given provider, dropped after the test."""
    cleanups = []

    def make(provider: str, *, schema: str | None = None, driver: str = "freetds") -> Backend:
        name = f"dbops_{uuid.uuid4().hex[:12]}"
        if provider == "sqlite":
            folder = tmp_path / name
            folder.mkdir()
            (folder / "dev.db").touch()
            return Backend("sqlite", "file:./dev.db", str(folder))
        if provider == "postgresql":
            server = request.getfixturevalue("postgres_server")
            admin = Backend("postgresql", with_database(server, "postgres"), str(tmp_path))
            admin.execute(f'CREATE DATABASE "{name}"')
            cleanups.append(lambda: admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return Backend("postgresql", with_database(server, name, f"schema={schema or 'public'}"), str(tmp_path))
        if provider == "mysql":
            server = request.getfixturevalue("mysql_server")
            admin = Backend("mysql", with_database(server, "mysql"), str(tmp_path))
            admin.execute(f"CREATE DATABASE `{name}`")
            cleanups.append(lambda: admin.execute(f"DROP DATABASE IF EXISTS `{name}`"))
            return Backend("mysql", with_database(server, name), str(tmp_path))
        if provider == "sqlserver":
            server = request.getfixturevalue("mssql_server")
            url = server.url_for(SQLSERVER_DRIVERS[driver][1])
            schema = schema or name
            backend = Backend(
                "sqlserver", f"{url};schema={schema}", str(tmp_path), sqlserver_driver(driver), keep_connection=True
            )
            backend.execute(f"CREATE SCHEMA [{schema}]")
            cleanups.append(backend.close)
            cleanups.append(lambda: drop_sqlserver_schema(backend, schema))
            return backend
        raise ValueError(provider)

    yield make
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture(params=BACKENDS)
def backend(request, make_backend) -> Backend:
    provider, _dash, driver = request.param.partition("-")
    return make_backend(provider, driver=driver or "freetds")
