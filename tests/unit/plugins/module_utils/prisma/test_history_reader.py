"""The one reader of the history: its session (errors without secrets, rollback, close) and its rows."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history_reader import (
    read_history,
    read_records,
    secrets_of,
    session,
)
from ansible_collections.backoffice.dbops.tests.support.recording import RecordingCursor


class Connection:
    def __init__(self, fail_rollback=False):
        self.calls = []
        self.fail_rollback = fail_rollback

    def rollback(self):
        self.calls.append("rollback")
        if self.fail_rollback:
            raise RuntimeError("connection already closed")

    def close(self):
        self.calls.append("close")


def database(connection, password="s3cret-pass", token=None, others=()):
    opened = []

    def connect(**kwargs):
        opened.append(kwargs)
        return connection

    return SimpleNamespace(
        target=SimpleNamespace(password=password, describe=lambda: "postgresql://db/app"),
        options=SimpleNamespace(access_token=token),
        secrets=list(others),
        connect=connect,
        opened=opened,
    )


def test_a_read_is_rolled_back_and_closed():
    connection = Connection()
    db = database(connection)
    with session(db, read_only=True, lock_timeout=3, statement_timeout=4) as opened:
        assert opened is connection
    assert db.opened == [{"read_only": True, "lock_timeout": 3, "statement_timeout": 4}]
    assert connection.calls == ["rollback", "close"]


def test_a_writer_ends_its_own_transaction():
    connection = Connection()
    with session(database(connection), read_only=False, lock_timeout=3, commits=True):
        pass
    assert connection.calls == ["close"]


def test_a_driver_error_names_the_target_without_secrets():
    connection = Connection()
    db = database(connection, token="eyJ0eXAiOiJKV1Qi", others=["another-secret"])
    with pytest.raises(DatabaseError) as raised, session(db, read_only=True, lock_timeout=3):
        raise RuntimeError("login s3cret-pass eyJ0eXAiOiJKV1Qi another-secret\nrefused")
    message = raised.value.message
    assert message.startswith("postgresql://db/app: ")
    assert "s3cret-pass" not in message and "eyJ0eXAiOiJKV1Qi" not in message and "another-secret" not in message
    assert "\n" not in message
    assert connection.calls == ["rollback", "close"]


def test_our_own_errors_pass_through_and_cleanup_failures_are_no_news():
    connection = Connection(fail_rollback=True)
    with pytest.raises(DbopsError, match="as it was"), session(database(connection), read_only=True, lock_timeout=3):
        raise DbopsError("as it was")
    assert connection.calls == ["rollback", "close"]


def test_secrets_of_a_database():
    db = database(Connection(), password="pw-123456", token="tok-123456", others=["x-123456"])
    assert secrets_of(db) == ["pw-123456", "tok-123456", "x-123456"]


HISTORY = SimpleNamespace(table_exists_query=lambda: ("SELECT exists", ()), select_history="SELECT history")


def test_no_table_is_no_history():
    cursor = RecordingCursor([])
    assert read_history(cursor, HISTORY) is None
    assert read_records(RecordingCursor([]), HISTORY) is None
    assert cursor.statements == [("SELECT exists", ())]


def test_rows_become_records_in_prisma_order():
    started = datetime(2020, 11, 27, 13, 49, 37, tzinfo=UTC)
    rows = [("1", "c" * 64, started, "20201127134937_init", None, None, started, 1)]
    cursor = RecordingCursor([(1,), *rows])
    records = read_records(cursor, HISTORY)
    assert cursor.statements == [("SELECT exists", ()), ("SELECT history", ())]
    assert [(record.id, record.migration_name, record.state) for record in records] == [
        ("1", "20201127134937_init", "applied")
    ]
