"""Recording stand-ins for a DB-API driver: what our code sends, statement by statement, where no server runs."""

from __future__ import annotations

import types


class RecordingCursor:
    """A cursor that records (sql, params) and answers fetches from a queue of prepared rows."""

    def __init__(self, answers=()):
        self.statements: list[tuple[str, tuple]] = []
        self._answers = list(answers)

    def execute(self, sql, params=()):
        self.statements.append((sql, tuple(params)))

    def fetchone(self):
        return self._answers.pop(0) if self._answers else None

    def fetchall(self):
        answers, self._answers = self._answers, []
        return answers


class RecordingPyodbc:
    """Just enough of pyodbc's DB-API surface for the SQL Server flavour; records every call in order.

    `answer(sql)` gives the rows a statement returns; output converters registered by our code are applied to
    bytes values, as pyodbc applies them to DATETIMEOFFSET.
    """

    def __init__(self, answer, drivers=("FreeTDS", "ODBC Driver 18 for SQL Server")):
        self.calls = []
        self._answer = answer
        self._drivers = list(drivers)
        self._result = []
        self.converters = {}

    def module(self):
        return types.SimpleNamespace(drivers=lambda: list(self._drivers), connect=self.connect)

    def connect(self, connection_string, **kwargs):
        self.calls.append(("connect", connection_string, kwargs))
        return self

    def add_output_converter(self, sql_type, function):
        self.converters[sql_type] = function

    def cursor(self):
        return self

    def execute(self, sql, params=()):
        self.calls.append(("execute", sql, tuple(params)))
        rows = self._answer(sql) or []
        self._result = [
            tuple(self._convert(value) if isinstance(value, bytes) else value for value in row) for row in rows
        ]

    def _convert(self, value):
        convert = next(iter(self.converters.values()))
        return convert(value)

    def fetchone(self):
        return self._result[0] if self._result else None

    def fetchall(self):
        return self._result

    def commit(self):
        self.calls.append(("commit",))

    def rollback(self):
        self.calls.append(("rollback",))

    def close(self):
        self.calls.append(("close",))

    def statements(self):
        return [call[1:] for call in self.calls if call[0] == "execute"]
