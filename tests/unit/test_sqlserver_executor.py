"""The SQL Server path of the executor, statement by statement, against a recording stand-in for pyodbc.

SQL Server cannot run on these machines; this pins what our code sends through pyodbc (connection string, token,
lock, reads, writes, commit or rollback). The integration suite runs the same code against a real server when
DBOPS_TEST_MSSQL_URL is set.
"""

from __future__ import annotations

import struct
import sys
import types
from datetime import UTC, datetime

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils import sql_dialects
from ansible_collections.backoffice.dbops.plugins.module_utils.connections import SQL_SS_TIMESTAMPOFFSET
from ansible_collections.backoffice.dbops.plugins.module_utils.database_url import parse_database_url
from ansible_collections.backoffice.dbops.plugins.module_utils.history_store import HistoryStore, LockTimeout
from ansible_collections.backoffice.dbops.plugins.module_utils.resolve_plan import plan_rolled_back

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


class Driver:
    """Just enough of pyodbc's DB-API surface; records every call."""

    def __init__(self, lock_result=0):
        self.calls = []
        self.lock_result = lock_result
        self.converters = {}

    def module(self):
        return types.SimpleNamespace(drivers=lambda: ["FreeTDS", "ODBC Driver 18 for SQL Server"], connect=self.connect)

    def connect(self, connection_string, **kwargs):
        self.calls.append(("connect", connection_string, kwargs))
        return self

    def add_output_converter(self, sql_type, function):
        self.converters[sql_type] = function

    def cursor(self):
        return self

    def execute(self, sql, params=()):
        self.calls.append(("execute", sql, tuple(params)))
        if sql == sql_dialects.SQLSERVER_LOCK:
            self.result = [(self.lock_result,)]
        elif sql.startswith("SELECT 1 FROM INFORMATION_SCHEMA"):
            self.result = [(1,)]
        elif sql.startswith("SELECT id"):
            convert = self.converters[SQL_SS_TIMESTAMPOFFSET]
            self.result = [tuple(convert(v) if isinstance(v, bytes) else v for v in row) for row in ROWS]
        else:
            self.result = []

    def fetchone(self):
        return self.result[0] if self.result else None

    def fetchall(self):
        return self.result

    def commit(self):
        self.calls.append(("commit",))

    def rollback(self):
        self.calls.append(("rollback",))

    def close(self):
        self.calls.append(("close",))


@pytest.fixture
def driver(monkeypatch):
    recorder = Driver()
    monkeypatch.setitem(sys.modules, "pyodbc", recorder.module())
    return recorder


def statements(driver):
    return [call[1:] for call in driver.calls if call[0] == "execute"]


def test_rolled_back_on_sql_server_sends_exactly_this(driver):
    store = HistoryStore(parse_database_url(URL), lock_timeout=7)
    outcome = store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=False)
    connect = driver.calls[0]
    assert connect[1] == (
        "DRIVER={ODBC Driver 18 for SQL Server};SERVER={tcp:sql-backoffice.database.windows.net,1433};"
        "DATABASE={backoffice};UID={app};PWD={p;w};Encrypt=yes;TrustServerCertificate=no;"
    )
    assert connect[2] == {"autocommit": False, "timeout": 5}
    sent = statements(driver)
    assert sent[0] == (sql_dialects.SQLSERVER_LOCK, (7000,))
    assert sent[1] == (sql_dialects.sqlserver("api").table_exists, ("api",))
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
    store = HistoryStore(parse_database_url(URL))
    outcome = store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=True)
    assert [sql.split()[0] for sql, _params in statements(driver)] == ["SELECT", "SELECT"]
    assert ("commit",) not in driver.calls and ("rollback",) in driver.calls
    assert [record.id for record in outcome.plan.roll_back] == ["b"]


def test_lock_not_granted_writes_nothing(driver):
    driver.lock_result = -1
    store = HistoryStore(parse_database_url(URL), lock_timeout=1)
    with pytest.raises(LockTimeout, match="nothing was changed"):
        store.resolve(lambda records: plan_rolled_back(records, FAILED), check_mode=False)
    assert statements(driver) == [(sql_dialects.SQLSERVER_LOCK, (1000,))]
    assert ("rollback",) in driver.calls and ("commit",) not in driver.calls


def test_entra_token_replaces_the_password(driver):
    HistoryStore(parse_database_url(URL), access_token="eyJ0eXAi").read()
    connection_string, kwargs = driver.calls[0][1], driver.calls[0][2]
    assert "UID" not in connection_string and "PWD" not in connection_string
    assert kwargs["attrs_before"] == {1256: struct.pack("<I", 16) + "eyJ0eXAi".encode("utf-16-le")}
