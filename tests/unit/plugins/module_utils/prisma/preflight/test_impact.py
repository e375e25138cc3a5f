"""The lock-impact plan of a migration as a whole (prisma/preflight/impact.py): tables the migration makes or renames,
indexes named alone, the catalog's estimates; and the rule that keeps data changes and big rewrites out of a rehearsal.
Each database's own lock rules are tested beside it (databases/<name>/test_impact.py)."""

from __future__ import annotations

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
from ansible_collections.backoffice.dbops.tests.support.lock_plans import REDEFINE, plan, rules
from ansible_collections.backoffice.dbops.tests.support.offline import syntax

AE = "ACCESS EXCLUSIVE"


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
