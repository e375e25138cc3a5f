"""The revert and completion scripts derived from a verdict (preflight/repair.py), per database."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.effects import Judgement
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.repair import plan_repair
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database


def repair_of(provider, sql, applied, verdict="partial", left_out=frozenset()):
    """The repair when the statements numbered in `applied` took effect and the other lasting ones did not."""
    database = offline_database(provider)
    statements = split_statements(sql, database.dialect.syntax)
    lasting = frozenset(statement.index for statement in statements if statement.lasting)
    present = {statement.index: statement.index in applied for statement in statements}
    judgement = Judgement(verdict, present, lasting=lasting)
    return statements, plan_repair(statements, judgement, database.inverses, left_out)


POSTGRES = (
    'ALTER TABLE "User" ADD COLUMN "bio" TEXT NOT NULL DEFAULT \'\';\n'
    'ALTER TABLE "User" ALTER COLUMN "name" SET NOT NULL;\n'
    "CREATE TYPE \"Role\" AS ENUM ('A', 'B');\n"
    'CREATE TABLE "T" ("id" SERIAL NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));\n'
    'ALTER TABLE "Post" ADD CONSTRAINT "Post_a_fkey" FOREIGN KEY ("a") REFERENCES "User"("id");\n'
    'ALTER TABLE "User" RENAME COLUMN "a" TO "b";\n'
    'ALTER INDEX "a" RENAME TO "b";\n'
    'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n'
)


def test_postgres_revert_undoes_each_applied_statement_in_reverse_order():
    statements, repair = repair_of("postgresql", POSTGRES, set(range(1, 8)))
    assert repair.lossless
    assert repair.revert.statements == (7, 6, 5, 4, 3, 2, 1)
    assert repair.revert.sql == (
        'ALTER INDEX "b" RENAME TO "a";\n'
        'ALTER TABLE "User" RENAME COLUMN "b" TO "a";\n'
        'ALTER TABLE "Post" DROP CONSTRAINT "Post_a_fkey";\n'
        'DROP TABLE "T";\n'
        'DROP TYPE "Role";\n'
        'ALTER TABLE "User" ALTER COLUMN "name" DROP NOT NULL;\n'
        'ALTER TABLE "User" DROP COLUMN "bio";\n'
    )
    assert repair.complete.statements == (8,)
    assert repair.complete.sql == 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n'
    shown = repair.as_dict(statements)
    assert shown["revert"]["sha256"] == repair.revert.sha256 and len(shown["revert"]["sha256"]) == 64
    assert shown["revert"]["refused"] == []


@pytest.mark.parametrize(
    ("provider", "sql", "expected"),
    [
        (
            "mysql",
            "ALTER TABLE `User` ADD COLUMN `bio` VARCHAR(191) NULL;\n"
            "ALTER TABLE `Post` ADD CONSTRAINT `Post_a_fkey` FOREIGN KEY (`a`) REFERENCES `User`(`id`);\n"
            "CREATE UNIQUE INDEX `User_bio_key` ON `User`(`bio`);\n"
            "ALTER TABLE `User` ADD CONSTRAINT `User_x_key` UNIQUE (`x`);\n"
            "SELECT 1;\n",
            "ALTER TABLE `User` DROP INDEX `User_x_key`;\n"
            "DROP INDEX `User_bio_key` ON `User`;\n"
            "ALTER TABLE `Post` DROP FOREIGN KEY `Post_a_fkey`;\n"
            "ALTER TABLE `User` DROP COLUMN `bio`;\n",
        ),
        (
            "sqlite",
            'CREATE TABLE "T" ("id" INTEGER NOT NULL PRIMARY KEY);\nALTER TABLE "User" ADD COLUMN "bio" TEXT;\n'
            'CREATE INDEX "User_bio_idx" ON "User"("bio");\nSELECT 1;\n',
            'DROP INDEX "User_bio_idx";\nALTER TABLE "User" DROP COLUMN "bio";\nDROP TABLE "T";\n',
        ),
        (
            "sqlserver",
            "BEGIN TRY\n\nBEGIN TRAN;\n\nALTER TABLE [dbo].[User] ADD [x] INT;\n"
            "ALTER TABLE [dbo].[User] ADD [bio] NVARCHAR(1000) NOT NULL CONSTRAINT [User_bio_df] DEFAULT '';\n"
            "EXEC SP_RENAME N'dbo.User.a', N'b', N'COLUMN';\n"
            "CREATE UNIQUE NONCLUSTERED INDEX [User_x_key] ON [dbo].[User]([x]);\nSELECT 1;\n"
            "COMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n    ROLLBACK TRAN;\nEND;\nTHROW\n\n"
            "END CATCH\n",
            "DROP INDEX [User_x_key] ON [dbo].[User];\n"
            "EXEC sp_rename '[dbo].[User].[b]', 'a', 'COLUMN';\n"
            "ALTER TABLE [dbo].[User] DROP CONSTRAINT [User_bio_df];\n"
            "ALTER TABLE [dbo].[User] DROP COLUMN [bio];\n"
            "ALTER TABLE [dbo].[User] DROP COLUMN [x];\n",
        ),
    ],
)
def test_each_database_renders_its_own_inverses(provider, sql, expected):
    statements, repair = repair_of(provider, sql, set(range(1, len(split(provider, sql)))))
    assert repair.lossless, repair.refused
    assert repair.revert.sql == expected
    assert repair.complete.statements == (len(statements),)


def split(provider, sql):
    return split_statements(sql, offline_database(provider).dialect.syntax)


@pytest.mark.parametrize(
    ("provider", "sql", "why"),
    [
        ("postgresql", 'ALTER TABLE "User" DROP COLUMN "bio";\nSELECT 1;\n', "its values cannot be brought back"),
        ("postgresql", 'DROP TABLE "Old";\nSELECT 1;\n', "its rows cannot be brought back"),
        ("postgresql", 'UPDATE "User" SET "role" = \'A\';\nSELECT 1;\n', "changed rows"),
        ("postgresql", "ALTER TYPE \"Role\" ADD VALUE 'C';\nSELECT 1;\n", "cannot remove a value from an enum"),
        ("postgresql", 'ALTER TABLE "User" ALTER COLUMN "n" SET DATA TYPE BIGINT;\nSELECT 1;\n', "type before"),
        ("postgresql", 'ALTER TABLE "User" ALTER COLUMN "n" SET DEFAULT 3;\nSELECT 1;\n', "default before"),
        ("postgresql", 'CREATE TABLE IF NOT EXISTS "T" ("id" INT);\nSELECT 1;\n', "there before the migration"),
        ("mysql", "ALTER TABLE `User` MODIFY `bio` VARCHAR(191) NOT NULL;\nSELECT 1;\n", "restates the column"),
        ("sqlite", 'DROP INDEX "User_bio_idx";\nSELECT 1;\n', "definition migration.sql does not say"),
        ("sqlserver", "ALTER TABLE [dbo].[User] ADD [n] INT NOT NULL DEFAULT 0;\nSELECT 1;\n", "has no name"),
    ],
)
def test_a_revert_that_would_lose_something_is_refused_with_the_statement_named(provider, sql, why):
    statements, repair = repair_of(provider, sql, {1})
    assert not repair.lossless
    assert repair.revert.sql is None and repair.revert.statements == ()
    refused = repair.as_dict(statements)["revert"]["refused"]
    assert [entry["index"] for entry in refused] == [1]
    assert why in refused[0]["reason"]
    # The completion stays available: the statements that did not take effect, verbatim.
    assert repair.complete.sql == "SELECT 1;\n"


def test_completion_keeps_the_migrations_own_settings_where_they_stand_except_the_neutralised_ones():
    sql = (
        "PRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\n"
        'CREATE TABLE "new_User" ("id" INTEGER NOT NULL PRIMARY KEY);\n'
        'INSERT INTO "new_User" ("id") SELECT "id" FROM "User";\nDROP TABLE "User";\n'
        'ALTER TABLE "new_User" RENAME TO "User";\nPRAGMA foreign_keys=ON;\nPRAGMA defer_foreign_keys=OFF;\n'
    )
    _statements, repair = repair_of("sqlite", sql, {3}, left_out={8})
    assert repair.complete.statements == (4, 5, 6)
    assert repair.complete.sql == (
        "PRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\n"
        'INSERT INTO "new_User" ("id") SELECT "id" FROM "User";\nDROP TABLE "User";\n'
        'ALTER TABLE "new_User" RENAME TO "User";\nPRAGMA foreign_keys=ON;\n'
    )
    assert repair.revert.sql == 'DROP TABLE "new_User";\n'


def test_nothing_applied_reverts_nothing_and_everything_applied_completes_nothing():
    _statements, none = repair_of("postgresql", POSTGRES, set(), verdict="none")
    assert none.revert.sql == "" and none.lossless and none.complete.statements == tuple(range(1, 9))
    _statements, complete = repair_of("postgresql", POSTGRES, set(range(1, 9)), verdict="complete")
    assert complete.complete.sql == "" and complete.complete.statements == ()


def test_an_unknown_verdict_gets_no_repair():
    assert repair_of("postgresql", POSTGRES, {1}, verdict="unknown")[1] is None


def test_an_invalid_index_a_failed_concurrent_build_left_is_dropped_first():
    sql = (
        'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n'
        'CREATE UNIQUE INDEX CONCURRENTLY "User_email_key" ON "User"("email");\n'
    )
    database = offline_database("postgresql")
    statements = split_statements(sql, database.dialect.syntax)
    judgement = Judgement("partial", {1: True, 2: False}, lasting=frozenset({1, 2}), invalid_indexes=(2,))
    repair = plan_repair(statements, judgement, database.inverses)
    assert repair.lossless
    assert repair.revert.statements == (2, 1)
    assert repair.revert.sql == 'DROP INDEX "User_email_key";\nALTER TABLE "User" DROP COLUMN "nick";\n'
