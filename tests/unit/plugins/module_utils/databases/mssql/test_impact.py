"""SQL Server's lock rules (databases/mssql/impact.py): Sch-M and S table locks, inside Prisma's T-SQL wrapper."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.impact import Estimate
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.tests.support.lock_plans import MSSQL_WRAPPED, one, plan

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
