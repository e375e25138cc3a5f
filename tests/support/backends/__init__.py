"""Real databases for the tests, one kind per database (postgres, mysql, sqlite, mssql), named by Prisma's provider.

Everything that differs from one database to the next (its server, how a throwaway database is made and dropped,
the autocommit session, quoting, Prisma's migrate lock, how Prisma deploys there, the seed scenario's SQL) is in the
kind's module; tests ask the Backend, never which database it is.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.tests.support.backends.base import (
    Backend,
    DeployFailed,
    free_port,
    unavailable,
    with_database,
)
from ansible_collections.backoffice.dbops.tests.support.backends.mssql import MssqlBackend
from ansible_collections.backoffice.dbops.tests.support.backends.mysql import MysqlBackend
from ansible_collections.backoffice.dbops.tests.support.backends.postgres import PostgresBackend
from ansible_collections.backoffice.dbops.tests.support.backends.sqlite import SqliteBackend

KINDS: dict[str, type[Backend]] = {
    kind.provider: kind for kind in (PostgresBackend, MysqlBackend, SqliteBackend, MssqlBackend)
}
# What the `backend` fixture runs every module test on: each database, SQL Server with each of its drivers.
EVERY = ("postgresql", "mysql", "sqlite", "sqlserver-freetds", "sqlserver-driver18")

__all__ = ["EVERY", "KINDS", "Backend", "DeployFailed", "at", "free_port", "unavailable", "with_database"]


def fresh(provider: str, request, folder, cleanups: list, **options) -> Backend:
    """A fresh database of this provider on its session's server (the kind's server fixture, through `request`)."""
    kind = KINDS[provider]
    server = request.getfixturevalue(kind.server_fixture) if kind.server_fixture else None
    return kind.create(server, folder, cleanups, **options)


def at(provider: str, url: str, project_dir: str, **options) -> Backend:
    """The Backend of an existing database of this provider."""
    return KINDS[provider](url, project_dir, **options)
