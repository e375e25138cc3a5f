# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database messages without the row values they quote, for every database (pure): the one place that does it.

Databases quote the data a statement failed on (`Key (bio)=(ada) is duplicated.`, `Duplicate entry 'ada' for key`,
`invalid input value for enum "Role": "MODERATOR"`), Prisma copies those texts into `_prisma_migrations.logs`, and
the collection shows them in results, errors, the run output and the audit. Everything here keeps the error's code,
wording and the names it gives (table, column, constraint) and replaces each value with `[redacted]`. The texts
are the databases' own, as produced in tests on PostgreSQL 15, MariaDB 10.11, SQLite 3.40 and Babelfish 4.3 (which
answers in PostgreSQL's words), plus SQL Server's documented messages.

A value runs to the last place its message's fixed wording can follow it on the line (values may hold `)`, `'`,
`"` or ` is `); PostgreSQL's `Key (...)=(...)` and `Failing row contains (...)` values may span lines and run to
the last end their DETAIL can have before Prisma's next section. A text matching none of the forms is unchanged:
SQLite names columns, never values (`UNIQUE constraint failed: User.bio`).
"""

from __future__ import annotations

import re
from dataclasses import replace

REDACTED = "[redacted]"

# Where a value that spans lines must end at the latest: Prisma's next section, its span trace, or the text's end.
_SECTION_END = re.compile(r"\n\n(?:DbError \{|Position:)|\n {3}0: ")
# PostgreSQL's DETAIL, in libpq's two-space form, Prisma's one-space form, or joined into one line.
_DETAIL = re.compile(r"\bDETAIL:[ \t]*")
# The next field of the same error: on its own line, or (in a message joined into one line) after a blank.
_FIELD_END = re.compile(r"\n|[ \t]+(?=(?:HINT|CONTEXT|WHERE|STATEMENT|QUERY|LOCATION|LINE \d+):)")
_KEY = re.compile(r"\bKey \(")
# What follows the value of `Key (columns)=(value)`: the ends PostgreSQL's messages give it.
_KEY_END = re.compile(
    r"\) (?:is duplicated\.|already exists\.|is not present in table \"[^\"\n]*\"\.|is still referenced from table "
    r"\"[^\"\n]*\"\.|conflicts with existing key \()"
)
_FAILING_ROW = re.compile(r"\bFailing row contains \(")
_ROW_END = re.compile(r"\)\.(?=\n|$|[ \t]+(?:HINT|CONTEXT|WHERE|STATEMENT|QUERY|LOCATION|LINE \d+):)")
# Rust debug strings in Prisma's native PostgreSQL logs: `detail: Some("Key (bio)=(ada) is duplicated.")`.
_DEBUG_STRING = re.compile(r'\b(?P<field>message|detail|hint|where_): (?P<some>Some\()?"(?P<body>(?:[^"\\]|\\.)*)"')
_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDERS = re.compile("\x00(\\d+)\x00")

# One-line forms, each after the words (lowercase) that must be in a text for it to match: the group `value` is
# replaced. Greedy values end at the last place the wording can follow; where a message has two forms, the second
# skips what the first has redacted.
_LINE_FORMS = tuple(
    (words, re.compile(pattern, re.MULTILINE))
    for words, pattern in (
        # PostgreSQL (and Babelfish, which answers in its words)
        ("for ", r'\bfor (?:type|enum) [^:\n]*: "(?P<value>[^\n]*)"'),
        ("date/time", r'\bdate/time field value out of range: "(?P<value>[^\n]*)"'),
        (": ", r'\b(?:malformed \w+ literal|invalid hexadecimal digit|invalid \w+ value): "(?P<value>[^\n]*)"'),
        ("out of range", r'(?:(?<=\bvalue )|(?<=: )|(?<=:  )|^)"(?P<value>[^\n]*)" is out of range for type'),
        ("invalid value", r'\binvalid value "(?P<value>[^\n]*)" for "'),
        ("not recognized", r'\b(?:time zone|unit) "(?P<value>[^\n]*)" not recognized'),
        ("not a valid", r'(?:(?<=: )|(?<=:  )|^)"(?P<value>[^\n]*)" is not a valid (?:binary|hexadecimal|octal) digit'),
        (
            "byte sequence",
            r'\binvalid byte sequence for encoding "[^"\n]*": (?P<value>0x[0-9a-f]{2}(?: 0x[0-9a-f]{2})*)',
        ),
        ("byte sequence", r"\bcharacter with byte sequence (?P<value>0x[0-9a-f]{2}(?: 0x[0-9a-f]{2})*) in encoding"),
        # PostgreSQL's CONTEXT of a JSON input error quotes the document.
        ("json data", r"\bJSON data, line \d+: (?P<value>[^\n]*)"),
        ("copy ", r'\bCOPY [^\n]*?, column [^\n]*?: "(?P<value>[^\n]*)"'),
        # MySQL and MariaDB
        ("duplicate entry", r"\bDuplicate entry '(?P<value>[^\n]*)' for key "),
        ("incorrect", r"(?i:\bincorrect) [\w ]{1,40} value: '(?P<value>[^\n]*)' for (?:column|function) "),
        ("incorrect", r"(?i:\bincorrect) [\w ]{1,40} value: '(?!\[redacted\]')(?P<value>[^\n]*)'"),
        # SQL Server
        ("duplicate key value", r"\bThe duplicate key value is \((?P<value>[^\n]*)\)(?=\.(?:\s|$))"),
        ("duplicate key value", r"\bThe duplicate key value is \((?!\[redacted\]\))(?P<value>[^\n]*)\)"),
        (
            "conversion failed",
            r"\bConversion failed when converting (?:the )?[\w ]{1,40} value '(?P<value>[^\n]*)' to data type",
        ),
        ("conversion of the", r"\bThe conversion of the [\w ]{1,40} value '(?P<value>[^\n]*)' overflowed"),
        ("truncated value", r"\bTruncated value: '(?P<value>[^\n]*)'(?=\.(?:\s|$))"),
        ("truncated value", r"\bTruncated value: '(?!\[redacted\]')(?P<value>[^\n]*)'"),
    )
)


def without_values(text):
    """`text` with every row value a database message in it quotes replaced by `[redacted]`; None stays None."""
    if not text:
        return text
    text = str(text)
    protected: list[str] = []
    text = _DEBUG_STRING.sub(lambda match: _protect(match, protected), text)
    text = _redact_plain(text)
    return _PLACEHOLDERS.sub(lambda match: protected[int(match.group(1))], text)


def rows_without_values(rows) -> list[dict]:
    """Rows of `_prisma_migrations` as the modules return them, with their `logs` without values."""
    return [{**row, "logs": without_values(row.get("logs"))} if "logs" in row else dict(row) for row in rows]


def records_without_values(records):
    """History records (prisma.history.MigrationRecord) with their `logs` without values; None (no table) stays."""
    if records is None:
        return None
    # Only failed attempts have logs: a long history of applied rows is passed through as it is.
    return [replace(record, logs=without_values(record.logs)) if record.logs else record for record in records]


def _redact_plain(text: str) -> str:
    text = _redact_details(text)
    text = _redact_blocks(text, _KEY, _redact_key)
    text = _redact_blocks(text, _FAILING_ROW, _redact_row)
    lowered = text.lower()
    for words, form in _LINE_FORMS:
        if words in lowered:
            text = form.sub(_replace_value, text)
    return text


def _replace_value(match: re.Match) -> str:
    start, end = match.start("value") - match.start(), match.end("value") - match.start()
    return match.group(0)[:start] + REDACTED + match.group(0)[end:]


def _section_end(text: str, start: int) -> int:
    found = _SECTION_END.search(text, start)
    return found.start() if found else len(text)


def _redact_details(text: str) -> str:
    """Every DETAIL other than PostgreSQL's `Key (...)=(...)` and `Failing row contains (...)` (redacted value by
    value below) goes whole: DETAIL is where PostgreSQL puts row data (`Token "x" is invalid.` for JSON)."""
    out, position = [], 0
    for match in _DETAIL.finditer(text):
        if match.start() < position:
            continue
        start = match.end()
        if _KEY.match(text, start) or _FAILING_ROW.match(text, start):
            continue
        end = _FIELD_END.search(text, start)
        end = end.start() if end else len(text)
        if end > start:
            out.append(text[position:start] + REDACTED)
            position = end
    out.append(text[position:])
    return "".join(out)


def _redact_blocks(text: str, start_pattern: re.Pattern, redact_one) -> str:
    out, position = [], 0
    for match in start_pattern.finditer(text):
        if match.start() < position:
            continue
        replaced, end = redact_one(text, match)
        out.append(text[position : match.start()] + replaced)
        position = end
    out.append(text[position:])
    return "".join(out)


def _redact_key(text: str, match: re.Match) -> tuple[str, int]:
    """`Key (columns)=(value) <end>`: the columns stay (they may nest parentheses: `lower(email)`), the value goes up
    to the last end its message can have before the next section."""
    columns_end = _closing_parenthesis(text, match.end())
    if columns_end is None or not text.startswith(")=(", columns_end):
        return match.group(0), match.end()
    head = text[match.start() : columns_end + 3]
    value_start = columns_end + 3
    limit = _section_end(text, value_start)
    ends = list(_KEY_END.finditer(text, value_start, limit))
    if not ends:
        return head + REDACTED, limit
    last = ends[-1]
    if last.group(0).startswith(") conflicts"):
        # An exclusion constraint quotes the other row's key too: `... conflicts with existing key (c)=(v).`
        second = text.rfind(")=(", last.end(), limit)
        tail_end = text.rfind(").", second, limit) if second != -1 else -1
        if second != -1 and tail_end != -1:
            return head + REDACTED + text[last.start() : second + 3] + REDACTED + ").", tail_end + 2
        return head + REDACTED + last.group(0) + REDACTED, limit
    return head + REDACTED + last.group(0), last.end()


def _redact_row(text: str, match: re.Match) -> tuple[str, int]:
    """`Failing row contains (values).`: everything up to the row's last `).` that ends a line or a field before the
    next section (values may hold parentheses, dots and newlines)."""
    limit = _section_end(text, match.end())
    ends = list(_ROW_END.finditer(text, match.end(), limit))
    if ends:
        return match.group(0) + REDACTED + ").", ends[-1].end()
    closing = text.rfind(")", match.end(), limit)
    if closing != -1:
        return match.group(0) + REDACTED + ")", closing + 1
    return match.group(0) + REDACTED, limit


def _closing_parenthesis(text: str, start: int) -> int | None:
    """The index of the `)` closing the parenthesis opened just before `start`, on the same line."""
    depth = 1
    for index in range(start, len(text)):
        char = text[index]
        if char == "\n":
            return None
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def _protect(match: re.Match, protected: list[str]) -> str:
    """A Rust debug string, redacted as the text it stands for and kept out of the plain-text forms."""
    body = _rust_unescape(match.group("body"))
    if match.group("field") == "detail":
        redacted = _redact_plain("DETAIL: " + body)[len("DETAIL: ") :]
    elif match.group("field") == "where_":
        redacted = _redact_plain("CONTEXT: " + body)[len("CONTEXT: ") :]
    else:
        redacted = _redact_plain(body)
    some = match.group("some") or ""
    protected.append(f'{match.group("field")}: {some}"{_rust_escape(redacted)}"')
    return _PLACEHOLDER.format(len(protected) - 1)


_RUST_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
_RUST_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|.)", re.DOTALL)


def _rust_unescape(body: str) -> str:
    def one(match: re.Match) -> str:
        code = match.group(1)
        if code.startswith("u{"):
            return chr(int(code[2:-1], 16))
        return _RUST_ESCAPES.get(code, code)

    return _RUST_ESCAPE.sub(one, body)


def _rust_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
