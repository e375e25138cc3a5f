"""Row values planted in real databases, and the database errors that quote them, made on the real engines.

The redaction tests look for these values everywhere a run leaves text. Each value sits only in the data (seeded
the way an application stores rows), never in a migration script: a migration's own text is shown on purpose.
`key` holds `)`, `'` and ` is `, the characters that end the value in the messages' own wording.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support import prisma_like, scenarios
from ansible_collections.backoffice.dbops.tests.support.preflight import P3018_HEAD, TRACE, mysql_native_logs
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee, RefereeError

PLANTED = {
    "key": "plant-key) is dup's",
    "row": "plant-row@corp.example",
    "enum": "PLANTMODERATOR",
    "timestamp": "plant-timestamp",
    "date": "2031-02-30",
    "json": "plantjsontoken",
    "integer": "plant-forty-two",
    "big": "98765432109",
    "parent": "plant-parent-7",
}
P = PLANTED

# -- The schema each engine gets (one migration), then its rows -----------------------------------------------------

SCHEMA = {
    "postgresql": (
        "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN');\n"
        'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "email" TEXT NOT NULL, "handle" TEXT UNIQUE, '
        '"bio" TEXT, "role" TEXT, "seen" TEXT, "born" TEXT, "doc" TEXT, "age" TEXT, "score" TEXT);\n'
        'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, "author" TEXT);\n'
        'CREATE TABLE "Note" ("id" INTEGER NOT NULL PRIMARY KEY, "body" TEXT CHECK (length("body") < 5));\n'
    ),
    "mysql": (
        "CREATE TABLE `User` (`id` INTEGER NOT NULL, `email` VARCHAR(191) NOT NULL, `handle` VARCHAR(191) NULL, "
        "`bio` VARCHAR(191) NULL, `role` VARCHAR(40) NULL, `seen` VARCHAR(40) NULL, `born` VARCHAR(40) NULL, "
        "`doc` LONGTEXT NULL, `age` VARCHAR(40) NULL, `score` VARCHAR(40) NULL, UNIQUE INDEX `User_handle_key`"
        "(`handle`), PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
        "CREATE TABLE `Post` (`id` INTEGER NOT NULL, `author` VARCHAR(191) NULL, PRIMARY KEY (`id`)) "
        "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
        "CREATE TABLE `Num` (`id` INTEGER NOT NULL, `n` DECIMAL(5, 2) NULL, PRIMARY KEY (`id`)) "
        "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
    ),
    "sqlite": (
        'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "email" TEXT NOT NULL, "handle" TEXT UNIQUE, '
        '"bio" TEXT, "role" TEXT, "seen" TEXT, "born" TEXT, "doc" TEXT, "age" TEXT, "score" TEXT);\n'
        'CREATE TABLE "Note" ("id" INTEGER NOT NULL PRIMARY KEY, "body" TEXT CHECK (length("body") < 5));\n'
        'CREATE TABLE "Strict" ("id" INTEGER NOT NULL PRIMARY KEY, "n" INTEGER) STRICT;\n'
        'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, "author" TEXT REFERENCES "User" ("handle"));\n'
    ),
    "sqlserver": (
        "CREATE TABLE [{s}].[User] ([id] INT NOT NULL, [email] NVARCHAR(191) NOT NULL, [handle] NVARCHAR(191), "
        "[bio] NVARCHAR(191), [role] NVARCHAR(40), [seen] NVARCHAR(40), [born] NVARCHAR(40), [doc] NVARCHAR(1000), "
        "[age] NVARCHAR(40), [score] NVARCHAR(40), CONSTRAINT [User_pkey] PRIMARY KEY CLUSTERED ([id]));\n"
        "CREATE TABLE [{s}].[Note] ([id] INT NOT NULL, [body] NVARCHAR(40), CONSTRAINT [Note_pkey] PRIMARY KEY "
        "CLUSTERED ([id]), CONSTRAINT [Note_body_short] CHECK (LEN([body]) < 5));\n"
    ),
}


def _rows(user: str, quote=lambda text: "'" + text.replace("'", "''") + "'") -> str:
    first = ", ".join(
        quote(value)
        for value in (P["row"], "h1", P["key"], P["enum"], P["timestamp"], P["date"], '{"plant": ' + P["json"] + "}")
    )
    second = ", ".join(
        quote(value) for value in (P["row"].upper(), "h2", P["key"], "ADMIN", "2020-01-01", "2020-01-01", "{}")
    )
    return (
        f"INSERT INTO {user} VALUES (1, {first}, {quote(P['integer'])}, {quote(P['big'])}), (2, {second}, '42', '42')"
    )


def seed_statements(provider: str, schema: str | None = None) -> list[str]:
    """The rows the application stored, as statements run on the database."""
    if provider == "sqlserver":
        return [_rows(f"[{schema}].[User]", quote=lambda text: "N'" + text.replace("'", "''") + "'")]
    user = "`User`" if provider == "mysql" else '"User"'
    post = "`Post`" if provider == "mysql" else '"Post"'
    rows = [_rows(user)]
    if provider != "sqlite":
        # SQLite's Post references User (foreign keys are enforced per statement there): filled by its case.
        rows.append(f"INSERT INTO {post} VALUES (1, '{P['parent']}')")
    return rows


# -- Statements that fail on those rows, each with the message it gets ---------------------------------------------
# name -> (statement, planted values its message quotes); `{s}` is the SQL Server schema.

FAILING = {
    "postgresql": {
        "unique": ('CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")', ("key",)),
        "unique_expression": (
            'CREATE UNIQUE INDEX "User_email_key" ON "User"(lower("email"), ("bio" || \'x\'))',
            ("row", "key"),
        ),
        "failing_row_check": ('INSERT INTO "Note" ("id", "body") SELECT "id", "bio" FROM "User"', ("key",)),
        "failing_row_not_null": (
            'UPDATE "User" SET "email" = NULL WHERE "id" = 1',
            ("key", "enum", "timestamp", "date", "json", "integer", "big"),
        ),
        "enum": ('ALTER TABLE "User" ALTER COLUMN "role" SET DATA TYPE "Role" USING ("role"::"Role")', ("enum",)),
        "timestamp": (
            'ALTER TABLE "User" ALTER COLUMN "seen" SET DATA TYPE TIMESTAMP(3) USING ("seen"::TIMESTAMP(3))',
            ("timestamp",),
        ),
        "date": ('ALTER TABLE "User" ALTER COLUMN "born" SET DATA TYPE DATE USING ("born"::DATE)', ("date",)),
        "json": ('ALTER TABLE "User" ALTER COLUMN "doc" SET DATA TYPE JSONB USING ("doc"::JSONB)', ("json",)),
        "integer": ('ALTER TABLE "User" ALTER COLUMN "age" SET DATA TYPE INTEGER USING ("age"::INTEGER)', ("integer",)),
        "out_of_range": (
            'ALTER TABLE "User" ALTER COLUMN "score" SET DATA TYPE INTEGER USING ("score"::INTEGER)',
            ("big",),
        ),
        "foreign_key": (
            'ALTER TABLE "Post" ADD CONSTRAINT "Post_author_fkey" FOREIGN KEY ("author") REFERENCES "User"("handle")',
            ("parent",),
        ),
    },
    "mysql": {
        "unique": ("CREATE UNIQUE INDEX `User_bio_key` ON `User`(`bio`)", ("key",)),
        "unique_two_columns": ("CREATE UNIQUE INDEX `User_email_bio_key` ON `User`(`email`, `bio`)", ("row", "key")),
        "datetime": ("ALTER TABLE `User` MODIFY `seen` DATETIME(3) NULL", ("timestamp",)),
        "date": ("ALTER TABLE `User` MODIFY `born` DATE NULL", ("date",)),
        "integer": ("ALTER TABLE `User` MODIFY `age` INTEGER NULL", ("integer",)),
        "decimal": ("INSERT INTO `Num` (`id`, `n`) SELECT `id`, `bio` FROM `User`", ("key",)),
        "enum": ("ALTER TABLE `User` MODIFY `role` ENUM('USER', 'ADMIN') NULL", ()),
        "json": ("ALTER TABLE `User` MODIFY `doc` JSON NULL", ()),
        "too_long": ("ALTER TABLE `User` MODIFY `bio` VARCHAR(5) NULL", ()),
        "foreign_key": (
            "ALTER TABLE `Post` ADD CONSTRAINT `Post_author_fkey` FOREIGN KEY (`author`) REFERENCES `User`(`handle`)",
            (),
        ),
    },
    "sqlite": {
        "unique": ('CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")', ()),
        "failing_row_check": ('INSERT INTO "Note" ("id", "body") SELECT "id", "bio" FROM "User"', ()),
        "not_null": ('UPDATE "User" SET "email" = NULL WHERE "id" = 1', ()),
        "strict": ('INSERT INTO "Strict" ("id", "n") SELECT "id", "age" FROM "User"', ()),
        "datatype_mismatch": ('INSERT INTO "User" ("id", "email") SELECT "age", "email" FROM "User"', ()),
        "json": ('SELECT json("doc") FROM "User"', ()),
        "foreign_key": ('INSERT INTO "Post" ("id", "author") VALUES (1, \'none\')', ()),
    },
    "sqlserver": {
        "unique": ("ALTER TABLE [{s}].[User] ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio])", ()),
        "integer": ("ALTER TABLE [{s}].[User] ALTER COLUMN [age] INT", ("integer",)),
        "date": ("ALTER TABLE [{s}].[User] ALTER COLUMN [born] DATE", ("date",)),
        "timestamp": ("ALTER TABLE [{s}].[User] ALTER COLUMN [seen] DATETIME2", ("timestamp",)),
        "check": ("INSERT INTO [{s}].[Note] ([id], [body]) SELECT [id], [bio] FROM [{s}].[User]", ()),
    },
}


def failing_statement(provider: str, name: str, schema: str | None = None) -> str:
    return FAILING[provider][name][0].replace("{s}", schema or "")


def schema_script(provider: str, schema: str | None = None) -> str:
    return SCHEMA[provider].replace("{s}", schema or "")


def database_message(provider: str, error: BaseException) -> str:
    """The error text a driver gives, as the collection receives it: psycopg's (primary, DETAIL, CONTEXT, ...),
    PyMySQL's message, sqlite3's, and pyodbc's with its ODBC decoration."""
    if provider in ("mysql", "sqlserver") and len(error.args) > 1 and isinstance(error.args[1], str):
        return error.args[1]
    return str(error)


