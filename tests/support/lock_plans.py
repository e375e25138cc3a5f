"""Planning migration.sql's lock impact offline, as the preflight does, for the tests of each database's lock rules
and of the plan: the statements' entries, and their shape in one tuple."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.impact import entries, plan_impact
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database, syntax

# Prisma's RedefineTables, as its SQLite migrations write it.
REDEFINE = (
    "PRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\n"
    'CREATE TABLE "new_User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "email" TEXT NOT NULL, "bio" TEXT);\n'
    'INSERT INTO "new_User" ("bio", "email", "id") SELECT "bio", "email", "id" FROM "User";\n'
    'DROP TABLE "User";\nALTER TABLE "new_User" RENAME TO "User";\n'
    'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
    "PRAGMA foreign_keys=ON;\nPRAGMA defer_foreign_keys=OFF;\n"
)

# Prisma's T-SQL wrapper around a SQL Server migration's statements.
MSSQL_WRAPPED = (
    "BEGIN TRY\n\nBEGIN TRAN;\n\n{body}\n\nCOMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n"
    "    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
)


def rules(provider):
    return offline_database(provider).impact


def plan(provider, sql, estimates=None, **facts):
    """The plan's entries of migration.sql `sql` for `provider`, with the catalog's `estimates` and `facts`."""
    statements = split_statements(sql, syntax(provider))
    impact = rules(provider)
    return entries(plan_impact(statements, impact), estimates or {}, impact, facts)


def shape(entry):
    """(operation, lock, [(table, lock, rewrites, scans, created)], changes_data)"""
    tables = [
        (table["table"], table["lock"], table["rewrites"], table["scans"], table["created_by_migration"])
        for table in entry["tables"]
    ]
    return entry["operation"], entry["lock"], tables, entry["changes_data"]


def one(provider, sql):
    """The shape of the one statement `sql`."""
    (entry,) = plan(provider, sql)
    return shape(entry)
