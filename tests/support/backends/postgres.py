"""PostgreSQL: a throwaway server (or DBOPS_TEST_POSTGRES_URL), a database per test, Prisma's engine deploying."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from ansible_collections.backoffice.dbops.tests.support import scenarios
from ansible_collections.backoffice.dbops.tests.support.backends.base import (
    Backend,
    DeployedByPrisma,
    as_service_user,
    free_port,
    service_dir,
    tool,
    with_database,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_like import P3018_HEAD, TRACE

# Prisma's migrate lock: pg_advisory_lock on this key (prisma-engines, flavour/postgres.rs).
PRISMA_LOCK_KEY = 72707369
ENVIRONMENT_URL = "DBOPS_TEST_POSTGRES_URL"


class PostgresBackend(DeployedByPrisma, Backend):
    provider = "postgresql"
    lockfile_provider = "postgresql"
    server_fixture = "postgres_server"
    # What Prisma's engine (adapter-pg) keeps in logs for the seed scenario's duplicated bios.
    duplicate_message = "Unique constraint failed: User_bio_key"
    now_sql = "now()"
    sleep_sql = "SELECT pg_sleep({seconds})"
    timed_prisma_lock = (
        f"SELECT clock_timestamp(), pg_advisory_lock({PRISMA_LOCK_KEY}), pg_backend_pid(), clock_timestamp()"
    )
    lock_history_table = ("BEGIN", 'LOCK TABLE "public"."_prisma_migrations" IN ACCESS EXCLUSIVE MODE')
    names_lock_holders = True
    knows_when_sessions_started = True

    @staticmethod
    def session_id(connection):
        return connection.info.backend_pid

    @classmethod
    def create(cls, server, folder: Path, cleanups: list, *, name=None, schema=None, driver="freetds", template=None):
        del driver
        name = name or cls.throwaway_name()
        admin = cls(with_database(server, "postgres"), str(folder))
        source = f" TEMPLATE {admin.quote(template.target.database)}" if template is not None else ""
        admin.execute(f"CREATE DATABASE {admin.quote(name)}{source}")
        cleanups.append(lambda: admin.execute(f"DROP DATABASE IF EXISTS {admin.quote(name)} WITH (FORCE)"))
        return cls(with_database(server, name, f"schema={schema or 'public'}"), str(folder))

    def hold_prisma_lock(self):
        connection = self.connect()
        connection.cursor().execute(f"SELECT pg_advisory_lock({PRISMA_LOCK_KEY})")
        return connection

    def dump(self) -> str:
        parts = urlsplit(self.url)
        command = [pg_bin("pg_dump"), "--no-owner", f"{parts.scheme}://{parts.netloc}{parts.path}"]
        text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        # pg_dump 15.14+ wraps its output in \restrict <random key>: not part of the database.
        return "\n".join(line for line in text.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))

    def schema_dump(self) -> str:
        parts = urlsplit(self.url)
        command = [pg_bin("pg_dump"), "--no-owner", "--schema-only", f"{parts.scheme}://{parts.netloc}{parts.path}"]
        text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return "\n".join(line for line in text.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))

    def seed_scripts(self, bio: str = "same") -> dict[str, str]:
        return {
            scenarios.INIT: 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL, "bio" TEXT);\n'
            'INSERT INTO "User" ("email", "bio") '
            f"VALUES ('ada@example.com', '{bio}'), ('grace@example.com', '{bio}');\n",
            scenarios.BIO_INDEX: 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n',
            scenarios.LATER: 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n',
        }

    def native_error(self, script: str) -> BaseException | None:
        """One implicit transaction for the whole script, as Prisma's native PostgreSQL connector sends it."""
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute("BEGIN")
            try:
                cursor.execute(script)
            except Exception as error:  # psycopg's classes
                return error
            finally:
                cursor.execute("ROLLBACK")
            return None
        finally:
            connection.close()

    def native_logs(self, name: str, error) -> str:
        """Prisma's native PostgreSQL logs: tokio-postgres's DbError as Display (severity, message, DETAIL, HINT),
        then as Debug (every field, strings escaped as Rust escapes them), as the fixtures of real runs show (the
        Position block, which quotes the migration's own lines, is left out)."""
        diag = error.diag
        display = f"{diag.severity}: {diag.message_primary}"
        if diag.message_detail:
            display += f"\nDETAIL: {diag.message_detail}"
        if diag.message_hint:
            display += f"\nHINT: {diag.message_hint}"

        def some(value, render=None):
            return "None" if value is None else f"Some({(render or _rust_string)(value)})"

        position = some(diag.statement_position, lambda value: f"Original({value})")
        debug = (
            f"DbError {{ severity: {_rust_string(diag.severity)}, parsed_severity: Some(Error), "
            f"code: SqlState(E{error.sqlstate}), message: {_rust_string(diag.message_primary)}, "
            f"detail: {some(diag.message_detail)}, hint: {some(diag.message_hint)}, position: {position}, "
            f"where_: {some(diag.context)}, schema: {some(diag.schema_name)}, table: {some(diag.table_name)}, "
            f"column: {some(diag.column_name)}, datatype: {some(diag.datatype_name)}, "
            f"constraint: {some(diag.constraint_name)}, file: {some(diag.source_file)}, "
            f"line: {some(diag.source_line, str)}, routine: {some(diag.source_function)} }}"
        )
        return (
            f"{P3018_HEAD}Migration name: {name}\n\nDatabase error code: {error.sqlstate}\n\nDatabase error:\n"
            f"{display}\n\n{debug}\n" + TRACE.format(name=name)
        )

    def prisma_next_history(self) -> None:
        """Prisma 8's marker and ledger, where it keeps the history instead of _prisma_migrations."""
        self.execute("CREATE SCHEMA prisma_contract")
        self.execute(
            "CREATE TABLE prisma_contract.marker (space text PRIMARY KEY DEFAULT 'app', core_hash text NOT NULL, "
            "profile_hash text NOT NULL, contract_json jsonb, updated_at timestamptz NOT NULL DEFAULT now())"
        )
        self.execute(
            "CREATE TABLE prisma_contract.ledger (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT "
            "now(), space text NOT NULL, migration_name text NOT NULL, migration_hash text NOT NULL, "
            "destination_core_hash text NOT NULL, operations jsonb NOT NULL)"
        )


