"""What a rehearsal cannot run in a transaction it rolls back, and what it sends, per database."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database


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
    f = offline_database(provider)
    statements = split_statements(sql, f.dialect.syntax)
    found = f.rehearsal.rehearsal_blocker(Server(version), statements)
    assert (found is None) if reason is None else (reason in found)
    batches = f.rehearsal.rehearsal_batches(sql, statements)
    assert not any(text.upper() in ("BEGIN", "COMMIT") for _index, text in batches)
