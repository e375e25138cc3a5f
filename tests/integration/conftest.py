"""Fixtures of the integration suite: servers for the session, and a fresh database per test.

PostgreSQL and MariaDB come from throwaway servers (or DBOPS_TEST_POSTGRES_URL / DBOPS_TEST_MYSQL_URL), SQLite
from a temporary file, SQL Server from a throwaway Babelfish (../shared/babelfish/start-babelfish) or
DBOPS_TEST_MSSQL_URL; tests/support/backends/ knows each of them.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.backoffice.dbops.tests.support import backends
from ansible_collections.backoffice.dbops.tests.support.backends import mssql, mysql, postgres


def _server(kind):
    """The server named by the environment, else a throwaway one for the session (one per xdist worker: Prisma's
    lock is per database, so tests of one server must not run concurrently)."""
    url = os.environ.get(kind.ENVIRONMENT_URL)
    if url:
        yield url
        return
    reason = kind.server_unavailable()
    if reason:
        backends.unavailable(reason)
    with kind.throwaway_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_server():
    yield from _server(postgres)


@pytest.fixture(scope="session")
def mysql_server():
    yield from _server(mysql)


@pytest.fixture(scope="session")
def mssql_server():
    """DBOPS_TEST_MSSQL_URL as given, else a throwaway Babelfish with TLS on."""
    url = os.environ.get(mssql.ENVIRONMENT_URL)
    if url:
        yield mssql.SqlServerUnderTest(url=url)
        return
    for babelfish in _server(mssql):
        yield mssql.SqlServerUnderTest(babelfish=babelfish)


@pytest.fixture
def make_backend(request, tmp_path):
    """Factory: a fresh, empty database of the given provider (or a copy of `template`), dropped after the test."""
    cleanups = []

    def make(provider: str, **options) -> backends.Backend:
        return backends.fresh(provider, request, tmp_path, cleanups, **options)

    yield make
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture(params=backends.EVERY)
def backend(request, make_backend) -> backends.Backend:
    provider, _dash, driver = request.param.partition("-")
    return make_backend(provider, **({"driver": driver} if driver else {}))
