# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a DATABASE_URL to a Database: its target, how to connect, and its parts. The only place that picks a
database by its URL (the family by the scheme; a variant of a family after connecting), and the only place that
imports a database's folder: each is imported when asked for, so a run compiles one database's code only.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import (
    ConnectionFailed,
    DatabaseUrlError,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import assemble
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import DatabaseTarget, scheme_of

# URL scheme -> database folder, and Prisma provider -> database folder.
FAMILY_OF_SCHEME = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "file": "sqlite",
                    "sqlserver": "mssql"}  # fmt: skip
FAMILY_OF_PROVIDER = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite", "sqlserver": "mssql"}
PROVIDERS = tuple(FAMILY_OF_PROVIDER)
GENERIC_CONNECTION_HINT = "Check the host is reachable from this runner, the credentials, and the database name."


def family(name: str):
    """A database's folder (its family module), imported now."""
    if name == "postgres":
        from ansible_collections.backoffice.dbops.plugins.module_utils.databases import postgres as chosen
    elif name == "mysql":
        from ansible_collections.backoffice.dbops.plugins.module_utils.databases import mysql as chosen
    elif name == "sqlite":
        from ansible_collections.backoffice.dbops.plugins.module_utils.databases import sqlite as chosen
    elif name == "mssql":
        from ansible_collections.backoffice.dbops.plugins.module_utils.databases import mssql as chosen
    else:
        raise ValueError(name)
    return chosen


def family_of(target: DatabaseTarget):
    """The folder of the database a parsed DATABASE_URL names."""
    return family(FAMILY_OF_PROVIDER[target.provider])


def parse_database_url(url: str, project_dir: str | None = None) -> DatabaseTarget:
    """Prisma's DATABASE_URL as connection parameters; a relative SQLite path resolves against `project_dir`."""
    if not isinstance(url, str) or not url.strip():
        raise DatabaseUrlError("database_url is empty; pass the DATABASE_URL of the Prisma app.")
    url = url.strip()
    scheme = scheme_of(url)
    name = FAMILY_OF_SCHEME.get(scheme)
    if name is None:
        what = f"Unsupported database URL scheme '{scheme}'" if scheme.isalnum() else "The database URL has no scheme"
        schemes = ", ".join(f"{known}:" + ("" if known == "file" else "//") for known in FAMILY_OF_SCHEME)
        raise DatabaseUrlError(f"{what}. Use the DATABASE_URL of the Prisma app: {schemes}.")
    return family(name).parse_url(url, project_dir)


@dataclass(frozen=True)
class ConnectOptions:
    """What connecting needs beyond the URL."""

    # SQL Server: the ODBC driver (registered name or library path); None: the best one installed.
    odbc_driver: str | None = None
    # SQL Server: an Entra ID access token instead of the URL's password.
    access_token: str | None = None


class Database:
    """One database: its target, its parts, and connecting to it. Built once where a module starts."""

    def __init__(self, target: DatabaseTarget, options: ConnectOptions | None = None, secrets=()):
        self.target = target
        self.options = options or ConnectOptions()
        # Credentials to keep out of every message: a Secrets value, or any iterable of them.
        self.secrets = secrets
        self.family = family_of(target)
        self.parts = assemble(target, self.options, self.family)

    @property
    def dialect(self):
        return self.parts.dialect

    @property
    def driver(self):
        return self.parts.driver

    @property
    def history(self):
        return self.parts.history

    @property
    def lock(self):
        return self.parts.lock

    @property
    def codes(self):
        return self.parts.codes

    def connect(self, *, read_only: bool, lock_timeout: int, statement_timeout: int | None = None):
        """A DB-API connection in manual-commit mode. A failure names the target and never a credential, and says
        which kind of failure it is (error_kind) and what to do about it (hint)."""
        try:
            connection = self.driver.connect(
                read_only=read_only, lock_timeout=lock_timeout, statement_timeout=statement_timeout
            )
        except DbopsError:
            raise
        except Exception as exc:  # the drivers share no exception base class
            detail = redact(one_line(exc), [self.target.password, self.options.access_token, *self.secrets])
            problem = self.driver.classify_connection_error(exc)
            raise ConnectionFailed(
                f"Cannot connect to {self.target.describe()}: {detail}",
                hint=problem.hint if problem else GENERIC_CONNECTION_HINT,
                error_kind=problem.kind if problem else None,
                facts=problem.facts if problem else None,
                transient=problem.transient if problem else None,
            ) from None
        # A variant sharing the family's URL form (as CockroachDB shares PostgreSQL's) is told apart here, by the
        # server the connection reached: the family's after_connect(parts, connection) returns its parts.
        after_connect = getattr(self.family, "after_connect", None)
        if after_connect is not None:
            self.parts = after_connect(self.parts, connection)
        return connection


def open_database(
    url: str, project_dir: str | None = None, options: ConnectOptions | None = None, secrets=(), kind=Database
):
    """The Database a DATABASE_URL names; `kind` another class of it (preflight_parts.PreflightDatabase)."""
    return kind(parse_database_url(url, project_dir), options, secrets)
