"""The offending-rows query each database gets for a data cause: one aggregate query, values only when asked."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.tests.support.judging import MSSQL_MIGRATION, offending_plan


def test_unique_query_per_database():
    pg = offending_plan("postgresql", 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")', "unique_violation")
    assert pg.query == (
        'SELECT d."bio", d.dbops_n, count(*) OVER () AS dbops_groups, sum(d.dbops_n) OVER () AS dbops_rows '
        'FROM (SELECT c."bio", count(*) AS dbops_n FROM "app"."User" AS c WHERE c."bio" IS NOT NULL '
        'GROUP BY c."bio" HAVING count(*) > 1) AS d ORDER BY d.dbops_n DESC, d."bio" LIMIT 5'
    )
    mssql = offending_plan("sqlserver", MSSQL_MIGRATION, "unique_violation", sample_size=0)
    # SQL Server's unique constraints let one NULL only: NULL rows collide too.
    assert mssql.query == (
        "SELECT count(*) AS dbops_groups, sum(d.dbops_n) AS dbops_rows FROM (SELECT c.[bio], count(*) AS dbops_n "
        "FROM [dbo].[User] AS c WHERE 1 = 1 GROUP BY c.[bio] HAVING count(*) > 1) AS d"
    )
    assert offending_plan("sqlserver", MSSQL_MIGRATION, "unique_violation", sample_size=2).query.startswith(
        "SELECT TOP (2) d.[bio]"
    )


def test_foreign_key_not_null_and_check_queries():
    fk = offending_plan(
        "mysql",
        "ALTER TABLE `Post` ADD CONSTRAINT `Post_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `User`(`id`)",
        "foreign_key_violation",
    )
    assert "NOT EXISTS (SELECT 1 FROM `User` AS p WHERE p.`id` = c.`authorId`)" in fk.query
    assert "c.`authorId` IS NOT NULL" in fk.query and "HAVING" not in fk.query
    not_null = offending_plan("postgresql", 'ALTER TABLE "User" ALTER COLUMN "bio" SET NOT NULL', "not_null_violation")
    assert not_null.query == (
        'SELECT c."id", count(*) OVER () AS dbops_rows FROM "app"."User" AS c WHERE c."bio" IS NULL '
        'ORDER BY c."id" LIMIT 5'
    )
    new_column = offending_plan(
        "postgresql", 'ALTER TABLE "User" ADD COLUMN "n" TEXT NOT NULL', "not_null_violation", 0
    )
    assert new_column.query == 'SELECT count(*) AS dbops_rows FROM "app"."User" AS c WHERE 1 = 1'
    check = offending_plan(
        "postgresql", 'ALTER TABLE "User" ADD CONSTRAINT "c" CHECK (length("bio") > 3)', "check_violation", 0
    )
    assert check.query == 'SELECT count(*) AS dbops_rows FROM "app"."User" AS c WHERE NOT (LENGTH("bio") > 3)'
    # A column the table does not have (yet): no query can tell; the rehearsal counts them after the earlier steps.
    assert offending_plan("postgresql", 'CREATE UNIQUE INDEX "x" ON "User"("nick")', "unique_violation") is None
