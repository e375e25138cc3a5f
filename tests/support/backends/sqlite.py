"""SQLite: a file per test in the test's own folder, Prisma's engine deploying."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support import scenarios
from ansible_collections.backoffice.dbops.tests.support.backends.base import Backend, DeployedByPrisma


class SqliteBackend(DeployedByPrisma, Backend):
    provider = "sqlite"
    lockfile_provider = "sqlite"
    duplicate_message = "Unique constraint failed on the fields: (`bio`)"
    # Epoch milliseconds, as Prisma's native engine keeps SQLite timestamps.
    now_sql = "1606484978000"
    lock_history_table = ("BEGIN EXCLUSIVE",)
    # Prisma's native SQLite engine is not emulated: its failures come from Prisma's own engine.
    native_engine_emulated = False

    @classmethod
    def create(cls, server, folder: Path, cleanups: list, *, name=None, schema=None, driver="freetds", template=None):
        """`file:./dev.db` in a folder of its own, the project_dir, as a Prisma project keeps it."""
        del server, cleanups, schema, driver
        project = folder / (name or cls.throwaway_name())
        project.mkdir(parents=True)
        if template is not None:
            shutil.copy(template.target.path, project / "dev.db")
        else:
            (project / "dev.db").touch()
        return cls("file:./dev.db", str(project))

    @staticmethod
    def autocommit(connection) -> None:
        connection.isolation_level = None

    @property
    def referee_url(self) -> str:
        return f"file:{self.target.path}"

    def hold_prisma_lock(self):
        connection = self.connect()
        cursor = connection.cursor()
        cursor.execute("PRAGMA main.locking_mode=EXCLUSIVE")
        cursor.execute("BEGIN EXCLUSIVE")
        cursor.execute("SELECT count(*) FROM _prisma_migrations")
        cursor.fetchall()
        return connection

    def dump(self) -> str:
        with sqlite3.connect(self.target.path) as connection:
            return "\n".join(connection.iterdump())

    def schema_dump(self) -> str:
        with sqlite3.connect(self.target.path) as connection:
            rows = connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        return "\n".join(f"{kind} {name}: {sql}" for kind, name, sql in rows)

    def seed_scripts(self, bio: str = "same") -> dict[str, str]:
        return {
            scenarios.INIT: 'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, '
            '"email" TEXT NOT NULL, "bio" TEXT);\n'
            'INSERT INTO "User" ("email", "bio") '
            f"VALUES ('ada@example.com', '{bio}'), ('grace@example.com', '{bio}');\n",
            scenarios.BIO_INDEX: 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n',
            scenarios.LATER: 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n',
        }

    def prisma_next_history(self) -> None:
        """Prisma 8's marker and ledger, where it keeps the history instead of _prisma_migrations."""
        self.execute("CREATE TABLE _prisma_marker (space TEXT PRIMARY KEY, core_hash TEXT NOT NULL)")
        self.execute(
            "CREATE TABLE _prisma_ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, space TEXT NOT NULL, "
            "migration_name TEXT NOT NULL, migration_hash TEXT NOT NULL)"
        )
