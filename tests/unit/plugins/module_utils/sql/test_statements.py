"""migration.sql as numbered, classified statements: splitting (strings, quoted names, comments, dollar quotes),
Prisma's SQL Server wrapper, and what each statement changes."""

from __future__ import annotations

from operator import attrgetter

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.judging import MSSQL_MIGRATION
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database, syntax


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
    statements = split_statements(MSSQL_MIGRATION, syntax("sqlserver"))
    assert [(s.index, s.kind, s.actions[0].constraint) for s in statements] == [
        (1, "add_constraint", "unique"),
        (2, "add_constraint", "foreign_key"),
    ]
    assert statements[0].actions[0].columns == ("bio",) and str(statements[1].actions[0].reference.table) == "dbo.User"
    assert offline_database("sqlserver").rehearsal.rehearsal_blocker(None, statements) is None


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
        (
            'ALTER TABLE "Post" ADD CONSTRAINT "Post_u_fkey" FOREIGN KEY ("u") REFERENCES "User"("id") '
            "ON DELETE SET NULL ON UPDATE CASCADE",
            "add_constraint",
            {"reference.columns": ("id",), "reference.actions": ("set null", "cascade")},
        ),
        (
            "ALTER TABLE `Post` ADD CONSTRAINT `Post_u_fkey` FOREIGN KEY (`u`) REFERENCES `User`(`id`) "
            "ON DELETE RESTRICT",
            "add_constraint",
            {"reference.actions": ("no action", "no action")},
        ),
        (
            'ALTER TABLE "Post" ADD CONSTRAINT "Post_u_fkey" FOREIGN KEY ("u") REFERENCES "User"("id")',
            "add_constraint",
            {"reference.actions": ("no action", "no action")},
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
