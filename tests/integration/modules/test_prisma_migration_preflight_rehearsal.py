"""The rehearsal's hard bound against real PostgreSQL, SQLite, SQL Server (Babelfish) and MariaDB: one deadline from
the first lock to the rollback, enforced from outside the rehearsing session whatever the migration contains; the
migration's own timeout settings not sent; data changes and big rewrites not rehearsed unless forced; the lock-impact
plan; and the whole database as it was. On SQL Server, a migration Prisma wraps in BEGIN TRY / BEGIN TRAN ... COMMIT
TRAN / CATCH ... ROLLBACK TRAN; THROW is sent as is inside the rehearsal's own transaction: the inner COMMIT only
lowers @@TRANCOUNT to ours, the CATCH's ROLLBACK undoes everything, and our rollback leaves nothing either way.

Ground truth comes from the database, not from the module's answer: on PostgreSQL a sequence that only moves forward
(nextval is not rolled back) counts the DDL commands an event trigger saw and the rows a trigger saw updated, a second
session proves the locks are gone (LOCK ... NOWAIT) and that the rehearsing backend has ended; every test compares the
whole database's dump before and after. No assertion is on time: the figures are in benchmarks/rehearsal_load.py.
"""

from __future__ import annotations

import threading

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.preflight import WRAPPED, add_probes, preflight, probes, wrapped
from ansible_collections.backoffice.dbops.tests.support.preflight import digest_without_probes as digest

NAME = "20201201000000_rehearsed"


PG_TABLE = (
    'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL, "bio" TEXT, "balance" INT NOT NULL '
    "DEFAULT 10);\n"
    "INSERT INTO \"User\" (\"email\", \"bio\") SELECT 'u' || i || '@example.com', 'bio ' || i "
    "FROM generate_series(1, 50) AS i"
)


def ok(run) -> dict:
    assert run.rc == 0, run.output
    return run.result


def postgres(make_backend):
    backend = make_backend("postgresql")
    for statement in PG_TABLE.split(";\n"):
        backend.execute(statement)
    add_probes(backend, "User")
    return backend


def migrations_with(tmp_path, backend, script):
    return backend.write_migrations(tmp_path / "migrations", {NAME: script})


def run_in_thread(function):
    """Run the preflight on a thread; the join is a guard against a hang, not a measurement."""
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(run=function()), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the rehearsal did not end"
    return outcome["run"]


def assert_nothing_held(backend):
    """The rehearsal's locks are gone and its session with them: another session takes ACCESS EXCLUSIVE at once."""
    connection = backend.connect()
    try:
        connection.autocommit = False
        cursor = connection.cursor()
        cursor.execute('LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE NOWAIT')
        connection.rollback()
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = 'backoffice.dbops'"
        )
        assert cursor.fetchone()[0] == 0
    finally:
        connection.close()


def test_postgres_a_migration_that_swallows_cancels_is_ended_from_outside(make_backend, tmp_path):
    """A DO block that catches query_canceled (from a cancel or from statement_timeout alike) and sleeps on: only
    ending the session from another connection stops it. It catches at two levels: the watchdog repeats its cancel,
    and one landing between the inner handler and the next sleep would end a block that catches at one."""
    backend = postgres(make_backend)
    migrations = migrations_with(
        tmp_path,
        backend,
        'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n'
        "DO $$ BEGIN LOOP BEGIN LOOP BEGIN PERFORM pg_sleep(0.2); EXCEPTION WHEN query_canceled THEN NULL; END; "
        "END LOOP; EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$;\n",
    )
    before, (ddl, _rows) = digest(backend), probes(backend)

    result = run_in_thread(lambda: ok(preflight(backend, migrations, NAME, rehearse="force", rehearsal_timeout=2)))

    rehearsal = result["rehearsal"]
    assert rehearsal["ran"] is True and rehearsal["timed_out"] is True and rehearsal["succeeded"] is None
    assert rehearsal["failed_statement_index"] == 2 and rehearsal["error_kind"] == "rehearsal_timeout"
    assert rehearsal["stopped_by"] == "terminate"
    assert result["advice"] == "investigate" and "rehearsal_timeout (2 s) reached" in result["advice_text"]
    # The ALTER ran (the event trigger saw it, DO blocks are no DDL), then everything was rolled back.
    assert probes(backend)[0] == ddl + 1
    assert_nothing_held(backend)
    assert digest(backend) == before


