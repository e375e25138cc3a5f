"""Shared set-up of the preflight tests: migration folders, failures made as Prisma makes them, and whole-database
dumps to prove that a preflight (and its rehearsal) changes nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.run import run_preflight
from ansible_collections.backoffice.dbops.tests.support import scenarios
from ansible_collections.backoffice.dbops.tests.support.ansible_run import Run, run_module
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee, RefereeError
from ansible_collections.backoffice.dbops.tests.support.servers import _pg_bin, _tool

P3018_HEAD = (
    "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more "
    "about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n"
)
TRACE = (
    '\n   0: sql_schema_connector::apply_migration::apply_script\n           with migration_name="{name}"\n'
    "             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113\n"
)


def write_migrations(folder: Path, provider: str, migrations: dict[str, str]) -> Path:
    """A Prisma migrations folder with these (name -> migration.sql), its lock file naming SQL Server as Prisma does."""
    return scenarios.write_migrations(
        folder, provider, scripts=migrations, lockfile_provider={"sqlserver": "mssql"}.get(provider)
    )


def referee_url(backend) -> str:
    return f"file:{backend.target.path}" if backend.provider == "sqlite" else backend.url


def deploy_with_prisma(backend, migrations: Path) -> str | None:
    """Prisma's own engine deploys; the error message when a migration fails (the row is then failed)."""
    try:
        PrismaReferee(backend.provider, referee_url(backend)).apply_migrations(migrations)
    except RefereeError as error:
        return error.message
    return None


def mysql_native_logs(name: str, errno: int, message: str, query_number: int) -> str:
    """What Prisma's native engine writes into logs when statement `query_number` fails on MySQL (its P3018)."""
    return (
        f"{P3018_HEAD}Migration name: {name}\n\nDatabase error code: {errno}\n\nDatabase error:\n{message}\n\n"
        f"Please check the query number {query_number} from the migration file.\n" + TRACE.format(name=name)
    )


def deploy_like_prisma_on_mysql(backend, migrations: Path) -> int | None:
    """Prisma's native MySQL deploy, for the engine the referee cannot run: a row per migration, its statements one
    by one (each DDL commits), and on the first error the row keeps P3018 logs; the 1-based query number, or None."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements

    history = backend.database.history
    if not backend.execute(*history.table_exists_query()):
        backend.execute(history.create_table)
    applied = {row[0] for row in backend.execute(f"SELECT migration_name FROM {history.table}") or []}
    started = datetime(2020, 11, 27, 13, 49, 37, tzinfo=UTC)
    for offset, folder in enumerate(sorted(path for path in migrations.iterdir() if path.is_dir())):
        if folder.name in applied:
            continue
        script = (folder / "migration.sql").read_text()
        row_id = str(uuid.uuid4())
        stamp = history.bind_timestamp(started + timedelta(seconds=offset))
        backend.execute(
            f"INSERT INTO {history.table} (id, checksum, started_at, migration_name) VALUES (%s, %s, %s, %s)",
            (row_id, compute_checksum(script), stamp, folder.name),
        )
        for statement in split_statements(script, backend.database.dialect.syntax):
            try:
                backend.execute(statement.text)
            except Exception as error:
                errno, message = error.args[0], error.args[1]
                logs = mysql_native_logs(folder.name, errno, message, statement.index)
                backend.execute(f"UPDATE {history.table} SET logs = %s WHERE id = %s", (logs, row_id))
                return statement.index
        backend.execute(
            f"UPDATE {history.table} SET finished_at = %s, applied_steps_count = 1 WHERE id = %s", (stamp, row_id)
        )
    return None


def dump(backend) -> str:
    """The whole database, schema and data (`_prisma_migrations` included), as the database's own dump tool
    writes it: pg_dump, mariadb-dump, or SQLite's .dump."""
    if backend.provider == "sqlite":
        import sqlite3

        with sqlite3.connect(backend.target.path) as connection:
            return "\n".join(connection.iterdump())
    target = backend.target
    if backend.provider == "postgresql":
        parts = urlsplit(backend.url)
        command = [_pg_bin("pg_dump"), "--no-owner", f"{parts.scheme}://{parts.netloc}{parts.path}"]
        text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        # pg_dump 15.14+ wraps its output in \restrict <random key>: not part of the database.
        return "\n".join(line for line in text.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))
    command = [
        _tool("mariadb-dump", "mysqldump"),
        "--skip-dump-date",
        "--skip-comments",
        f"--host={target.host}",
        f"--port={target.port}",
        f"--user={target.user}",
        target.database,
    ]
    env = {**os.environ, "MYSQL_PWD": target.password or ""}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


def digest(backend) -> str:
    return hashlib.sha256(dump(backend).encode()).hexdigest()


def preflight(backend, migrations: Path, migration: str, *, via_ansible=False, check=False, verbosity=0, **options):
    """prisma_migration_preflight's answer: through the real `ansible` command, or (faster, for the many cases that
    check the logic rather than the module's wiring) its executor called in this process."""
    args = {"migrations_dir": str(migrations), "migration": migration, **options}
    if via_ansible:
        args.update(database_url=backend.url, project_dir=backend.project_dir)
        return run_module("prisma_migration_preflight", args, check=check, verbosity=verbosity)
    result = run_preflight(
        backend.database,
        migration=migration,
        migrations_dir=str(migrations),
        rehearse_migration=options.get("rehearse", True),
        sample_size=options.get("sample_size", 5),
        statement_timeout=options.get("statement_timeout", 30),
        rehearsal_timeout=options.get("rehearsal_timeout", 10),
        rehearsal_max_rows=options.get("rehearsal_max_rows", 1_000_000),
    )
    return Run(0, "", "", {"changed": False, **result})


# A sequence only moves forward: what an event trigger (DDL commands) and a row trigger (rows updated) add to it stays
# after a rollback, so it tells whether a rehearsal ran a migration's statements (PostgreSQL).
PG_PROBES = (
    "CREATE SEQUENCE probe_ddl",
    "CREATE SEQUENCE probe_rows",
    "CREATE FUNCTION probe_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('probe_ddl'); "
    "END $$",
    "CREATE EVENT TRIGGER probe_ddl ON ddl_command_start EXECUTE FUNCTION probe_ddl()",
    "CREATE FUNCTION probe_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('probe_rows'); "
    "RETURN NEW; END $$",
)


def add_probes(backend, *tables: str) -> None:
    """The probes of PG_PROBES, counting the rows updated in these tables."""
    for statement in PG_PROBES:
        backend.execute(statement)
    for table in tables:
        backend.execute(
            f'CREATE TRIGGER probe_rows BEFORE UPDATE ON "{table}" FOR EACH ROW EXECUTE FUNCTION probe_rows()'
        )


def probes(backend) -> tuple[int, int]:
    """(DDL commands, rows updated) the probes saw so far."""
    counts = []
    for sequence in ("probe_ddl", "probe_rows"):
        ((value, called),) = backend.execute(f"SELECT last_value, is_called FROM {sequence}")
        counts.append(value if called else 0)
    return counts[0], counts[1]


def digest_without_probes(backend) -> str:
    """The whole database's dump but for the probes' sequence values (they only count)."""
    return hashlib.sha256(
        "\n".join(line for line in dump(backend).splitlines() if not ("probe_" in line and "setval" in line)).encode()
    ).hexdigest()
