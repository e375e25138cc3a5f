"""The SQL Server path of the executor, statement by statement, against a recording stand-in for pyodbc.

This pins what our code sends through pyodbc (connection string, token, lock, reads, writes, commit or rollback);
the integration suite runs the same code against a real SQL Server-compatible engine.
"""

from __future__ import annotations

import struct
import sys
from datetime import UTC, datetime

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import ConnectOptions, open_database
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import (
    ConnectionFailed,
    DatabaseError,
    LockTimeout,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.resolve_plan import plan_rolled_back
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.store import HistoryStore
from ansible_collections.backoffice.dbops.tests.support.recording import RecordingPyodbc, ResultSets

URL = "sqlserver://sql-backoffice.database.windows.net:1433;database=backoffice;user=app;password={p;w};schema=api"
FAILED = "20201127134938_added_bio_index"


def offset(moment: datetime) -> bytes:
    """DATETIMEOFFSET as the driver hands it over (SQL_SS_TIMESTAMPOFFSET_STRUCT)."""
    return struct.pack(
        "<6hI2h",
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond * 1000,
        0,
        0,
    )


ROWS = [
    (
        "a",
        "c" * 64,
        offset(datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        "20201127134937_init",
        None,
        None,
        offset(datetime(2020, 11, 27, 13, 49, 37, tzinfo=UTC)),
        1,
    ),
    ("b", "d" * 64, None, FAILED, "Database error", None, offset(datetime(2020, 11, 27, 13, 49, 39, tzinfo=UTC)), 0),
]


LOCK = (
    "SET NOCOUNT ON; DECLARE @result INT; EXEC @result = sp_getapplock @Resource = N'prisma_migrate', "
    "@LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = ?; SELECT @result"
)
TABLE_EXISTS = "SELECT 1 FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations'"


@pytest.fixture
def driver(monkeypatch):
    state = {"lock_result": 0}

    def answer(sql):
        if sql == LOCK:
            return [(state["lock_result"],)]
        if sql == TABLE_EXISTS:
            return [(1,)]
        if sql.startswith("SELECT id"):
            return ROWS
        return []

    recorder = RecordingPyodbc(answer)
    recorder.state = state
    monkeypatch.setitem(sys.modules, "pyodbc", recorder.module())
    return recorder


def statements(driver):
    return driver.statements()


def test_rolled_back_on_sql_server_sends_exactly_this(driver):
    store = HistoryStore(open_database(URL), lock_timeout=7)
    outcome = store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=False)
    connect = driver.calls[0]
    assert connect[1] == (
        "DRIVER={ODBC Driver 18 for SQL Server};SERVER={tcp:sql-backoffice.database.windows.net,1433};"
        "DATABASE={backoffice};UID={app};PWD={p;w};Encrypt=yes;TrustServerCertificate=no;"
    )
    assert connect[2] == {"autocommit": False, "timeout": 5}
    sent = statements(driver)
    assert sent[0] == (LOCK, (7000,))
    assert sent[1] == (TABLE_EXISTS, ("api",))
    assert sent[2] == (
        "SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count "
        "FROM [api].[_prisma_migrations] ORDER BY started_at ASC",
        (),
    )
    update, params = sent[3]
    assert update == "UPDATE [api].[_prisma_migrations] SET rolled_back_at = CAST(? AS DATETIMEOFFSET) WHERE id = ?"
    assert params[1] == "b" and params[0].endswith(" +00:00")
    assert len(sent) == 4
    assert driver.calls[-2:] == [("commit",), ("close",)]
    assert [record.state for record in outcome.before] == ["applied", "failed"]
    assert outcome.before[0].finished_at == datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)


def test_check_mode_on_sql_server_reads_and_rolls_back(driver):
    store = HistoryStore(open_database(URL), lock_timeout=10)
    outcome = store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=True)
    assert [sql.split()[0] for sql, _params in statements(driver)] == ["SELECT", "SELECT"]
    assert ("commit",) not in driver.calls and ("rollback",) in driver.calls
    assert [record.id for record in outcome.plan.roll_back] == ["b"]


def test_lock_not_granted_writes_nothing(driver):
    driver.state["lock_result"] = -1
    store = HistoryStore(open_database(URL), lock_timeout=1)
    with pytest.raises(LockTimeout, match="nothing was changed"):
        store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=False)
    assert statements(driver) == [(LOCK, (1000,))]
    assert ("rollback",) in driver.calls and ("commit",) not in driver.calls


def test_entra_token_replaces_the_password(driver):
    HistoryStore(open_database(URL, options=ConnectOptions(access_token="eyJ0eXAi")), lock_timeout=10).read()
    connection_string, kwargs = driver.calls[0][1], driver.calls[0][2]
    assert "UID" not in connection_string and "PWD" not in connection_string
    assert kwargs["attrs_before"] == {1256: struct.pack("<I", 16) + "eyJ0eXAi".encode("utf-16-le")}


def test_entra_token_is_refused_with_freetds_before_connecting(driver):
    with pytest.raises(ConnectionFailed, match="FreeTDS cannot send an Entra ID access token"):
        HistoryStore(
            open_database(URL, options=ConnectOptions(odbc_driver="FreeTDS", access_token="eyJ0eXAi")), lock_timeout=10
        ).read()
    assert not [call for call in driver.calls if call[0] == "connect"]


def test_a_failing_rollback_never_hides_the_error_that_caused_it(driver):
    """Babelfish ends the transaction itself on some errors; FreeTDS's rollback then fails with 3903."""
    original_execute = driver.execute

    def execute(sql, params=()):
        original_execute(sql, params)
        if sql.startswith("UPDATE"):
            raise RuntimeError('relation "nope" does not exist (33557097)')

    def rollback():
        raise RuntimeError("ROLLBACK can only be used in transaction blocks (3903)")

    driver.execute, driver.rollback = execute, rollback
    store = HistoryStore(open_database(URL), lock_timeout=1)
    with pytest.raises(DatabaseError, match="33557097") as raised:
        store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=False)
    assert "3903" not in raised.value.message
    assert ("commit",) not in driver.calls


def test_a_lock_result_behind_a_message_is_still_read(driver):
    """Microsoft's Driver 18 hands a timed-out sp_getapplock's message over as a result without columns first."""
    original = driver._answer
    driver._answer = lambda sql: ResultSets([None, [(-1,)]]) if sql == LOCK else original(sql)
    store = HistoryStore(open_database(URL), lock_timeout=1)
    with pytest.raises(LockTimeout, match="nothing was changed"):
        store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=False)
    assert statements(driver) == [(LOCK, (1000,))]


def test_a_lock_batch_without_any_result_is_an_error_not_a_grant(driver):
    original = driver._answer
    driver._answer = lambda sql: ResultSets([None]) if sql == LOCK else original(sql)
    store = HistoryStore(open_database(URL), lock_timeout=1)
    with pytest.raises(DatabaseError, match="sp_getapplock returned no result"):
        store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=False)
    assert ("commit",) not in driver.calls