def test_postgres_a_wait_on_another_sessions_lock_that_ignores_its_timeouts_is_ended(make_backend, tmp_path):
    backend = postgres(make_backend)
    migrations = migrations_with(
        tmp_path,
        backend,
        'DO $$ BEGIN LOOP BEGIN LOOP BEGIN LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE; EXIT; '
        "EXCEPTION WHEN lock_not_available OR query_canceled THEN NULL; END; END LOOP; EXIT; "
        "EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$;\n",
    )
    before = digest(backend)
    holder = backend.connect()
    holder.autocommit = False
    holder.cursor().execute('SELECT count(*) FROM "User"')
    try:
        result = run_in_thread(lambda: ok(preflight(backend, migrations, NAME, rehearse="force", rehearsal_timeout=2)))
    finally:
        holder.rollback()
        holder.close()
    rehearsal = result["rehearsal"]
    assert rehearsal["timed_out"] is True and rehearsal["stopped_by"] == "terminate"
    assert_nothing_held(backend)
    assert digest(backend) == before


def test_postgres_own_timeouts_set_to_zero_are_not_sent_and_a_sleep_is_cut_at_the_deadline(make_backend, tmp_path):
    backend = postgres(make_backend)
    migrations = migrations_with(
        tmp_path,
        backend,
        'SET lock_timeout = 0;\nSET statement_timeout = 0;\nALTER TABLE "User" ADD COLUMN "nick" TEXT;\n'
        "SELECT pg_sleep(600);\n",
    )
    before, (ddl, _rows) = digest(backend), probes(backend)

    result = run_in_thread(lambda: ok(preflight(backend, migrations, NAME, rehearsal_timeout=2)))

    rehearsal = result["rehearsal"]
    assert [(entry["index"], entry["statement"]) for entry in rehearsal["neutralised"]] == [
        (1, "SET lock_timeout = 0"),
        (2, "SET statement_timeout = 0"),
    ]
    assert all("not sent to the rehearsal" in entry["reason"] for entry in rehearsal["neutralised"])
    assert rehearsal["timed_out"] is True and rehearsal["failed_statement_index"] == 4
    assert rehearsal["stopped_by"] == "cancel"
    assert probes(backend)[0] == ddl + 1
    assert_nothing_held(backend)
    assert digest(backend) == before


