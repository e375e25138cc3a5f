"""Row values planted in real databases, and the database errors that quote them, made on the real engines.

The redaction tests look for these values everywhere a run leaves text. Each value sits only in the data (seeded
the way an application stores rows), never in a migration script: a migration's own text is shown on purpose.
`key` holds `)`, `'` and ` is `, the characters that end the value in the messages' own wording.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support import prisma_like
from ansible_collections.backoffice.dbops.tests.support.backends import DeployFailed

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


def _rows(user: str, literal) -> str:
    first = ", ".join(
        literal(value)
        for value in (P["row"], "h1", P["key"], P["enum"], P["timestamp"], P["date"], '{"plant": ' + P["json"] + "}")
    )
    second = ", ".join(
        literal(value) for value in (P["row"].upper(), "h2", P["key"], "ADMIN", "2020-01-01", "2020-01-01", "{}")
    )
    return (
        f"INSERT INTO {user} VALUES (1, {first}, {literal(P['integer'])}, {literal(P['big'])}), "
        f"(2, {second}, '42', '42')"
    )


# Engines whose Post stands alone and gets its row with the others (SQLite's references User, and foreign keys are
# enforced per statement there: its case fills it); statements each session runs first.
POST_ROW = {"postgresql": True, "mysql": True, "sqlite": False, "sqlserver": False}
SESSION = {"sqlite": ("PRAGMA foreign_keys = ON",)}


def seed_statements(backend) -> list[str]:
    """The rows the application stored, as statements run on the database."""
    rows = [_rows(backend.qualified("User"), backend.literal)]
    if POST_ROW[backend.provider]:
        rows.append(f"INSERT INTO {backend.qualified('Post')} VALUES (1, '{P['parent']}')")
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


def failing_statement(backend, name: str) -> str:
    return FAILING[backend.provider][name][0].replace("{s}", backend.schema or "")


def schema_script(backend) -> str:
    return SCHEMA[backend.provider].replace("{s}", backend.schema or "")


def produce(backend, name: str) -> str:
    """Make the failure `name` on `backend` (a fresh database): schema, rows, then the failing statement; the text of
    the error it raises. Nothing of the failing statement stays (it is rolled back where DDL is transactional)."""
    connection = backend.connect()
    try:
        cursor = connection.cursor()
        for statement in [*schema_script(backend).split(";\n"), *seed_statements(backend)]:
            if statement.strip():
                cursor.execute(statement)
        for statement in SESSION.get(backend.provider, ()):
            cursor.execute(statement)
        try:
            cursor.execute(failing_statement(backend, name))
            cursor.fetchall()
        except Exception as error:  # the drivers share no base class
            return backend.error_message(error)
        raise AssertionError(f"{backend.provider} {name}: the statement succeeded")
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
    """The schema applied as Prisma applies it, the rows stored, then PLANTED_MIGRATION attempted once per failing
    case and left failed by LAST: every attempt's row keeps the logs Prisma writes for its error, in Prisma's native
    format (PostgreSQL, MariaDB, SQL Server) and, where Prisma's engine runs, in its driver adapters' format. Returns
    the migrations folder (PLANTED_MIGRATION's file is LAST's statement)."""
    migrations = folder / "migrations"
    backend.write_migrations(migrations, {SCHEMA_MIGRATION: schema_script(backend)})
    backend.deploy(migrations)
    for statement in seed_statements(backend):
        backend.execute(statement)
    referee_cases = REFEREE_CASES.get(backend.provider, ())
    native_cases = [
        case for case in FAILING[backend.provider] if backend.native_engine_emulated and (referee_cases or case != LAST)
    ]
    for offset, case in enumerate(native_cases):
        _native_attempt(backend, case, NATIVE_START + timedelta(minutes=offset), rolled_back=True)
    for case in referee_cases:
        _referee_attempt(backend, migrations, case, rolled_back=True)
    if referee_cases:
        _referee_attempt(backend, migrations, LAST, rolled_back=False)
    else:
        _native_attempt(backend, LAST, datetime.now(UTC), rolled_back=False)
    _write(backend, migrations, PLANTED_MIGRATION, _script(backend, LAST))
    return migrations


def _script(backend, case: str) -> str:
    return backend.as_migration([failing_statement(backend, case)], "Planted")


def _write(backend, migrations: Path, name: str, script: str) -> None:
    backend.write_migrations(migrations, {name: script})


def _referee_attempt(backend, migrations: Path, case: str, *, rolled_back: bool) -> None:
    """Prisma's engine deploys the case (it fails: a failed row with the adapter's logs), then resolves it."""
    _write(backend, migrations, PLANTED_MIGRATION, _script(backend, case))
    try:
        backend.deploy(migrations)
    except DeployFailed:
        if rolled_back:
            backend.referee().mark_rolled_back(migrations, PLANTED_MIGRATION)
        return
    raise AssertionError(f"{case}: Prisma applied it")


def _native_attempt(backend, case: str, started_at: datetime, *, rolled_back: bool) -> None:
    """The case run as Prisma's native engine runs a migration, and its row with the logs that engine writes."""
    script = _script(backend, case)
    error = backend.native_error(script)
    assert error is not None, f"{case}: the statement succeeded"
    logs = backend.native_logs(PLANTED_MIGRATION, error)
    state = "rolled_back" if rolled_back else "failed"
    prisma_like.record(backend, PLANTED_MIGRATION, script, state=state, started_at=started_at, logs=logs)
