"""Each database's parts without a server, for pure tests: chosen from a sample DATABASE_URL the way modules choose
them (open_database), so a test names a provider and never a dialect string of its own."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import open_database
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase

SAMPLE_URLS = {
    "postgresql": "postgresql://u@h/db?schema=app",
    "mysql": "mysql://u@h/db",
    "sqlite": "file:/tmp/x.db",
    "sqlserver": "sqlserver://h:1433;database=db;user=u;password=p;schema=dbo",
}


def offline_database(provider: str):
    """The Database a sample URL of this provider names, with the preflight's parts (nothing connects)."""
    return open_database(SAMPLE_URLS[provider], "/tmp", kind=PreflightDatabase)


def syntax(provider: str):
    """How this provider's migration.sql is read (sql.syntax.Syntax)."""
    return offline_database(provider).dialect.syntax
