"""SQLite's lock rules (databases/sqlite/impact.py): one lock for the database, Prisma's RedefineTables, WAL."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.impact import Estimate
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.tests.support.lock_plans import REDEFINE, one, plan, shape

W, R = "database write lock", "database read lock"


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
