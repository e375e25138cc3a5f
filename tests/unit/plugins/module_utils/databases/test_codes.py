"""Each database's error codes as cause kinds: a statement cut off by its timeout is never taken for a lock wait."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.tests.support.offline import offline_database


@pytest.mark.parametrize(
    ("provider", "code", "message", "kind"),
    [
        # Measured: SET statement_timeout then a slow statement (PostgreSQL 15), max_statement_time (MariaDB 10.11).
        ("postgresql", "57014", "canceling statement due to statement timeout", "statement_timeout"),
        ("postgresql", "57014", "canceling statement due to user request", "statement_timeout"),
        ("postgresql", "55P03", "canceling statement due to lock timeout", "lock_timeout"),
        ("postgresql", "40P01", "deadlock detected", "lock_timeout"),
        ("postgresql", None, "ERROR: canceling statement due to statement timeout", "statement_timeout"),
        ("postgresql", None, "ERROR: canceling statement due to lock timeout", "lock_timeout"),
        ("mysql", "1969", "Query execution was interrupted (max_statement_time exceeded)", "statement_timeout"),
        (
            "mysql",
            "3024",
            "Query execution was interrupted, maximum statement execution time exceeded",
            "statement_timeout",
        ),
        ("mysql", "1205", "Lock wait timeout exceeded; try restarting transaction", "lock_timeout"),
        ("mysql", "1213", "Deadlock found when trying to get lock; try restarting transaction", "lock_timeout"),
        ("sqlite", "9", "interrupted", "statement_timeout"),
        ("sqlite", "5", "database is locked", "lock_timeout"),
        ("sqlserver", "0", "[HYT00] [FreeTDS][SQL Server]Query timeout expired", "statement_timeout"),
        ("sqlserver", "1222", "Lock request time out period exceeded.", "lock_timeout"),
        ("sqlserver", "1205", "Transaction (Process ID 52) was deadlocked on lock resources", "lock_timeout"),
        ("postgresql", None, 'unterminated dollar-quoted string at or near "$$ BEGIN"', "syntax_error"),
    ],
)
def test_a_statement_timeout_is_not_a_lock_timeout(provider, code, message, kind):
    assert offline_database(provider).codes.classify_error(code, message) == kind
