# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failed row's `logs` says, in every format Prisma writes it (pure).

- Prisma's native schema engine writes its P3018 text: `Database error code: {code}` and `Database error:\\n{text}`,
  where the text carries what the engine adds for the database (MySQL's query number, PostgreSQL's Position block
  and debug form): the database's CodeTable (databases/<db>/codes.py) takes those apart.
- Prisma's driver adapters (the WebAssembly engine, Prisma 7's `prisma.config.ts` setups) write only the adapter's
  error: "external connector error\\nUnique constraint failed: User_bio_key", "Null constraint failed: ...",
  "Error querying the database: ERROR: ..." or, through libSQL, "SQLITE_CONSTRAINT: ..." (the CodeTable's
  adapter_error_prefixes): no code and no index.
- Both end with a span trace ("\\n   0: sql_schema_connector::..."), cut off here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import CodeTable

TRACE_START = "\n   0: "
NATIVE_MARKER = "Database error code:"
CODE = re.compile(r"^Database error code: (?P<code>\S+)[ \t]*$", re.MULTILINE)
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
    # Where the database's engine says (MySQL): the 1-based statement Prisma reports as failing.
    query_number: int | None = None
    # Where the database's engine says (PostgreSQL's Position block): the 1-based line of the script marked failing.
    error_line: int | None = None
    # The kind a driver adapter's error already tells (no database code then).
    adapter_kind: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return mentioned_names(self.message)


def parse_failure_log(logs: str | None, codes: CodeTable) -> FailureLog:
    """A `logs` value read with the CodeTable of the database the migration ran on."""
    if not logs or not logs.strip():
        return FailureLog("none")
    text = logs.replace("\r\n", "\n")
    cut = text.find(TRACE_START)
    if cut != -1:
        text = text[:cut]
    if NATIVE_MARKER in text:
        return _native(text, codes)
    return _adapter(text, codes)


def _native(text: str, codes: CodeTable) -> FailureLog:
    match = CODE.search(text)
    code = match.group("code") if match else None
    if code == "none":
        code = None
    error, query_number, error_line = codes.split_native_error(text.partition("Database error:\n")[2])
    return FailureLog(
        "native",
        database_code=code,
        message=ANSI.sub("", error).strip(),
        query_number=query_number,
        error_line=error_line,
    )


def _adapter(text: str, codes: CodeTable) -> FailureLog:
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
    if message.startswith(codes.adapter_error_prefixes) or adapter:
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