def produce(backend, provider: str, name: str) -> str:
    """Make the failure `name` on `backend` (a fresh database): schema, rows, then the failing statement; the text of
    the error it raises. Nothing of the failing statement stays (it is rolled back where DDL is transactional)."""
    schema = backend.target.schema if provider == "sqlserver" else None
    connection = backend.connect()
    try:
        cursor = connection.cursor()
        for statement in [*schema_script(provider, schema).split(";\n"), *seed_statements(provider, schema)]:
            if statement.strip():
                cursor.execute(statement)
        if provider == "sqlite":
            cursor.execute("PRAGMA foreign_keys = ON")
        try:
            cursor.execute(failing_statement(provider, name, schema))
            cursor.fetchall()
        except Exception as error:  # the drivers share no base class
            return database_message(provider, error)
        raise AssertionError(f"{provider} {name}: the statement succeeded")
    finally:
        connection.close()


# -- A history in the P3009 state whose logs quote every planted value ------------------------------------------------

SCHEMA_MIGRATION = "20240101000000_schema"
PLANTED_MIGRATION = "20240102000000_planted"
# The attempt that stays failed (the others are rolled back, as `prisma migrate resolve --rolled-back` leaves them).
LAST = "unique"
# Cases Prisma's own engine (the referee, through its driver adapters) also attempts, beside the native logs.
REFEREE_CASES = {
    "postgresql": ("failing_row_check", "timestamp", "date", "out_of_range"),
    "sqlite": ("failing_row_check", "not_null", "strict"),
}
NATIVE_START = datetime(2024, 1, 2, tzinfo=UTC)


