"""Databases in every state prisma_migration_status tells apart, made the way each state really arises: by Prisma's
own engine where it runs (PostgreSQL, SQLite), by writing rows as Prisma's deploy writes them elsewhere (MariaDB)."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.backoffice.dbops.tests.support import prisma_like
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee
from ansible_collections.backoffice.dbops.tests.support.scenarios import INIT, p3009_database, write_migrations


def only(folder: Path, names: list[str]) -> Path:
    """Keep only these migration folders (and the lock file) in a migrations folder."""
    for path in folder.iterdir():
        if path.is_dir() and path.name not in names:
            shutil.rmtree(path)
    return folder


def deployed_init(backend, folder: Path) -> Path:
    """The first release deployed by Prisma's engine: INIT applied. Returns the full migrations folder."""
    full = write_migrations(folder / "full", backend.provider)
    first = only(write_migrations(folder / "first", backend.provider), [INIT])
    PrismaReferee(backend.provider, referee_url(backend)).apply_migrations(first)
    return full


def referee_url(backend) -> str:
    return f"file:{backend.target.path}" if backend.provider == "sqlite" else backend.url


def with_user(url: str, user: str, password: str | None = None) -> str:
    parts = urlsplit(url)
    credentials = user + (f":{password}" if password is not None else "")
    netloc = f"{credentials}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def prisma_next_history(backend) -> None:
    """Prisma 8's marker and ledger, where it keeps the history instead of _prisma_migrations."""
    if backend.provider == "postgresql":
        backend.execute("CREATE SCHEMA prisma_contract")
        backend.execute(
            "CREATE TABLE prisma_contract.marker (space text PRIMARY KEY DEFAULT 'app', core_hash text NOT NULL, "
            "profile_hash text NOT NULL, contract_json jsonb, updated_at timestamptz NOT NULL DEFAULT now())"
        )
        backend.execute(
            "CREATE TABLE prisma_contract.ledger (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT "
            "now(), space text NOT NULL, migration_name text NOT NULL, migration_hash text NOT NULL, "
            "destination_core_hash text NOT NULL, operations jsonb NOT NULL)"
        )
    else:
        backend.execute("CREATE TABLE _prisma_marker (space TEXT PRIMARY KEY, core_hash TEXT NOT NULL)")
        backend.execute(
            "CREATE TABLE _prisma_ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, space TEXT NOT NULL, "
            "migration_name TEXT NOT NULL, migration_hash TEXT NOT NULL)"
        )


def foreign_history(backend) -> None:
    """A table named _prisma_migrations that Prisma did not make."""
    backend.execute("CREATE TABLE _prisma_migrations (id INTEGER PRIMARY KEY, name VARCHAR(100), run_on DATE)")


def mysql_migrations(folder: Path, names) -> Path:
    """A local migrations folder whose files match what prisma_like records for MariaDB."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).mkdir()
        (folder / name / "migration.sql").write_text(prisma_like.SCRIPTS.get(name, f"-- {name}\nSELECT 1;\n"))
    (folder / "migration_lock.toml").write_text('provider = "mysql"\n')
    return folder


__all__ = ["INIT", "p3009_database"]
