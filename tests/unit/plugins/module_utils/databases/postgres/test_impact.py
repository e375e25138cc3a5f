"""PostgreSQL's lock rules (databases/postgres/impact.py): each statement's table lock modes, rewrites and scans,
as PostgreSQL's documentation gives them, and what each mode blocks."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.tests.support.lock_plans import one, plan

AE, SUE, SRE = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE"


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