def _rust_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped.replace("\t", "\\t") + '"'


# -- The server ------------------------------------------------------------------------------------------------------


def pg_bin(name: str) -> str | None:
    found = tool(name)
    if found:
        return found
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        for version in sorted(os.listdir(base), reverse=True):
            path = os.path.join(base, version, "bin", name)
            if os.path.exists(path):
                return path
    return None


def server_unavailable() -> str | None:
    """Why a throwaway PostgreSQL cannot start, or None when it can."""
    if not pg_bin("initdb") or not pg_bin("pg_ctl"):
        return f"initdb/pg_ctl not found (install postgresql) and {ENVIRONMENT_URL} not set"
    return None


@contextlib.contextmanager
def throwaway_server(max_connections: int = 50):
    """A fresh cluster on a free loopback port (trust authentication), stopped at the end; yields its admin URL."""
    with service_dir("postgres", "dbops-postgres-") as workdir:
        data = os.path.join(workdir, "data")
        port = free_port()
        subprocess.run(
            as_service_user(
                "postgres", [pg_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections={max_connections}"
        )
        subprocess.run(
            as_service_user(
                "postgres",
                [pg_bin("pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(workdir, "log"), "-w", "start"],
            ),
            check=True,
            capture_output=True,
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}"
        finally:
            subprocess.run(
                as_service_user("postgres", [pg_bin("pg_ctl"), "-D", data, "-m", "immediate", "stop"]),
                capture_output=True,
                check=False,
            )
