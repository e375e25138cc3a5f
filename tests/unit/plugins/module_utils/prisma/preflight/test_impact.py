"""The lock-impact plan of a migration, statement by statement, against each database's documented lock rules; and
the rule that keeps data changes and big rewrites out of a rehearsal."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.impact import (
    Estimate,
    entries,
    plan_impact,
    rehearsal_skip_reason,
    resolve_indexes,
    tables_of,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database, syntax

AE, SUE, SRE = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE"


def rules(provider):
    return offline_database(provider).impact


def plan(provider, sql, estimates=None, **facts):
    statements = split_statements(sql, syntax(provider))
    return entries(plan_impact(statements, rules(provider)), estimates or {}, rules(provider), facts)


def shape(entry):
    """(operation, lock, [(table, lock, rewrites, scans, created)], changes_data)"""
    tables = [
        (table["table"], table["lock"], table["rewrites"], table["scans"], table["created_by_migration"])
        for table in entry["tables"]
    ]
    return entry["operation"], entry["lock"], tables, entry["changes_data"]


def one(provider, sql):
    (entry,) = plan(provider, sql)
    return shape(entry)


# PostgreSQL: ALTER TABLE takes ACCESS EXCLUSIVE unless its documentation names a lower level for the subform.
POSTGRES = [
    ('ALTER TABLE "User" ADD COLUMN "nick" TEXT', ("ALTER TABLE", AE, [("User", AE, False, False, False)], False)),
    (
        'ALTER TABLE "User" ADD COLUMN "role" TEXT NOT NULL DEFAULT \'user\'',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    # NOT NULL without a default: every existing row is checked (the table must be empty).
    (
        'ALTER TABLE "User" ADD COLUMN "nick" TEXT NOT NULL',
        ("ALTER TABLE", AE, [("User", AE, False, True, False)], False),
    ),
    (
        'ALTER TABLE "User" ADD COLUMN "uid" UUID NOT NULL DEFAULT gen_random_uuid()',
        ("ALTER TABLE", AE, [("User", AE, True, True, False)], False),
    ),
    ('ALTER TABLE "User" ADD COLUMN "n" SERIAL', ("ALTER TABLE", AE, [("User", AE, True, True, False)], False)),
    (
        'ALTER TABLE "User" ADD COLUMN "n" INT GENERATED ALWAYS AS ("id" * 2) STORED',
        ("ALTER TABLE", AE, [("User", AE, True, True, False)], False),
    ),
    (
        'ALTER TABLE "User" ADD COLUMN "n" INT GENERATED ALWAYS AS IDENTITY',
        ("ALTER TABLE", AE, [("User", AE, True, True, False)], False),
    ),
    (
        'ALTER TABLE "Post" ADD COLUMN "authorId" INT REFERENCES "User"("id")',
        ("ALTER TABLE", AE, [("Post", AE, False, True, False), ("User", SRE, False, False, False)], False),
    ),
    ('ALTER TABLE "User" DROP COLUMN "bio"', ("ALTER TABLE", AE, [("User", AE, False, False, False)], False)),
    (
        'ALTER TABLE "User" ALTER COLUMN "n" SET DATA TYPE BIGINT',
        ("ALTER TABLE", AE, [("User", AE, True, True, False)], False),
    ),
    ('ALTER TABLE "User" ALTER COLUMN "n" TYPE BIGINT', ("ALTER TABLE", AE, [("User", AE, True, True, False)], False)),
    ('ALTER TABLE "User" ALTER "n" TYPE BIGINT', ("ALTER TABLE", AE, [("User", AE, True, True, False)], False)),
    (
        'ALTER TABLE "User" ALTER COLUMN "bio" SET NOT NULL',
        ("ALTER TABLE", AE, [("User", AE, False, True, False)], False),
    ),
    (
        'ALTER TABLE "User" ALTER COLUMN "bio" DROP NOT NULL',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" ALTER COLUMN "bio" SET DEFAULT \'x\'',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" ALTER COLUMN "bio" DROP DEFAULT',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" ALTER COLUMN "bio" SET STATISTICS 500',
        ("ALTER TABLE", SUE, [("User", SUE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" ALTER COLUMN "bio" SET (n_distinct = 100)',
        ("ALTER TABLE", SUE, [("User", SUE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" ALTER COLUMN "bio" SET STORAGE EXTERNAL',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    # Prisma's foreign key: SHARE ROW EXCLUSIVE on both tables, and the referencing table's rows are checked.
    (
        'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") '
        "ON DELETE RESTRICT ON UPDATE CASCADE",
        ("ALTER TABLE", SRE, [("Post", SRE, False, True, False), ("User", SRE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "Post" ADD CONSTRAINT "f" FOREIGN KEY ("authorId") REFERENCES "User"("id") NOT VALID',
        ("ALTER TABLE", SRE, [("Post", SRE, False, False, False), ("User", SRE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" ADD CONSTRAINT "c" CHECK ("age" > 0)',
        ("ALTER TABLE", AE, [("User", AE, False, True, False)], False),
    ),
    (
        'ALTER TABLE "User" ADD CONSTRAINT "c" CHECK ("age" > 0) NOT VALID',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" ADD CONSTRAINT "User_bio_key" UNIQUE ("bio")',
        ("ALTER TABLE", AE, [("User", AE, False, True, False)], False),
    ),
    ('ALTER TABLE "User" ADD PRIMARY KEY ("id")', ("ALTER TABLE", AE, [("User", AE, False, True, False)], False)),
    (
        'ALTER TABLE "User" ADD CONSTRAINT "u" UNIQUE USING INDEX "User_bio_idx"',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" VALIDATE CONSTRAINT "c"',
        ("ALTER TABLE", SUE, [("User", SUE, False, True, False)], False),
    ),
    ('ALTER TABLE "User" DROP CONSTRAINT "c"', ("ALTER TABLE", AE, [("User", AE, False, False, False)], False)),
    (
        'ALTER TABLE "User" RENAME COLUMN "bio" TO "about"',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    ('ALTER TABLE "User" RENAME TO "Person"', ("ALTER TABLE", AE, [("User", AE, False, False, False)], False)),
    ('ALTER TABLE "User" SET SCHEMA "old"', ("ALTER TABLE", AE, [("User", AE, False, False, False)], False)),
    (
        'ALTER TABLE "User" DISABLE TRIGGER "t"',
        ("ALTER TABLE", SRE, [("User", SRE, False, False, False)], False),
    ),
    ('ALTER TABLE "User" ENABLE TRIGGER ALL', ("ALTER TABLE", SRE, [("User", SRE, False, False, False)], False)),
    ('ALTER TABLE "User" ENABLE ROW LEVEL SECURITY', ("ALTER TABLE", AE, [("User", AE, False, False, False)], False)),
    (
        'ALTER TABLE "User" SET (fillfactor = 70, autovacuum_enabled = false)',
        ("ALTER TABLE", SUE, [("User", SUE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "User" SET (user_catalog_table = true)',
        ("ALTER TABLE", AE, [("User", AE, False, False, False)], False),
    ),
    ('ALTER TABLE "User" SET TABLESPACE "fast"', ("ALTER TABLE", AE, [("User", AE, True, True, False)], False)),
    ('ALTER TABLE "User" SET UNLOGGED', ("ALTER TABLE", AE, [("User", AE, True, True, False)], False)),
    ('ALTER TABLE "User" CLUSTER ON "User_pkey"', ("ALTER TABLE", SUE, [("User", SUE, False, False, False)], False)),
    ('ALTER TABLE "User" OWNER TO "app"', ("ALTER TABLE", AE, [("User", AE, False, False, False)], False)),
    (
        "ALTER TABLE \"Event\" ATTACH PARTITION \"Event_2024\" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        ("ALTER TABLE", AE, [("Event", SUE, False, False, False), ("Event_2024", AE, False, True, False)], False),
    ),
    (
        'ALTER TABLE "Event" DETACH PARTITION "Event_2024"',
        ("ALTER TABLE", AE, [("Event", AE, False, False, False), ("Event_2024", AE, False, False, False)], False),
    ),
    (
        'ALTER TABLE "Event" DETACH PARTITION "Event_2024" CONCURRENTLY',
        ("ALTER TABLE", SUE, [("Event", SUE, False, False, False), ("Event_2024", SUE, False, False, False)], False),
    ),
    # Several subcommands: the strongest lock, and a rewrite if any rewrites.
    (
        'ALTER TABLE "User" ALTER COLUMN "bio" SET STATISTICS 100, ALTER COLUMN "n" TYPE BIGINT',
        ("ALTER TABLE", AE, [("User", AE, True, True, False)], False),
    ),
    (
        'ALTER TABLE IF EXISTS ONLY "app"."User" ADD COLUMN "x" INT',
        ("ALTER TABLE", AE, [("app.User", AE, False, False, False)], False),
    ),
    # Unquoted names fold to lowercase, as PostgreSQL folds them.
    ("ALTER TABLE Users ADD COLUMN x INT", ("ALTER TABLE", AE, [("users", AE, False, False, False)], False)),
    # Indexes: SHARE (writes wait, reads do not); CONCURRENTLY takes less but cannot run in a transaction.
    (
        'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")',
        ("CREATE INDEX", "SHARE", [("User", "SHARE", False, True, False)], False),
    ),
    (
        'CREATE INDEX IF NOT EXISTS "i" ON ONLY "User" USING btree ("bio")',
        ("CREATE INDEX", "SHARE", [("User", "SHARE", False, True, False)], False),
    ),
    ('CREATE INDEX ON "User" ("bio")', ("CREATE INDEX", "SHARE", [("User", "SHARE", False, True, False)], False)),
    (
        'CREATE INDEX CONCURRENTLY "i" ON "User"("bio")',
        ("CREATE INDEX CONCURRENTLY", SUE, [("User", SUE, False, True, False)], False),
    ),
    ('DROP INDEX "public"."User_bio_key"', ("DROP INDEX", AE, [(None, AE, False, False, False)], False)),
    ('DROP INDEX CONCURRENTLY "User_bio_key"', ("DROP INDEX", SUE, [(None, SUE, False, False, False)], False)),
    ('ALTER INDEX "i" RENAME TO "j"', ("ALTER INDEX", SUE, [(None, SUE, False, False, False)], False)),
    ('ALTER INDEX "i" SET TABLESPACE "fast"', ("ALTER INDEX", AE, [(None, AE, False, False, False)], False)),
    ('REINDEX TABLE "User"', ("REINDEX", "SHARE", [(None, "SHARE", False, True, False)], False)),
    # Tables.
    (
        'CREATE TABLE "Tag" ("id" SERIAL NOT NULL, "userId" INT NOT NULL REFERENCES "User"("id"), '
        'CONSTRAINT "Tag_pkey" PRIMARY KEY ("id"))',
        ("CREATE TABLE", SRE, [("Tag", AE, False, False, True), ("User", SRE, False, False, False)], False),
    ),
    (
        'CREATE TABLE "Copy" AS SELECT * FROM "User"',
        (
            "CREATE TABLE",
            "ACCESS SHARE",
            [("Copy", AE, False, False, True), ("User", "ACCESS SHARE", False, True, False)],
            False,
        ),
    ),
    (
        'CREATE UNLOGGED TABLE IF NOT EXISTS "T" ("id" INT)',
        ("CREATE TABLE", None, [("T", AE, False, False, True)], False),
    ),
    (
        'DROP TABLE IF EXISTS "A", "B" CASCADE',
        ("DROP TABLE", AE, [("A", AE, False, False, False), ("B", AE, False, False, False)], False),
    ),
    ('DROP VIEW "v"', ("DROP TABLE", AE, [("v", AE, False, False, False)], False)),
    ('TRUNCATE TABLE "Log"', ("TRUNCATE", AE, [("Log", AE, False, False, False)], True)),
    ('LOCK TABLE "User" IN SHARE MODE', ("LOCK", "SHARE", [("User", "SHARE", False, False, False)], False)),
    ('LOCK "User"', ("LOCK", AE, [("User", AE, False, False, False)], False)),
    ('CLUSTER "User" USING "User_pkey"', ("CLUSTER", AE, [("User", AE, True, True, False)], False)),
    ('ANALYZE "User"', ("ANALYZE", SUE, [("User", SUE, False, True, False)], False)),
    (
        'REFRESH MATERIALIZED VIEW "Stats"',
        ("REFRESH MATERIALIZED VIEW", AE, [("Stats", AE, True, True, False)], False),
    ),
    (
        'REFRESH MATERIALIZED VIEW CONCURRENTLY "Stats"',
        ("REFRESH MATERIALIZED VIEW", "EXCLUSIVE", [("Stats", "EXCLUSIVE", True, True, False)], False),
    ),
    (
        'CREATE VIEW "Active" AS SELECT * FROM "User" JOIN "Post" ON true',
        (
            "CREATE VIEW",
            "ACCESS SHARE",
            [
                ("Active", AE, False, False, True),
                ("User", "ACCESS SHARE", False, False, False),
                ("Post", "ACCESS SHARE", False, False, False),
            ],
            False,
        ),
    ),
    (
        'CREATE TRIGGER "t" BEFORE UPDATE ON "User" FOR EACH ROW EXECUTE FUNCTION f()',
        ("CREATE TRIGGER", SRE, [("User", SRE, False, False, False)], False),
    ),
    ('DROP TRIGGER "t" ON "User"', ("DROP TRIGGER", AE, [("User", AE, False, False, False)], False)),
    ('CREATE POLICY "p" ON "User" USING (true)', ("CREATE POLICY", AE, [("User", AE, False, False, False)], False)),
    ("COMMENT ON TABLE \"User\" IS 'people'", ("COMMENT", SUE, [("User", SUE, False, False, False)], False)),
    (
        'COMMENT ON COLUMN "app"."User"."bio" IS \'x\'',
        ("COMMENT", SUE, [("app.User", SUE, False, False, False)], False),
    ),
    # Objects that hold no rows lock no table.
    ("CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN')", ("CREATE TYPE", None, [], False)),
    ("ALTER TYPE \"Role\" ADD VALUE 'MODERATOR'", ("ALTER TYPE", None, [], False)),
    ('DROP TYPE "Role"', ("DROP TYPE", None, [], False)),
    ('CREATE EXTENSION IF NOT EXISTS "pgcrypto"', ("CREATE EXTENSION", None, [], False)),
    ('CREATE SEQUENCE "s"', ("CREATE SEQUENCE", None, [], False)),
    (
        "CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
        ("CREATE FUNCTION", None, [], False),
    ),
    ('CREATE SCHEMA "audit"', ("CREATE SCHEMA", None, [], False)),
    ('GRANT SELECT ON "User" TO "reader"', ("GRANT", None, [], False)),
    ("SET search_path TO app", ("SET", None, [], False)),
    ("BEGIN", ("BEGIN", None, [], False)),
    ("COMMIT", ("COMMIT", None, [], False)),
    # Data.
    (
        'INSERT INTO "Role" ("name") VALUES (\'admin\') ON CONFLICT DO NOTHING',
        ("INSERT", "ROW EXCLUSIVE", [("Role", "ROW EXCLUSIVE", False, False, False)], True),
    ),
    (
        'INSERT INTO "Archive" SELECT * FROM "User" WHERE "active" = false',
        (
            "INSERT",
            "ROW EXCLUSIVE",
            [("Archive", "ROW EXCLUSIVE", False, False, False), ("User", "ACCESS SHARE", False, True, False)],
            True,
        ),
    ),
    (
        'UPDATE "User" SET "balance" = "balance" * 100',
        ("UPDATE", "ROW EXCLUSIVE", [("User", "ROW EXCLUSIVE", False, True, False)], True),
    ),
    (
        'UPDATE ONLY "User" u SET "x" = p."y" FROM "Post" p WHERE p."id" = u."id"',
        (
            "UPDATE",
            "ROW EXCLUSIVE",
            [("User", "ROW EXCLUSIVE", False, True, False), ("Post", "ACCESS SHARE", False, True, False)],
            True,
        ),
    ),
    (
        'DELETE FROM "Session" WHERE "expires" < now()',
        ("DELETE", "ROW EXCLUSIVE", [("Session", "ROW EXCLUSIVE", False, True, False)], True),
    ),
    (
        'MERGE INTO "User" u USING "Import" i ON u."id" = i."id" WHEN MATCHED THEN UPDATE SET "bio" = i."bio"',
        (
            "MERGE",
            "ROW EXCLUSIVE",
            [("User", "ROW EXCLUSIVE", False, True, False), ("Import", "ACCESS SHARE", False, True, False)],
            True,
        ),
    ),
    # Non-transactional: the sequence keeps what a rehearsal takes or sets.
    ("SELECT setval('\"User_id_seq\"', 100)", ("SELECT", None, [], True)),
    ("SELECT nextval('s')", ("SELECT", None, [], True)),
    ("SELECT pg_sleep(1)", ("SELECT", None, [], False)),
    ('SELECT count(*) FROM "User"', ("SELECT", "ACCESS SHARE", [("User", "ACCESS SHARE", False, True, False)], False)),
    # What the text cannot tell.
    (
        "DO $$ BEGIN UPDATE \"User\" SET bio = ''; END $$",
        ("DO", "unknown", [(None, "unknown", False, False, False)], None),
    ),
    ("CALL archive_users()", ("CALL", "unknown", [(None, "unknown", False, False, False)], None)),
    ('VACUUM FULL "User"', ("unknown", "unknown", [(None, "unknown", False, False, False)], None)),
]


@pytest.mark.parametrize(("sql", "expected"), POSTGRES, ids=[case[0][:60] for case in POSTGRES])
def test_postgres_statements(sql, expected):
    assert one("postgresql", sql) == expected


MYSQL = [
    (
        "ALTER TABLE `User` ADD COLUMN `nick` VARCHAR(191) NULL",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INSTANT"),
    ),
    (
        "CREATE UNIQUE INDEX `User_bio_key` ON `User`(`bio`)",
        ("CREATE INDEX", "NONE", [("User", "NONE", False, True, False)], False, "INPLACE"),
    ),
    (
        "CREATE FULLTEXT INDEX `ft` ON `Post`(`body`)",
        ("CREATE INDEX", "SHARED", [("Post", "SHARED", False, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` ADD INDEX `i` (`bio`)",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` ADD UNIQUE INDEX `User_bio_key`(`bio`)",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` MODIFY `email` VARCHAR(20) NOT NULL",
        ("ALTER TABLE", "SHARED", [("User", "SHARED", True, True, False)], False, "COPY"),
    ),
    (
        "ALTER TABLE `User` CHANGE `bio` `about` TEXT",
        ("ALTER TABLE", "SHARED", [("User", "SHARED", True, True, False)], False, "COPY"),
    ),
    (
        "ALTER TABLE `User` MODIFY `email` VARCHAR(200) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE",
        ("ALTER TABLE", "NONE", [("User", "NONE", True, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `Post` ADD CONSTRAINT `Post_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `User`(`id`) "
        "ON DELETE RESTRICT ON UPDATE CASCADE",
        (
            "ALTER TABLE",
            "SHARED",
            [("Post", "SHARED", True, True, False), ("User", "SHARED", False, False, False)],
            False,
            "COPY",
        ),
    ),
    (
        "ALTER TABLE `User` ADD PRIMARY KEY (`id`)",
        ("ALTER TABLE", "NONE", [("User", "NONE", True, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` DROP COLUMN `bio`",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INSTANT"),
    ),
    (
        "ALTER TABLE `User` DROP INDEX `User_bio_key`",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `Post` DROP FOREIGN KEY `Post_authorId_fkey`",
        ("ALTER TABLE", "NONE", [("Post", "NONE", False, False, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` RENAME COLUMN `bio` TO `about`",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INSTANT"),
    ),
    (
        "ALTER TABLE `User` ALTER COLUMN `role` SET DEFAULT 'user'",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INSTANT"),
    ),
    (
        "ALTER TABLE `User` ENGINE=InnoDB",
        ("ALTER TABLE", "SHARED", [("User", "SHARED", True, True, False)], False, "COPY"),
    ),
    (
        "DROP INDEX `User_bio_key` ON `User`",
        ("DROP INDEX", "NONE", [("User", "NONE", False, False, False)], False, "INPLACE"),
    ),
    (
        "RENAME TABLE `a` TO `b`, `c` TO `d`",
        (
            "RENAME TABLE",
            "EXCLUSIVE",
            [("a", "EXCLUSIVE", False, False, False), ("c", "EXCLUSIVE", False, False, False)],
            False,
            None,
        ),
    ),
    (
        "CREATE TABLE `Tag` (`id` INT NOT NULL, `userId` INT, FOREIGN KEY (`userId`) REFERENCES `User`(`id`))",
        (
            "CREATE TABLE",
            "SHARED",
            [("Tag", "EXCLUSIVE", False, False, True), ("User", "SHARED", False, False, False)],
            False,
            None,
        ),
    ),
    ("DROP TABLE `Old`", ("DROP TABLE", "EXCLUSIVE", [("Old", "EXCLUSIVE", False, False, False)], False, None)),
    ("TRUNCATE TABLE `Log`", ("TRUNCATE", "EXCLUSIVE", [("Log", "EXCLUSIVE", False, False, False)], True, None)),
    ("UPDATE `User` SET `x` = 1", ("UPDATE", "NONE", [("User", "NONE", False, True, False)], True, None)),
    ("REPLACE INTO `Role` VALUES (1)", ("INSERT", "NONE", [("Role", "NONE", False, False, False)], True, None)),
    ("SET SESSION innodb_lock_wait_timeout = 100", ("SET", None, [], False, None)),
    ("CALL p()", ("CALL", "unknown", [(None, "unknown", False, False, False)], None, None)),
]


@pytest.mark.parametrize(("sql", "expected"), MYSQL, ids=[case[0][:60] for case in MYSQL])
def test_mysql_online_ddl(sql, expected):
    (entry,) = plan("mysql", sql)
    assert (*shape(entry), entry["algorithm"]) == expected


def test_mysql_blocks_follow_the_lock_clause():
    (copy,) = plan("mysql", "ALTER TABLE `User` MODIFY `email` VARCHAR(20) NOT NULL")
    assert (copy["blocks_reads"], copy["blocks_writes"]) == (False, True)
    (exclusive,) = plan("mysql", "ALTER TABLE `User` ADD COLUMN `x` INT, LOCK=EXCLUSIVE")
    assert (exclusive["blocks_reads"], exclusive["blocks_writes"]) == (True, True)
    (instant,) = plan("mysql", "ALTER TABLE `User` ADD COLUMN `x` INT")
    assert (instant["blocks_reads"], instant["blocks_writes"]) == (False, False)
    assert any("metadata lock" in note for note in instant["notes"])
    (update,) = plan("mysql", "UPDATE `User` SET `x` = 1")
    assert (update["blocks_reads"], update["blocks_writes"]) == (False, True)


W, R = "database write lock", "database read lock"
# Prisma's RedefineTables, as its SQLite migrations write it.
REDEFINE = (
    "PRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\n"
    'CREATE TABLE "new_User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "email" TEXT NOT NULL, "bio" TEXT);\n'
    'INSERT INTO "new_User" ("bio", "email", "id") SELECT "bio", "email", "id" FROM "User";\n'
    'DROP TABLE "User";\nALTER TABLE "new_User" RENAME TO "User";\n'
    'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
    "PRAGMA foreign_keys=ON;\nPRAGMA defer_foreign_keys=OFF;\n"
)


def test_sqlite_redefine_tables_is_a_copy_not_a_data_change():
    plan_ = plan("sqlite", REDEFINE, {TableName("User"): Estimate(5000, 4096 * 100)})
    assert [shape(entry) for entry in plan_] == [
        ("PRAGMA", None, [], False),
        ("PRAGMA", None, [], False),
        ("CREATE TABLE", W, [("new_User", W, False, False, True)], False),
        ("INSERT", W, [("new_User", W, False, False, True), ("User", R, False, True, False)], False),
        ("DROP TABLE", W, [("User", W, False, True, False)], False),
        ("ALTER TABLE", W, [("new_User", W, False, False, True)], False),
        ("CREATE INDEX", W, [("User", W, False, True, True)], False),
        ("PRAGMA", None, [], False),
        ("PRAGMA", None, [], False),
    ]
    # The copy, renamed back, holds the old table's rows: the index build reads all of them.
    assert plan_[6]["tables"][0]["estimated_rows"] == 5000
    assert plan_[3]["tables"][0]["estimated_rows"] == 0
    # One lock for the database: writing the new table shuts out other writers (and readers, journal mode).
    assert (plan_[2]["blocks_reads"], plan_[2]["blocks_writes"]) == (True, True)


def test_sqlite_wal_lets_readers_through():
    (entry,) = plan("sqlite", 'CREATE INDEX "i" ON "User"("bio")', wal=True)
    assert (entry["blocks_reads"], entry["blocks_writes"]) == (False, True)
    (journal,) = plan("sqlite", 'CREATE INDEX "i" ON "User"("bio")')
    assert (journal["blocks_reads"], journal["blocks_writes"]) == (True, True)


SQLITE = [
    ('ALTER TABLE "User" ADD COLUMN "nick" TEXT', ("ALTER TABLE", W, [("User", W, False, False, False)], False)),
    (
        'ALTER TABLE "User" ADD COLUMN "n" INTEGER NOT NULL DEFAULT 0 CHECK ("n" >= 0)',
        ("ALTER TABLE", W, [("User", W, False, True, False)], False),
    ),
    ('ALTER TABLE "User" DROP COLUMN "bio"', ("ALTER TABLE", W, [("User", W, True, True, False)], False)),
    (
        'ALTER TABLE "User" RENAME COLUMN "bio" TO "about"',
        ("ALTER TABLE", W, [("User", W, False, False, False)], False),
    ),
    ('CREATE INDEX IF NOT EXISTS "i" ON "User"("bio")', ("CREATE INDEX", W, [("User", W, False, True, False)], False)),
    ('DROP INDEX "i"', ("DROP INDEX", W, [(None, W, False, False, False)], False)),
    ('UPDATE "User" SET "bio" = NULL', ("UPDATE", W, [("User", W, False, True, False)], True)),
    ('INSERT OR IGNORE INTO "Role" VALUES (1)', ("INSERT", W, [("Role", W, False, False, False)], True)),
    ('DELETE FROM "Session"', ("DELETE", W, [("Session", W, False, True, False)], True)),
    ("PRAGMA busy_timeout = 0", ("PRAGMA", None, [], False)),
    ("PRAGMA foreign_key_check", ("PRAGMA", R, [(None, R, False, True, False)], False)),
    ('CREATE VIEW "v" AS SELECT 1', ("CREATE VIEW", W, [(None, W, False, False, False)], False)),
]


@pytest.mark.parametrize(("sql", "expected"), SQLITE, ids=[case[0][:60] for case in SQLITE])
def test_sqlite_statements(sql, expected):
    assert one("sqlite", sql) == expected


MSSQL_WRAPPED = (
    "BEGIN TRY\n\nBEGIN TRAN;\n\n{body}\n\nCOMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n"
    "    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
)
MSSQL = [
    (
        "ALTER TABLE [dbo].[User] ADD [nick] NVARCHAR(1000)",
        ("ALTER TABLE", "Sch-M", [("dbo.User", "Sch-M", False, False, False)], False),
    ),
    (
        "ALTER TABLE [dbo].[User] ADD [role] NVARCHAR(10) NOT NULL CONSTRAINT [d] DEFAULT 'user'",
        ("ALTER TABLE", "Sch-M", [("dbo.User", "Sch-M", True, True, False)], False),
    ),
    (
        "ALTER TABLE [dbo].[User] ALTER COLUMN [bio] NVARCHAR(200) NOT NULL",
        ("ALTER TABLE", "Sch-M", [("dbo.User", "Sch-M", True, True, False)], False),
    ),
    (
        "ALTER TABLE [dbo].[User] ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio])",
        ("ALTER TABLE", "Sch-M", [("dbo.User", "Sch-M", False, True, False)], False),
    ),
    (
        "ALTER TABLE [dbo].[User] ADD CONSTRAINT [User_pkey] PRIMARY KEY CLUSTERED ([id])",
        ("ALTER TABLE", "Sch-M", [("dbo.User", "Sch-M", True, True, False)], False),
    ),
    (
        "ALTER TABLE [dbo].[Post] ADD CONSTRAINT [Post_authorId_fkey] FOREIGN KEY ([authorId]) REFERENCES "
        "[dbo].[User]([id]) ON DELETE NO ACTION ON UPDATE CASCADE",
        (
            "ALTER TABLE",
            "Sch-M",
            [("dbo.Post", "Sch-M", False, True, False), ("dbo.User", "Sch-M", False, False, False)],
            False,
        ),
    ),
    (
        "ALTER TABLE [dbo].[Post] WITH NOCHECK ADD CONSTRAINT [c] CHECK ([n] > 0)",
        ("ALTER TABLE", "Sch-M", [("dbo.Post", "Sch-M", False, False, False)], False),
    ),
    (
        "ALTER TABLE [dbo].[User] DROP COLUMN [bio]",
        ("ALTER TABLE", "Sch-M", [("dbo.User", "Sch-M", False, False, False)], False),
    ),
    (
        "CREATE NONCLUSTERED INDEX [i] ON [dbo].[User]([bio])",
        ("CREATE INDEX", "S", [("dbo.User", "S", False, True, False)], False),
    ),
    (
        "CREATE UNIQUE CLUSTERED INDEX [i] ON [dbo].[User]([id])",
        ("CREATE INDEX", "Sch-M", [("dbo.User", "Sch-M", True, True, False)], False),
    ),
    (
        "CREATE INDEX [i] ON [dbo].[User]([bio]) WITH (ONLINE = ON)",
        ("CREATE INDEX", "Sch-S", [("dbo.User", "Sch-S", False, True, False)], False),
    ),
    ("DROP INDEX [i] ON [dbo].[User]", ("DROP INDEX", "Sch-M", [("dbo.User", "Sch-M", False, False, False)], False)),
    ("DROP TABLE [dbo].[Old]", ("DROP TABLE", "Sch-M", [("dbo.Old", "Sch-M", False, False, False)], False)),
    (
        "EXEC sp_rename 'dbo.User.bio', 'about', 'COLUMN'",
        ("sp_rename", "Sch-M", [("dbo.User", "Sch-M", False, False, False)], False),
    ),
    ("EXEC SP_RENAME N'dbo.Old', N'New'", ("sp_rename", "Sch-M", [("dbo.Old", "Sch-M", False, False, False)], False)),
    ("UPDATE [dbo].[User] SET [x] = 1", ("UPDATE", "IX", [("dbo.User", "IX", False, True, False)], True)),
    ("TRUNCATE TABLE [dbo].[Log]", ("TRUNCATE", "Sch-M", [("dbo.Log", "Sch-M", False, False, False)], True)),
    ("EXEC [dbo].[archive]", ("EXEC", "unknown", [(None, "unknown", False, False, False)], None)),
    ("SET LOCK_TIMEOUT -1", ("SET", None, [], False)),
    ("WAITFOR DELAY '00:00:05'", ("WAITFOR", None, [], False)),
    (
        "CREATE TABLE [dbo].[Tag] ([id] INT NOT NULL, [userId] INT, "
        "CONSTRAINT [Tag_pkey] PRIMARY KEY CLUSTERED ([id]))",
        ("CREATE TABLE", None, [("dbo.Tag", "Sch-M", False, False, True)], False),
    ),
]


@pytest.mark.parametrize(("sql", "expected"), MSSQL, ids=[case[0][:60] for case in MSSQL])
def test_sql_server_statements_inside_prisma_wrapper(sql, expected):
    assert one("sqlserver", MSSQL_WRAPPED.format(body=sql + ";")) == expected


def test_sql_server_blocks():
    (alter,) = plan("sqlserver", "ALTER TABLE [dbo].[User] ADD [nick] NVARCHAR(1000)")
    assert (alter["blocks_reads"], alter["blocks_writes"]) == (True, True)
    (index,) = plan("sqlserver", "CREATE NONCLUSTERED INDEX [i] ON [dbo].[User]([bio])")
    assert (index["blocks_reads"], index["blocks_writes"]) == (False, True)


def test_postgres_blocks_by_lock_mode():
    expected = {
        'ALTER TABLE "User" ADD COLUMN "x" INT': (True, True),
        'CREATE INDEX "i" ON "User"("bio")': (False, True),
        'ALTER TABLE "User" VALIDATE CONSTRAINT "c"': (False, False),
        'UPDATE "User" SET "x" = 1': (False, True),
        'INSERT INTO "User" ("x") VALUES (1)': (False, False),
        'SELECT count(*) FROM "User"': (False, False),
    }
    for sql, blocks in expected.items():
        (entry,) = plan("postgresql", sql)
        assert (entry["blocks_reads"], entry["blocks_writes"]) == blocks, sql


def test_tables_made_by_the_migration_cost_production_nothing():
    entries_ = plan(
        "postgresql",
        'CREATE TABLE "Tag" ("id" INT);\nINSERT INTO "Tag" VALUES (1);\nCREATE INDEX "Tag_id" ON "Tag"("id");\n'
        'DROP INDEX "Tag_id";\nALTER TABLE "Tag" ADD COLUMN "n" SERIAL',
    )
    assert [entry["lock"] for entry in entries_] == [None] * 5
    assert [entry["changes_data"] for entry in entries_] == [False] * 5
    assert all(not entry["blocks_reads"] and not entry["blocks_writes"] for entry in entries_)
    # The DROP INDEX names the index alone: the migration made it on "Tag".
    assert entries_[3]["tables"][0]["table"] == "Tag"


def test_a_renamed_table_keeps_the_estimate_of_its_rows():
    entries_ = plan(
        "postgresql",
        'ALTER TABLE "User" RENAME TO "Person";\nCREATE INDEX "i" ON "Person"("bio")',
        {TableName("User"): Estimate(2_000_000, 10**9)},
    )
    assert entries_[1]["tables"][0]["estimated_rows"] == 2_000_000
    assert entries_[1]["tables"][0]["created_by_migration"] is False


def test_sql_server_redefine_tables_copy_is_renamed_back():
    body = (
        "CREATE TABLE [dbo].[_prisma_new_User] ([id] INT NOT NULL);\n"
        "INSERT INTO [dbo].[_prisma_new_User] ([id]) SELECT [id] FROM [dbo].[User] WITH (holdlock tablockx);\n"
        "DROP TABLE [dbo].[User];\nEXEC SP_RENAME N'dbo._prisma_new_User', N'User';\n"
        "CREATE INDEX [i] ON [dbo].[User]([id]);"
    )
    entries_ = plan("sqlserver", MSSQL_WRAPPED.format(body=body), {TableName("User", "dbo"): Estimate(7, 8192)})
    assert [entry["changes_data"] for entry in entries_] == [False] * 5
    assert entries_[4]["tables"][0]["created_by_migration"] is True
    assert entries_[4]["tables"][0]["estimated_rows"] == 7


def test_indexes_named_alone_are_resolved_from_the_catalog():
    statements = split_statements('DROP INDEX "app"."User_bio_key"', syntax("postgresql"))
    impacts = plan_impact(statements, rules("postgresql"))
    assert tables_of(impacts) == []
    resolved = resolve_indexes(impacts, {("app", "User_bio_key"): TableName("User", "app")})
    assert tables_of(resolved) == [TableName("User", "app")]
    (entry,) = entries(resolved, {TableName("User", "app"): Estimate(10, 100)}, rules("postgresql"), {})
    assert entry["tables"][0] | {} == {
        "table": "app.User",
        "lock": AE,
        "blocks_reads": True,
        "blocks_writes": True,
        "rewrites": False,
        "scans": False,
        "created_by_migration": False,
        "estimated_rows": 10,
        "estimated_bytes": 100,
        "rows_counted": False,
    }


def test_estimates_are_attached_to_existing_tables_only():
    (entry,) = plan(
        "postgresql",
        'ALTER TABLE "Post" ADD CONSTRAINT "f" FOREIGN KEY ("a") REFERENCES "User"("id")',
        {TableName("Post"): Estimate(3, 300), TableName("User"): Estimate(2, 200, counted=True)},
    )
    assert [(t["estimated_rows"], t["estimated_bytes"], t["rows_counted"]) for t in entry["tables"]] == [
        (3, 300, False),
        (2, 200, True),
    ]


def test_unreadable_statement_is_unknown():
    statements = split_statements("SELECT 1", syntax("postgresql"))
    broken = [type(statements[0])(index=1, line=1, text="SELECT 'unterminated")]
    (entry,) = entries(plan_impact(broken, rules("postgresql")), {}, rules("postgresql"), {})
    assert entry["operation"] == "unknown" and entry["changes_data"] is None


# The rehearsal rule ---------------------------------------------------------------------------------------------


def skip(provider, sql, estimates=None, max_rows=1_000_000):
    statements = split_statements(sql, syntax(provider))
    return rehearsal_skip_reason(plan(provider, sql, estimates), statements, max_rows)


def test_data_changes_are_not_rehearsed_and_the_reason_names_the_statement():
    reason = skip("postgresql", 'ALTER TABLE "User" ADD COLUMN "n" INT;\nUPDATE "User" SET "balance" = "balance" * 100')
    assert reason.startswith('statement 2 `UPDATE "User" SET "balance" = "balance" * 100` changes data')
    assert "rehearse: force" in reason


def test_code_whose_writes_the_text_hides_is_not_rehearsed():
    reason = skip("postgresql", "DO $$ BEGIN PERFORM 1; END $$")
    assert reason.startswith("statement 1 `DO $$ BEGIN PERFORM 1; END $$` runs code whose writes its text does not")


def test_rewrites_and_scans_above_max_rows_are_not_rehearsed():
    big = {TableName("User"): Estimate(2_000_000, 10**9)}
    reason = skip("postgresql", 'ALTER TABLE "User" ALTER COLUMN "n" TYPE BIGINT', big)
    assert "rewrites User, about 2,000,000 rows by the catalog's estimate, above rehearsal_max_rows (1,000,000)" in (
        reason
    )
    reason = skip("postgresql", 'CREATE INDEX "i" ON "User"("bio")', big)
    assert "reads every row of User" in reason
    # At the limit, or without a full read, it is rehearsed.
    assert skip("postgresql", 'CREATE INDEX "i" ON "User"("bio")', {TableName("User"): Estimate(1_000_000, 1)}) is None
    assert skip("postgresql", 'ALTER TABLE "User" ADD COLUMN "x" INT', big) is None
    assert skip("postgresql", 'CREATE INDEX "i" ON "User"("bio")', big, max_rows=3_000_000) is None


def test_counted_rows_say_how_far_they_were_counted():
    reason = skip("postgresql", 'CREATE INDEX "i" ON "User"("bio")', {TableName("User"): Estimate(11, 1, True)}, 10)
    assert "more than 10 rows (counted that far)" in reason


def test_a_copy_of_a_big_table_counts_as_the_table():
    big = {TableName("User"): Estimate(2_000_000, 10**9)}
    reason = skip("sqlite", REDEFINE, big)
    assert reason.startswith("statement 4 `INSERT INTO")
    assert "reads every row of User" in reason


def test_cheap_ddl_is_rehearsed():
    assert skip("postgresql", 'CREATE TABLE "T" ("id" INT);\nALTER TABLE "User" ADD COLUMN "x" INT') is None
    assert skip("sqlite", REDEFINE, {TableName("User"): Estimate(10, 4096)}) is None
    assert skip("postgresql", "SELECT setval('s', 1)").startswith("statement 1")
