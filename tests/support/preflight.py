"""Shared set-up of the preflight tests: failures made as Prisma makes them, whole-database dumps to prove that a
preflight (and its rehearsal) changes nothing, and probes that count what a rehearsal ran."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.run import run_preflight
from ansible_collections.backoffice.dbops.tests.support.ansible_run import Run, run_module
from ansible_collections.backoffice.dbops.tests.support.backends import DeployFailed, mssql

# A migration Prisma's SQL Server renderer wraps in BEGIN TRY / BEGIN TRAN ... COMMIT TRAN / CATCH ... THROW: a
# column, then a unique constraint on bio.
WRAPPED = "20201201000000_nick_and_bio"


def wrapped(schema: str) -> str:
    user = f"[{schema}].[User]"
    return mssql.migration_script(
        [
            ("AlterTable", [f"ALTER TABLE {user} ADD [nick] NVARCHAR(1000)"]),
            ("CreateIndex", [f"ALTER TABLE {user} ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio])"]),
        ]
    )


def failed_deploy(backend, migrations: Path) -> DeployFailed:
    """Deploy as Prisma deploys on this database, which must fail: the failure (the failed row keeps its logs)."""
    try:
        applied = backend.deploy(migrations)
    except DeployFailed as failure:
        return failure
    raise AssertionError(f"the deploy succeeded: {applied}")


def digest(backend) -> str:
    """The whole database's dump (pg_dump, mariadb-dump, SQLite's .dump), hashed."""
    return hashlib.sha256(backend.dump().encode()).hexdigest()


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
        "\n".join(line for line in backend.dump().splitlines() if not ("probe_" in line and "setval" in line)).encode()
    ).hexdigest()