def planted_p3009(backend, folder: Path) -> Path:
    """The schema applied by Prisma's engine (or as it applies it), the rows stored, then PLANTED_MIGRATION attempted
    once per failing case and left failed by LAST: every attempt's row keeps the logs Prisma writes for its error,
    in Prisma's native format (PostgreSQL, MariaDB, SQL Server) and, where Prisma's engine runs, in its driver
    adapters' format. Returns the migrations folder (PLANTED_MIGRATION's file is LAST's statement)."""
    provider = backend.provider
    schema = backend.target.schema if provider == "sqlserver" else None
    migrations = folder / "migrations"
    _write(migrations, provider, SCHEMA_MIGRATION, schema_script(provider, schema))
    if provider in ("postgresql", "sqlite"):
        PrismaReferee(provider, _referee_url(backend)).apply_migrations(migrations)
    elif provider == "sqlserver":
        prisma_like.sqlserver_deploy(backend, migrations)
    else:
        _applied_like_prisma(backend, migrations)
    for statement in seed_statements(provider, schema):
        backend.execute(statement)
    by_referee = provider in REFEREE_CASES
    native_cases = [] if provider == "sqlite" else [case for case in FAILING[provider] if by_referee or case != LAST]
    for offset, case in enumerate(native_cases):
        _native_attempt(backend, case, NATIVE_START + timedelta(minutes=offset), rolled_back=True)
    for case in REFEREE_CASES.get(provider, ()):
        _referee_attempt(backend, migrations, case, rolled_back=True)
    if by_referee:
        _referee_attempt(backend, migrations, LAST, rolled_back=False)
    else:
        _native_attempt(backend, LAST, datetime.now(UTC), rolled_back=False)
    _write(migrations, provider, PLANTED_MIGRATION, _script(provider, LAST, schema))
    return migrations


