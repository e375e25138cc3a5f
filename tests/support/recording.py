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

    # Every statement has a result with columns; there is never a further one.
    description = (("column",),)

    def nextset(self) -> bool:
        return False

    def fetchone(self):
        return self._answers.pop(0) if self._answers else None

    def fetchall(self):
        answers, self._answers = self._answers, []
        return answers


class ResultSets(list):
    """Several results from one batch, in order; None is a result without columns (a message, a row count)."""


class RecordingPyodbc:
    """Just enough of pyodbc's DB-API surface for the SQL Server flavour; records every call in order.

    `answer(sql)` gives the rows a statement returns, or ResultSets for a batch with several results; output
    converters registered by our code are applied to bytes values, as pyodbc applies them to DATETIMEOFFSET.
    """

    def __init__(self, answer, drivers=("FreeTDS", "ODBC Driver 18 for SQL Server")):
        self.calls = []
        self._answer = answer
        self._drivers = list(drivers)
        self._result = []
        self._pending = []
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
        answer = self._answer(sql)
        self._pending = list(answer) if isinstance(answer, ResultSets) else [answer or []]
        self.nextset()

    @property
    def description(self):
        return None if self._result is None else (("column",),)

    def nextset(self) -> bool:
        if not self._pending:
            return False
        rows = self._pending.pop(0)
        self._result = (
            None
            if rows is None
            else [tuple(self._convert(value) if isinstance(value, bytes) else value for value in row) for row in rows]
        )
        return True

    def _convert(self, value):
        convert = next(iter(self.converters.values()))
        return convert(value)

    def fetchone(self):
        rows = self._rows()
        return rows[0] if rows else None

    def fetchall(self):
        return self._rows()

    def _rows(self):
        if self._result is None:
            raise RuntimeError("No results.  Previous SQL was not a query.")  # pyodbc's ProgrammingError text
        return self._result

    def commit(self):
        self.calls.append(("commit",))

    def rollback(self):
        self.calls.append(("rollback",))

    def close(self):
        self.calls.append(("close",))

    def statements(self):
        return [call[1:] for call in self.calls if call[0] == "execute"]