def test_postgres_a_plain_wait_on_another_sessions_lock_ends_at_the_deadline(make_backend, tmp_path):
    """The deadline (2 s) comes before the lock wait's own limit (5 s)."""
    backend = postgres(make_backend)
    migrations = migrations_with(tmp_path, backend, 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n')
    before, (ddl, _rows) = digest(backend), probes(backend)
    holder = backend.connect()
    holder.autocommit = False
    holder.cursor().execute('SELECT count(*) FROM "User"')
    try:
        result = run_in_thread(lambda: ok(preflight(backend, migrations, NAME, rehearsal_timeout=2)))
    finally:
        holder.rollback()
        holder.close()
    rehearsal = result["rehearsal"]
    assert rehearsal["timed_out"] is True and rehearsal["failed_statement_index"] == 1
    # The ALTER started (and waited): the event trigger fires before the lock is asked for.
    assert probes(backend)[0] == ddl + 1
    assert_nothing_held(backend)
    assert digest(backend) == before


def test_postgres_data_changes_are_rehearsed_only_when_forced(make_backend, tmp_path):
    backend = postgres(make_backend)
    migrations = migrations_with(
        tmp_path,
        backend,
        'UPDATE "User" SET "balance" = "balance" * 100;\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n',
    )
    before, start = digest(backend), probes(backend)

    skipped = ok(preflight(backend, migrations, NAME))
    rehearsal = skipped["rehearsal"]
    assert rehearsal["ran"] is False
    assert rehearsal["skipped_reason"].startswith(
        'statement 1 `UPDATE "User" SET "balance" = "balance" * 100` changes data'
    )
    assert probes(backend) == start
    impact = skipped["impact"]
    assert [(step["index"], step["operation"], step["lock"], step["changes_data"]) for step in impact] == [
        (1, "UPDATE", "ROW EXCLUSIVE", True),
        (2, "CREATE INDEX", "SHARE", False),
    ]
    # Never analysed: counted, and no size (relpages is VACUUM's and ANALYZE's).
    assert (impact[0]["tables"][0]["estimated_rows"], impact[0]["tables"][0]["rows_counted"]) == (50, True)
    assert impact[0]["tables"][0]["estimated_bytes"] is None

    forced = ok(preflight(backend, migrations, NAME, rehearse="force"))
    assert forced["rehearsal"]["ran"] is True and forced["rehearsal"]["succeeded"] is True
    # Every row was updated (the row trigger saw 50), one index built, and nothing of it stayed.
    assert probes(backend) == (start[0] + 1, start[1] + 50)
    assert digest(backend) == before


def test_postgres_rewrites_and_scans_above_max_rows_are_rehearsed_only_when_forced(make_backend, tmp_path):
    backend = postgres(make_backend)
    migrations = migrations_with(tmp_path, backend, 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n')
    before, (ddl, _rows) = digest(backend), probes(backend)

    # Never analysed: the catalog has no estimate, so rows are counted, no further than max_rows + 1.
    counted = ok(preflight(backend, migrations, NAME, rehearsal_max_rows=10))
    assert counted["rehearsal"]["ran"] is False
    assert "reads every row of User, more than 10 rows (counted that far)" in counted["rehearsal"]["skipped_reason"]
    assert counted["impact"][0]["tables"][0]["rows_counted"] is True

    backend.execute('ANALYZE "User"')
    estimated = ok(preflight(backend, migrations, NAME, rehearsal_max_rows=10))
    assert "about 50 rows by the catalog's estimate" in estimated["rehearsal"]["skipped_reason"]
    assert estimated["impact"][0]["tables"][0]["estimated_bytes"] > 0

    assert probes(backend)[0] == ddl

    under = ok(preflight(backend, migrations, NAME, rehearsal_max_rows=50))
    assert under["rehearsal"]["succeeded"] is True
    forced = ok(preflight(backend, migrations, NAME, rehearsal_max_rows=10, rehearse="force"))
    assert forced["rehearsal"]["succeeded"] is True
    assert probes(backend)[0] == ddl + 2
    assert digest(backend) == before


def test_postgres_a_timeout_set_inside_a_do_block_refuses_the_rehearsal(make_backend, tmp_path):
    backend = postgres(make_backend)
    migrations = migrations_with(
        tmp_path,
        backend,
        "DO $$ BEGIN PERFORM set_config('lock_timeout', '0', true); END $$;\n"
        'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n',
    )
    start = probes(backend)
    result = ok(preflight(backend, migrations, NAME, rehearse="force"))
    assert result["rehearsal"]["ran"] is False
    assert result["rehearsal"]["skipped_reason"].startswith("statement 1 changes lock_timeout from inside another")
    assert probes(backend) == start


def test_postgres_module_options_through_ansible(make_backend, tmp_path):
    backend = postgres(make_backend)
    migrations = migrations_with(tmp_path, backend, 'UPDATE "User" SET "bio" = NULL WHERE "id" = 1;\n')
    before = digest(backend)
    base = {"migrations_dir": str(migrations), "migration": NAME, "database_url": backend.url}

    for value, ran in (("force", True), ("yes", False), (True, False), ("false", False)):
        result = ok(run_module("prisma_migration_preflight", {**base, "rehearse": value, "rehearsal_timeout": 5}))
        assert result["rehearsal"]["ran"] is ran, value
        assert result["impact"][0]["operation"] == "UPDATE"
    refused = run_module("prisma_migration_preflight", {**base, "rehearse": "sometimes"})
    assert refused.rc != 0 and "rehearse must be true, false or force" in refused.output
    zero = run_module("prisma_migration_preflight", {**base, "rehearsal_timeout": 0})
    assert zero.rc != 0 and "rehearsal_timeout must be at least 1" in zero.output
    assert digest(backend) == before


def sqlite(make_backend):
    backend = make_backend("sqlite")
    backend.execute('CREATE TABLE "User" ("id" INTEGER PRIMARY KEY, "email" TEXT NOT NULL, "bio" TEXT)')
    backend.execute(
        'INSERT INTO "User" ("email", "bio") WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n '
        "WHERE x < 300) SELECT 'u' || x, 'bio ' || x FROM n"
    )
    return backend


def test_sqlite_busy_timeout_is_not_sent_and_a_long_statement_is_interrupted(make_backend, tmp_path):
    backend = sqlite(make_backend)
    migrations = migrations_with(
        tmp_path,
        backend,
        'PRAGMA busy_timeout = 0;\nALTER TABLE "User" ADD COLUMN "nick" TEXT;\n'
        'SELECT count(*) FROM "User" a, "User" b, "User" c, "User" d;\n',
    )
    before = digest(backend)
    result = run_in_thread(lambda: ok(preflight(backend, migrations, NAME, rehearsal_timeout=2)))
    rehearsal = result["rehearsal"]
    assert [entry["statement"] for entry in rehearsal["neutralised"]] == ["PRAGMA busy_timeout = 0"]
    assert rehearsal["timed_out"] is True and rehearsal["failed_statement_index"] == 3
    assert digest(backend) == before
    # The write lock is gone: another connection writes at once.
    backend.execute('UPDATE "User" SET "bio" = "bio" WHERE "id" = 1')
    assert digest(backend) == before


def test_sqlite_data_changes_and_max_rows(make_backend, tmp_path):
    backend = sqlite(make_backend)
    migrations = migrations_with(
        tmp_path, backend, 'INSERT INTO "User" ("email") VALUES (\'new\');\nCREATE INDEX "i" ON "User"("bio");\n'
    )
    before = digest(backend)
    skipped = ok(preflight(backend, migrations, NAME))
    assert skipped["rehearsal"]["skipped_reason"].startswith('statement 1 `INSERT INTO "User"')
    assert [(step["lock"], step["blocks_reads"], step["blocks_writes"]) for step in skipped["impact"]] == [
        ("database write lock", True, True),
        ("database write lock", True, True),
    ]
    # No sqlite_stat1 here: counted; the size is the database file's.
    table = skipped["impact"][1]["tables"][0]
    assert (table["estimated_rows"], table["rows_counted"]) == (300, True) and table["estimated_bytes"] > 0
    forced = ok(preflight(backend, migrations, NAME, rehearse="force"))
    assert forced["rehearsal"]["succeeded"] is True
    big = ok(preflight(backend, migrations_with(tmp_path / "index", backend, 'CREATE INDEX "i" ON "User"("bio");\n'),
                       NAME, rehearsal_max_rows=100))  # fmt: skip
    assert "more than 100 rows" in big["rehearsal"]["skipped_reason"]
    assert digest(backend) == before
    backend.execute('ANALYZE "User"')
    analysed = digest(backend)
    estimated = ok(preflight(backend, migrations, NAME))
    assert estimated["impact"][1]["tables"][0]["estimated_rows"] == 300
    assert estimated["impact"][1]["tables"][0]["rows_counted"] is False
    assert digest(backend) == analysed


def test_sqlite_wal_mode_lets_readers_through_in_the_plan(make_backend, tmp_path):
    backend = sqlite(make_backend)
    backend.execute("PRAGMA journal_mode = WAL")
    migrations = migrations_with(tmp_path, backend, 'CREATE INDEX "i" ON "User"("bio");\n')
    result = ok(preflight(backend, migrations, NAME))
    assert (result["impact"][0]["blocks_reads"], result["impact"][0]["blocks_writes"]) == (False, True)
    assert result["rehearsal"]["succeeded"] is True


WRAPPER = (
    "BEGIN TRY\n\nBEGIN TRAN;\n\n{body}\n\nCOMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n"
    "    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
)


def sqlserver(make_backend):
    backend = make_backend("sqlserver")
    schema = backend.target.schema
    backend.execute(f"CREATE TABLE [{schema}].[User] ([id] INT NOT NULL PRIMARY KEY, [bio] NVARCHAR(100) NULL)")
    backend.execute(f"INSERT INTO [{schema}].[User] VALUES (1, 'a'), (2, 'b'), (3, NULL)")
    return backend, schema


def snapshot(backend, schema):
    table = f"{schema}.User"
    return (
        backend.execute("SELECT name FROM sys.columns WHERE object_id = OBJECT_ID(?) ORDER BY name", (table,)),
        backend.execute("SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID(?) ORDER BY name", (table,)),
        backend.execute(f"SELECT * FROM [{schema}].[User] ORDER BY id"),
    )


def test_sqlserver_lock_timeout_is_not_sent_and_a_wait_on_another_sessions_lock_ends(make_backend, tmp_path):
    backend, schema = sqlserver(make_backend)
    migrations = migrations_with(
        tmp_path,
        backend,
        WRAPPER.format(body=f"SET LOCK_TIMEOUT -1;\n\nALTER TABLE [{schema}].[User] ADD [nick] NVARCHAR(100);"),
    )
    before = snapshot(backend, schema)
    holder = backend.connect()
    holder.autocommit = False
    holder.cursor().execute(f"SELECT * FROM [{schema}].[User] WITH (TABLOCKX, HOLDLOCK)").fetchall()
    try:
        result = run_in_thread(lambda: ok(preflight(backend, migrations, NAME, rehearsal_timeout=2)))
    finally:
        holder.rollback()
        holder.close()
    rehearsal = result["rehearsal"]
    assert [entry["statement"] for entry in rehearsal["neutralised"]] == ["SET LOCK_TIMEOUT -1"]
    assert rehearsal["timed_out"] is True and rehearsal["succeeded"] is None
    assert result["impact"][1]["lock"] == "Sch-M" and result["impact"][1]["blocks_reads"] is True
    assert snapshot(backend, schema) == before


def test_sqlserver_a_slow_statement_ends_at_the_deadline(make_backend, tmp_path):
    """On SQL Server the watchdog's attention ends the batch; on Babelfish, which reads an attention only after the
    statement (measured), PostgreSQL's statement_timeout set to the deadline does."""
    backend, schema = sqlserver(make_backend)
    migrations = migrations_with(
        tmp_path,
        backend,
        WRAPPER.format(
            body=f"ALTER TABLE [{schema}].[User] ADD [nick] NVARCHAR(100);\n\n"
            "SELECT count_big(*) FROM sys.all_objects a CROSS JOIN sys.all_objects b CROSS JOIN sys.all_objects c;"
        ),
    )
    before = snapshot(backend, schema)
    result = run_in_thread(lambda: ok(preflight(backend, migrations, NAME, rehearsal_timeout=2)))
    assert result["rehearsal"]["timed_out"] is True
    assert snapshot(backend, schema) == before


def test_sqlserver_data_changes_are_rehearsed_only_when_forced(make_backend, tmp_path):
    backend, schema = sqlserver(make_backend)
    migrations = migrations_with(tmp_path, backend, WRAPPER.format(body=f"UPDATE [{schema}].[User] SET [bio] = 'x';"))
    before = snapshot(backend, schema)
    skipped = ok(preflight(backend, migrations, NAME))
    assert skipped["rehearsal"]["ran"] is False and "changes data" in skipped["rehearsal"]["skipped_reason"]
    assert skipped["impact"][0]["tables"][0]["estimated_rows"] == 3
    forced = ok(preflight(backend, migrations, NAME, rehearse="force"))
    assert forced["rehearsal"]["succeeded"] is True
    assert snapshot(backend, schema) == before


def test_mariadb_is_never_rehearsed_but_gets_its_plan(make_backend, tmp_path):
    backend = make_backend("mysql")
    backend.execute("CREATE TABLE `User` (`id` INT NOT NULL PRIMARY KEY, `email` VARCHAR(191) NOT NULL)")
    backend.execute("INSERT INTO `User` VALUES (1, 'a'), (2, 'b')")
    migrations = migrations_with(
        tmp_path,
        backend,
        "ALTER TABLE `User` ADD COLUMN `nick` VARCHAR(191) NULL;\nALTER TABLE `User` MODIFY `email` VARCHAR(20) "
        "NOT NULL;\n",
    )
    before = digest(backend)
    result = ok(preflight(backend, migrations, NAME, rehearse="force"))
    assert result["rehearsal"]["ran"] is False and "implicitly" in result["rehearsal"]["skipped_reason"]
    assert [(step["algorithm"], step["lock"]) for step in result["impact"]] == [("INSTANT", "NONE"), ("COPY", "SHARED")]
    assert result["impact"][1]["tables"][0]["estimated_bytes"] > 0
    assert digest(backend) == before


@pytest.mark.parametrize("database", [postgres, sqlite], ids=["postgresql", "sqlite"])
def test_rehearsal_that_succeeds_still_reports_its_plan_and_no_timeout(make_backend, tmp_path, database):
    backend = database(make_backend)
    migrations = migrations_with(tmp_path, backend, 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n')
    before = digest(backend)
    result = ok(preflight(backend, migrations, NAME))
    rehearsal = result["rehearsal"]
    assert rehearsal["succeeded"] is True and rehearsal["timed_out"] is False and rehearsal["stopped_by"] is None
    assert rehearsal["neutralised"] == []
    assert digest(backend) == before


def sqlserver_snapshot(backend, schema):
    """Columns, constraints and rows of the table, and the history: what a rehearsal must leave as it was."""
    table = f"{schema}.User"
    return (
        backend.execute("SELECT name FROM sys.columns WHERE object_id = OBJECT_ID(?) ORDER BY name", (table,)),
        backend.execute("SELECT name FROM sys.objects WHERE parent_object_id = OBJECT_ID(?) ORDER BY name", (table,)),
        backend.execute(f"SELECT * FROM [{schema}].[User] ORDER BY id"),
        backend.execute(
            "SELECT count(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (schema, "_prisma_migrations"),
        ),
    )


def test_prisma_wrapped_migration_rehearses_and_leaves_nothing(make_backend, tmp_path):
    backend = make_backend("sqlserver")
    schema = backend.target.schema
    backend.execute(f"CREATE TABLE [{schema}].[User] ([id] INT NOT NULL PRIMARY KEY, [bio] NVARCHAR(1000) NULL)")
    backend.execute(f"INSERT INTO [{schema}].[User] VALUES (1, 'same'), (2, 'same'), (3, NULL)")
    migrations = backend.write_migrations(tmp_path / "migrations", {WRAPPED: wrapped(schema)})
    before = sqlserver_snapshot(backend, schema)

    failing = preflight(backend, migrations, WRAPPED).result
    assert [s["kind"] for s in failing["statements"]] == ["add_column", "add_constraint"]
    rehearsal = failing["rehearsal"]
    assert rehearsal["ran"] is True and rehearsal["succeeded"] is False
    assert (rehearsal["failed_statement_index"], rehearsal["database_code"]) == (2, "1505")
    assert failing["cause"]["kind"] == "unique_violation" and failing["offending"]["count"] == 2
    assert failing["advice"] == "fix_data_then_retry"
    assert sqlserver_snapshot(backend, schema) == before

    # SQL Server's unique constraint lets one NULL through: the fixed data has a single NULL.
    backend.execute(f"DELETE FROM [{schema}].[User] WHERE id IN (2, 3)")
    fixed = sqlserver_snapshot(backend, schema)
    passing = preflight(backend, migrations, WRAPPED).result
    assert passing["rehearsal"]["succeeded"] is True and passing["advice"] == "retry"
    # The script's own COMMIT TRAN ran: still nothing, because it only closed its nested transaction.
    assert sqlserver_snapshot(backend, schema) == fixed
