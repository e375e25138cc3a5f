"""migration.sql as numbered, classified statements; the symbolic replay that judges what a failed migration left
behind; the offending-rows queries each database gets; and the advice."""

from __future__ import annotations

from operator import attrgetter

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    open_database,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    ColumnInfo,
    ObjectInfo,
    TableInfo,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.advice import advise
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.catalog import LiveCatalog
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import Cause
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.effects import (
    changes_of,
    judge,
    model_for,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.offending import (
    Offending,
    plan_offending,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.rehearsal import Rehearsal, skipped
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import syntax

URLS = {
    "postgresql": "postgresql://u@h/db?schema=app",
    "mysql": "mysql://u@h/db",
    "sqlite": "file:/tmp/x.db",
    "sqlserver": "sqlserver://h:1433;database=db;user=u;password=p",
}
# Prisma's SQL Server migration, wrapper included, as its renderer writes it.
MSSQL = (
    "BEGIN TRY\n\nBEGIN TRAN;\n\n-- CreateIndex\n"
    "ALTER TABLE [dbo].[User] ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio]);\n\n"
    "-- AddForeignKey\nALTER TABLE [dbo].[Post] ADD CONSTRAINT [Post_authorId_fkey] FOREIGN KEY ([authorId]) "
    "REFERENCES [dbo].[User]([id]) ON DELETE NO ACTION ON UPDATE CASCADE;\n\n"
    "COMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
)


def flavour(provider):
    return open_database(URLS[provider], "/tmp")


def test_splitting_respects_strings_quoted_names_comments_and_dollar_quotes():
    sql = (
        '-- a; comment\nUPDATE "User" SET "bio" = \'a; b\' WHERE "x;" IS NULL;\n'
        'DO $$ BEGIN PERFORM 1; END $$;\n/* c; */ CREATE INDEX "i" ON "User"("bio");\nBEGIN;\nCOMMIT'
    )
    statements = split_statements(sql, syntax("postgresql"))
    assert [(s.index, s.line, s.kind, s.category) for s in statements] == [
        (1, 2, "dml", "data"),
        # A DO block can change anything.
        (2, 3, "dml", "data"),
        (3, 4, "create_index", "schema"),
        (4, 5, "transaction", "transaction"),
        (5, 6, "transaction", "transaction"),
    ]
    assert statements[0].text == 'UPDATE "User" SET "bio" = \'a; b\' WHERE "x;" IS NULL'
    assert [s.transaction_control for s in statements] == [None, None, None, "BEGIN", "COMMIT"]


def test_sql_server_wrapper_is_not_counted():
    statements = split_statements(MSSQL, syntax("sqlserver"))
    assert [(s.index, s.kind, s.actions[0].constraint) for s in statements] == [
        (1, "add_constraint", "unique"),
        (2, "add_constraint", "foreign_key"),
    ]
    assert statements[0].actions[0].columns == ("bio",) and str(statements[1].actions[0].reference.table) == "dbo.User"
    assert flavour("sqlserver").rehearsal.rehearsal_blocker(None, statements) is None


@pytest.mark.parametrize(
    ("sql", "kind", "details"),
    [
        (
            'ALTER TABLE "User" ALTER COLUMN "bio" SET NOT NULL',
            "alter_column",
            {"name": "bio", "change.not_null": True},
        ),
        (
            "ALTER TABLE `User` MODIFY `bio` VARCHAR(191) NULL",
            "alter_column",
            {"name": "bio", "change.not_null": False},
        ),
        (
            'ALTER TABLE "User" ADD COLUMN "n" TEXT NOT NULL',
            "add_column",
            {"change.not_null": True, "change.has_default": False},
        ),
        ('ALTER TABLE "User" ADD COLUMN "n" INT NOT NULL DEFAULT 0', "add_column", {"change.has_default": True}),
        ('ALTER TABLE "User" RENAME COLUMN "a" TO "b"', "rename_column", {"name": "a", "new_name": "b"}),
        ('ALTER TABLE "Old" RENAME TO "New"', "rename_table", {"new_name": "New"}),
        ("ALTER TABLE `Post` DROP FOREIGN KEY `Post_authorId_fkey`", "drop_constraint", {"name": "Post_authorId_fkey"}),
        (
            "ALTER TABLE `User` ADD UNIQUE INDEX `User_x_key`(`x`)",
            "add_constraint",
            {"name": "User_x_key", "rule.unique": True},
        ),
        ('DROP INDEX "app"."User_bio_key"', "drop_index", {"schema": "app", "name": "User_bio_key"}),
        (
            "EXEC SP_RENAME N'dbo.User.a_idx', N'b_idx', N'INDEX'",
            "rename_index",
            {"name": "a_idx", "new_name": "b_idx"},
        ),
        ("CREATE TYPE \"Role\" AS ENUM ('A')", "create_type", {"name": "Role", "labels": ("A",)}),
        ('DROP TABLE "Old"', "drop_table", {}),
    ],
)
def test_classification(sql, kind, details):
    provider = "sqlserver" if sql.startswith("EXEC") else "mysql" if "`" in sql else "postgresql"
    (statement,) = split_statements(sql, syntax(provider))
    assert statement.kind == kind
    for field, value in details.items():
        assert attrgetter(field)(statement.actions[0]) == value


def user(columns=None, indexes=None):
    columns = columns or {"id": False, "bio": True}
    return TableInfo(
        {name: ColumnInfo("text", nullable) for name, nullable in columns.items()}, indexes or {}, {}, ("id",)
    )


def verdict_of(provider, sql, tables, failing=None, structure_held=True):
    """The judgement over an in-memory catalog {table name: TableInfo} (the flavour's default schema), the failed
    statement having failed on its data (a duplicate) unless `structure_held` is false."""
    f = flavour(provider)
    statements = split_statements(sql, f.dialect.syntax)
    model = model_for(f)
    changes, universe = changes_of(statements, model, {})
    live = LiveCatalog(f.catalog, {(model.schema, f.dialect.fold(name)): info for name, info in tables.items()}, {}, {})
    for key in model.originals:
        if key[0] == "table":
            live.tables.setdefault(key[1:], None)
    return statements, judge(statements, changes, universe, live, failing, structure_held=structure_held)


MIGRATION = 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n'
BIO_KEY = {"User_bio_key": ObjectInfo("index", ("bio",), True)}
WITH_NICK = {"id": False, "bio": True, "nick": True}


@pytest.mark.parametrize(
    ("tables", "verdict", "present"),
    [
        ({"User": user()}, "none", [False, False]),
        ({"User": user(WITH_NICK)}, "partial", [True, False]),
        ({"User": user(WITH_NICK, BIO_KEY)}, "complete", [True, True]),
        # The index but not the column: no state of the migration looks like this.
        ({"User": user(indexes=BIO_KEY)}, "unknown", [None, None]),
    ],
)
def test_verdict_from_the_catalog(tables, verdict, present):
    statements, judgement = verdict_of("postgresql", MIGRATION, tables, failing=2)
    assert judgement.verdict == verdict
    assert [judgement.present[s.index] for s in statements] == present


def test_a_table_rebuilt_under_its_own_name():
    sql = (
        'PRAGMA foreign_keys=OFF;\nCREATE TABLE "new_User" ("id" INTEGER NOT NULL, "bio" TEXT NOT NULL);\n'
        'INSERT INTO "new_User" ("id", "bio") SELECT "id", "bio" FROM "User";\nDROP TABLE "User";\n'
        'ALTER TABLE "new_User" RENAME TO "User";\nPRAGMA foreign_keys=ON;\n'
    )
    rebuilt = TableInfo({"id": ColumnInfo("INTEGER", False), "bio": ColumnInfo("TEXT", False)})
    _statements, half_way = verdict_of("sqlite", sql, {"User": user(), "new_User": rebuilt}, failing=3)
    assert half_way.verdict == "partial" and half_way.applied == [2]
    _statements, compensated = verdict_of("sqlite", sql, {"User": user()}, failing=3)
    assert compensated.verdict == "none"


def test_dml_only_cannot_be_judged_unless_it_is_the_failed_statement():
    sql = 'UPDATE "User" SET "bio" = NULL;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    _statements, judgement = verdict_of("postgresql", sql, {"User": user()}, failing=2)
    assert judgement.verdict == "unknown" and judgement.unjudged == [1]
    assert "changes data" in judgement.reasons[1]
    _statements, first = verdict_of("postgresql", sql, {"User": user()}, failing=1)
    assert first.verdict == "none"


FACTS = {
    "User": user(),
    "Post": TableInfo({"id": ColumnInfo("int", False), "authorId": ColumnInfo("int", True)}, {}, {}, ("id",)),
}


def plan(provider, sql, kind, sample_size=5):
    f = flavour(provider)
    dialect = f.dialect.syntax
    statements = split_statements(sql, dialect)

    def facts(table):
        # As the flavour's catalog reads them: names folded the way the database compares them.
        known = FACTS.get(table.name)
        return known and TableInfo(
            {f.dialect.fold(c): info for c, info in known.columns.items()}, {}, {}, known.primary_key
        )

    return plan_offending(kind, statements[0], statements, f.dialect, facts, sample_size)


def test_unique_query_per_database():
    pg = plan("postgresql", 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")', "unique_violation")
    assert pg.query == (
        'SELECT d."bio", d.dbops_n, count(*) OVER () AS dbops_groups, sum(d.dbops_n) OVER () AS dbops_rows '
        'FROM (SELECT c."bio", count(*) AS dbops_n FROM "app"."User" AS c WHERE c."bio" IS NOT NULL '
        'GROUP BY c."bio" HAVING count(*) > 1) AS d ORDER BY d.dbops_n DESC, d."bio" LIMIT 5'
    )
    mssql = plan("sqlserver", MSSQL, "unique_violation", sample_size=0)
    # SQL Server's unique constraints let one NULL only: NULL rows collide too.
    assert mssql.query == (
        "SELECT count(*) AS dbops_groups, sum(d.dbops_n) AS dbops_rows FROM (SELECT c.[bio], count(*) AS dbops_n "
        "FROM [dbo].[User] AS c WHERE 1 = 1 GROUP BY c.[bio] HAVING count(*) > 1) AS d"
    )
    assert plan("sqlserver", MSSQL, "unique_violation", sample_size=2).query.startswith("SELECT TOP (2) d.[bio]")


def test_foreign_key_not_null_and_check_queries():
    fk = plan(
        "mysql",
        "ALTER TABLE `Post` ADD CONSTRAINT `Post_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `User`(`id`)",
        "foreign_key_violation",
    )
    assert "NOT EXISTS (SELECT 1 FROM `User` AS p WHERE p.`id` = c.`authorId`)" in fk.query
    assert "c.`authorId` IS NOT NULL" in fk.query and "HAVING" not in fk.query
    not_null = plan("postgresql", 'ALTER TABLE "User" ALTER COLUMN "bio" SET NOT NULL', "not_null_violation")
    assert not_null.query == (
        'SELECT c."id", count(*) OVER () AS dbops_rows FROM "app"."User" AS c WHERE c."bio" IS NULL '
        'ORDER BY c."id" LIMIT 5'
    )
    new_column = plan("postgresql", 'ALTER TABLE "User" ADD COLUMN "n" TEXT NOT NULL', "not_null_violation", 0)
    assert new_column.query == 'SELECT count(*) AS dbops_rows FROM "app"."User" AS c WHERE 1 = 1'
    check = plan("postgresql", 'ALTER TABLE "User" ADD CONSTRAINT "c" CHECK (length("bio") > 3)', "check_violation", 0)
    assert check.query == 'SELECT count(*) AS dbops_rows FROM "app"."User" AS c WHERE NOT (LENGTH("bio") > 3)'
    # A column the table does not have (yet): no query can tell; the rehearsal counts them after the earlier steps.
    assert plan("postgresql", 'CREATE UNIQUE INDEX "x" ON "User"("nick")', "unique_violation") is None


def test_advice_names_table_columns_count_and_a_sample_only_when_asked():
    unique = plan("postgresql", 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")', "unique_violation")
    cause = Cause("unique_violation", 1, "CREATE ...", "23505", "")
    failed = Rehearsal(ran=True, succeeded=False, failed_statement_index=1, error_kind="unique_violation")
    _statements, none = verdict_of(
        "postgresql", 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")', {"User": user()}, failing=1
    )
    sampled = Offending(unique, 2, 1, [{"values": {"bio": "same"}, "rows": 2}])
    advice, text = advise("m", "failed", none, cause, sampled, failed)
    assert advice == "fix_data_then_retry"
    assert text == (
        "Will fail at statement 1: 2 rows of User share bio 'same'; fix them, then resolve it as rolled back and "
        "redeploy."
    )
    counted = Offending(unique, 5, 2, [])
    assert "5 rows of User share 2 duplicated bio value(s);" in advise("m", "failed", none, cause, counted, failed)[1]
    fixed = Offending(unique, 0, 0, [])
    assert advise("m", "failed", none, cause, fixed, Rehearsal(ran=True, succeeded=True))[0] == "retry"
    mysql = skipped("MySQL and MariaDB commit every DDL statement implicitly")
    assert advise("m", "failed", none, cause, fixed, mysql)[0] == "retry"
    syntax = Cause("syntax_error", 1, "CREATE TABLEX", "42601", "syntax error")
    assert advise("m", "failed", none, syntax, None, mysql)[0] == "investigate"


class Server:
    """What rehearsal_blocker reads of a PostgreSQL connection."""

    def __init__(self, version):
        self.info = type("Info", (), {"server_version": version})()


@pytest.mark.parametrize(
    ("provider", "sql", "version", "reason"),
    [
        ("postgresql", 'CREATE INDEX CONCURRENTLY "i" ON "User"("bio");', 150000, "CONCURRENTLY"),
        ("postgresql", "ALTER TYPE \"Role\" ADD VALUE 'X';", 110000, "before 12"),
        ("postgresql", "ALTER TYPE \"Role\" ADD VALUE 'X';", 150000, None),
        # Prisma's enum migrations commit by themselves: inside the rehearsal those are no-ops.
        ("postgresql", "BEGIN;\nCREATE TYPE \"R\" AS ENUM ('a');\nCOMMIT;", 150000, None),
        (
            "postgresql",
            'SAVEPOINT x;\nDROP TABLE "User";\nROLLBACK TO SAVEPOINT x;',
            150000,
            "controls the transaction",
        ),
        ("sqlite", 'CREATE INDEX "i" ON "User"("bio");', None, None),
        ("mysql", "CREATE INDEX `i` ON `User`(`bio`);", None, "implicitly"),
        # Nested in the rehearsal's transaction, a balanced BEGIN TRAN ... COMMIT only lowers @@TRANCOUNT to ours.
        ("sqlserver", "BEGIN TRAN;\nDROP TABLE [User];\nCOMMIT;", None, None),
        ("sqlserver", "DROP TABLE [User];\nCOMMIT;", None, "beyond Prisma's wrapper"),
    ],
)
def test_what_cannot_be_rehearsed(provider, sql, version, reason):
    f = flavour(provider)
    statements = split_statements(sql, f.dialect.syntax)
    found = f.rehearsal.rehearsal_blocker(Server(version), statements)
    assert (found is None) if reason is None else (reason in found)
    batches = f.rehearsal.rehearsal_batches(sql, statements)
    assert not any(text.upper() in ("BEGIN", "COMMIT") for _index, text in batches)
