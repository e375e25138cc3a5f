"""Judging a migration without a database: the preflight's pure parts over hand-written catalogs (the verdict, the
offending-rows queries), each database's parts chosen from a sample DATABASE_URL as the modules choose them."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import ColumnInfo, TableInfo
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.catalog import LiveCatalog
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.effects import (
    changes_of,
    judge,
    model_for,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.offending import plan_offending
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database

# Prisma's SQL Server migration, wrapper included, as its renderer writes it.
MSSQL_MIGRATION = (
    "BEGIN TRY\n\nBEGIN TRAN;\n\n-- CreateIndex\n"
    "ALTER TABLE [dbo].[User] ADD CONSTRAINT [User_bio_key] UNIQUE NONCLUSTERED ([bio]);\n\n"
    "-- AddForeignKey\nALTER TABLE [dbo].[Post] ADD CONSTRAINT [Post_authorId_fkey] FOREIGN KEY ([authorId]) "
    "REFERENCES [dbo].[User]([id]) ON DELETE NO ACTION ON UPDATE CASCADE;\n\n"
    "COMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
)


def user(columns=None, indexes=None):
    columns = columns or {"id": False, "bio": True}
    return TableInfo(
        {name: ColumnInfo("text", nullable) for name, nullable in columns.items()}, indexes or {}, {}, ("id",)
    )


def verdict_of(provider, sql, tables, failing=None, structure_held=True):
    """The judgement over an in-memory catalog {table name: TableInfo} (the flavour's default schema), the failed
    statement having failed on its data (a duplicate) unless `structure_held` is false."""
    f = offline_database(provider)
    statements = split_statements(sql, f.dialect.syntax)
    model = model_for(f)
    changes, universe = changes_of(statements, model, {})
    live = LiveCatalog(f.catalog, {(model.schema, f.dialect.fold(name)): info for name, info in tables.items()}, {}, {})
    for key in model.originals:
        if key[0] == "table":
            live.tables.setdefault(key[1:], None)
    return statements, judge(statements, changes, universe, live, failing, structure_held=structure_held)


FACTS = {
    "User": user(),
    "Post": TableInfo({"id": ColumnInfo("int", False), "authorId": ColumnInfo("int", True)}, {}, {}, ("id",)),
}


def offending_plan(provider, sql, kind, sample_size=5):
    f = offline_database(provider)
    dialect = f.dialect.syntax
    statements = split_statements(sql, dialect)

    def facts(table):
        # As the flavour's catalog reads them: names folded the way the database compares them.
        known = FACTS.get(table.name)
        return known and TableInfo(
            {f.dialect.fold(c): info for c, info in known.columns.items()}, {}, {}, known.primary_key
        )

    return plan_offending(kind, statements[0], statements, f.dialect, facts, sample_size)