def _referee_url(backend) -> str:
    return f"file:{backend.target.path}" if backend.provider == "sqlite" else backend.url


def _script(provider: str, case: str, schema: str | None) -> str:
    statement = failing_statement(provider, case, schema)
    if provider == "sqlserver":
        return prisma_like.prisma_sqlserver_migration([("Planted", [statement])])
    return statement + ";\n"


def _write(migrations: Path, provider: str, name: str, script: str) -> None:
    scenarios.write_migrations(
        migrations, provider, scripts={name: script}, lockfile_provider={"sqlserver": "mssql"}.get(provider)
    )


def _applied_like_prisma(backend, migrations: Path) -> None:
    script = (migrations / SCHEMA_MIGRATION / "migration.sql").read_text()
    prisma_like.create_history_table(backend)
    for statement in script.split(";\n"):
        if statement.strip():
            backend.execute(statement)
    prisma_like.record(backend, SCHEMA_MIGRATION, script, state="applied", started_at=NATIVE_START - timedelta(days=1))


def _referee_attempt(backend, migrations: Path, case: str, *, rolled_back: bool) -> None:
    """Prisma's engine deploys the case (it fails: a failed row with the adapter's logs), then resolves it."""
    _write(migrations, backend.provider, PLANTED_MIGRATION, _script(backend.provider, case, None))
    referee = PrismaReferee(backend.provider, _referee_url(backend))
    try:
        referee.apply_migrations(migrations)
    except RefereeError:
        if rolled_back:
            referee.mark_rolled_back(migrations, PLANTED_MIGRATION)
        return
    raise AssertionError(f"{case}: Prisma applied it")


def _native_attempt(backend, case: str, started_at: datetime, *, rolled_back: bool) -> None:
    """The case run as Prisma's native engine runs a migration, and its row with the logs that engine writes."""
    provider = backend.provider
    schema = backend.target.schema if provider == "sqlserver" else None
    script = _script(provider, case, schema)
    logs = _native_failure(backend, script)
    assert logs is not None, f"{case}: the statement succeeded"
    state = "rolled_back" if rolled_back else "failed"
    prisma_like.record(backend, PLANTED_MIGRATION, script, state=state, started_at=started_at, logs=logs)


def _native_failure(backend, script: str) -> str | None:
    """Run `script` as Prisma's native engine sends it; the logs it writes for the error, or None."""
    provider = backend.provider
    connection = backend.connect()
    try:
        cursor = connection.cursor()
        if provider == "postgresql":
            # One implicit transaction for the whole script, as Prisma's native PostgreSQL connector sends it.
            cursor.execute("BEGIN")
        try:
            cursor.execute(script)
            # pyodbc raises a batch's later error when its result sets are walked.
            while provider == "sqlserver" and cursor.nextset():
                pass
        except Exception as error:  # the drivers share no base class
            return native_logs(provider, PLANTED_MIGRATION, error)
        finally:
            if provider == "postgresql":
                cursor.execute("ROLLBACK")
        return None
    finally:
        connection.close()


def native_logs(provider: str, name: str, error: BaseException) -> str:
    """The `logs` Prisma's native schema engine writes for this driver error (its P3018 text and span trace)."""
    if provider == "mysql":
        return mysql_native_logs(name, error.args[0], error.args[1], 1)
    if provider == "sqlserver":
        code, message = prisma_like.server_error(error)
        return prisma_like.P3018.format(name=name, code=code, error=message) + prisma_like.SPAN_TRACE.format(name=name)
    return postgres_native_logs(name, error)


def postgres_native_logs(name: str, error) -> str:
    """Prisma's native PostgreSQL logs: tokio-postgres's DbError as Display (severity, message, DETAIL, HINT), then
    as Debug (every field, strings escaped as Rust escapes them), as the fixtures of real runs show (the Position
    block, which quotes the migration's own lines, is left out)."""
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


def _rust_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped.replace("\t", "\\t") + '"'
