# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failed row's `logs` says, in every format Prisma writes it (pure).

- Prisma's native schema engine writes its P3018 text: `Database error code: {code}` and `Database error:\\n{text}`,
  where MySQL adds "Please check the query number N from the migration file." and PostgreSQL adds the Rust debug
  form of the error (`DbError { ... }`) and, for errors with a position, a `Position:` block that marks the failing
  line of the script.
- Prisma's driver adapters (the WebAssembly engine, Prisma 7's `prisma.config.ts` setups) write only the adapter's
  error: "external connector error\\nUnique constraint failed: User_bio_key", "Null constraint failed: ...",
  "Error querying the database: ERROR: ..." or, through libSQL, "SQLITE_CONSTRAINT: ...": no code and no index.
- Both end with a span trace ("\\n   0: sql_schema_connector::..."), cut off here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRACE_START = "\n   0: "
NATIVE_MARKER = "Database error code:"
CODE = re.compile(r"^Database error code: (?P<code>\S+)[ \t]*$", re.MULTILINE)
QUERY_NUMBER = re.compile(r"\n*Please check the query number (?P<number>\d+) from the migration file\.\s*$")
# The failing line of PostgreSQL's Position block: bold line number, then red text.
POSITION_LINE = re.compile(r"\x1b\[1m\s*(?P<line>\d+)\x1b\[1;31m")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ADAPTER_PREFIX = "external connector error\n"
QUERYING = "Error querying the database: "
UNDERLYING = "Error in the underlying connector"
# The driver adapters' own error kinds (Prisma's `DriverAdapterError` names), as their messages start.
ADAPTER_KINDS = (
    ("Unique constraint failed", "unique_violation"),
    ("Null constraint failed", "not_null_violation"),
    ("Foreign key constraint failed", "foreign_key_violation"),
    ("No such table", "missing_object"),
    ("Error accessing result set, column not found", "missing_object"),
    ("Transaction write conflict", "lock_timeout"),
    ("Value out of range", "type_conversion"),
    ("Invalid input value", "type_conversion"),
)
# Words in quotes, backticks or parentheses, and `Key (a, b)=`: the objects an error message names.
QUOTED = re.compile(r'"([^"\n]+)"|`([^`\n]+)`|\'([^\'\n]+)\'')
KEY_COLUMNS = re.compile(r"Key \(([^)]+)\)=|fields: \(([^)]+)\)")
AFTER_COLON = re.compile(
    r"(?:failed|no such \w+|No such table|column not found): *([A-Za-z_][\w$.]*)"
    r"|\b(?:index|table) ([A-Za-z_][\w$]*) already exists"
)


@dataclass(frozen=True)
class FailureLog:
    # native (Prisma's P3018 text), adapter (a driver adapter's error), other (anything else), none (no logs).
    format: str
    database_code: str | None = None
    # The database's error as Prisma recorded it, without Prisma's wrapper, debug form or trace.
    message: str = ""
    # MySQL: the 1-based statement Prisma reports as failing.
    query_number: int | None = None
    # PostgreSQL: the 1-based line of the script the Position block marks.
    error_line: int | None = None
    # The kind a driver adapter's error already tells (no database code then).
    adapter_kind: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return mentioned_names(self.message)


def parse_failure_log(logs: str | None) -> FailureLog:
    if not logs or not logs.strip():
        return FailureLog("none")
    text = logs.replace("\r\n", "\n")
    cut = text.find(TRACE_START)
    if cut != -1:
        text = text[:cut]
    if NATIVE_MARKER in text:
        return _native(text)
    return _adapter(text)


def _native(text: str) -> FailureLog:
    match = CODE.search(text)
    code = match.group("code") if match else None
    if code == "none":
        code = None
    error = text.partition("Database error:\n")[2]
    error_line = None
    position = error.find("\n\nPosition:\n")
    if position != -1:
        marked = POSITION_LINE.search(error, position)
        error_line = int(marked.group("line")) if marked else None
        error = error[:position]
    debug = error.find("\n\nDbError {")
    if debug != -1:
        error = error[:debug]
    query_number = None
    number = QUERY_NUMBER.search(error)
    if number:
        query_number = int(number.group("number"))
        error = error[: number.start()]
    return FailureLog(
        "native",
        database_code=code,
        message=ANSI.sub("", error).strip(),
        query_number=query_number,
        error_line=error_line,
    )


def _adapter(text: str) -> FailureLog:
    adapter = text.startswith(ADAPTER_PREFIX)
    message = text[len(ADAPTER_PREFIX) :] if adapter else text
    message = message.strip()
    for prefix, kind in ADAPTER_KINDS:
        if message.startswith(prefix):
            return FailureLog("adapter", message=message, adapter_kind=kind)
    if message.startswith(QUERYING):
        return FailureLog("adapter", message=message[len(QUERYING) :].strip())
    if message.startswith(UNDERLYING):
        # The adapter could not even name the error (an unknown variant): the JS stack after it is noise.
        first = message.splitlines()[0].split(", expected one of")[0]
        kind = "type_conversion" if "InvalidInputValue" in first else None
        return FailureLog("adapter", message=first, adapter_kind=kind)
    if message.startswith("SQLITE_") or adapter:
        return FailureLog("adapter", message=message)
    return FailureLog("other", message=message)


def mentioned_names(message: str) -> tuple[str, ...]:
    """Identifiers an error message names (and the parts of `table.column` ones), in order, once each."""
    found: list[str] = []
    for match in QUOTED.finditer(message):
        found.append(next(group for group in match.groups() if group is not None))
    for match in KEY_COLUMNS.finditer(message):
        group = match.group(1) or match.group(2)
        found.extend(part.strip().strip("`\"'") for part in group.split(","))
    found.extend(match.group(1) or match.group(2) for match in AFTER_COLON.finditer(message))
    names: list[str] = []
    for name in found:
        for candidate in (name, *name.split(".")):
            candidate = candidate.strip().strip("`\"'[]")
            if candidate and candidate not in names:
                names.append(candidate)
    return tuple(names)
