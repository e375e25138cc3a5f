"""Fixtures of the integration suite: servers for the session, and a fresh database per test.

PostgreSQL and MariaDB come from throwaway servers (or DBOPS_TEST_POSTGRES_URL / DBOPS_TEST_MYSQL_URL), SQLite
from a temporary file, SQL Server only from DBOPS_TEST_MSSQL_URL.
"""

from __future__ import annotations

import os
import uuid

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connector import PROVIDERS
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
            url = os.environ.get("DBOPS_TEST_MSSQL_URL")
            if not url:
                unavailable("DBOPS_TEST_MSSQL_URL not set (SQL Server cannot run on these machines)", optional=True)
            backend = Backend("sqlserver", f"{url};schema={name}", str(tmp_path))
            backend.execute(f"CREATE SCHEMA [{name}]")
            cleanups.append(lambda: drop_sqlserver_schema(backend, name))
            return backend
        raise ValueError(provider)

    yield make
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture(params=PROVIDERS)
def backend(request, make_backend) -> Backend:
    return make_backend(request.param)
