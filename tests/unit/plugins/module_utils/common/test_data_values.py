"""Database messages lose the row values they quote, and keep everything that explains the failure: checked on the
texts the real engines produced with planted values (database_messages.json), on Prisma's own logs, and on any value
put into each form's wording."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import (
    REDACTED,
    records_without_values,
    rows_without_values,
    without_values,
)

HERE = Path(__file__).parent
MESSAGES = json.loads((HERE / "database_messages.json").read_text())["messages"]
PRISMA_LOGS = json.loads((HERE.parent / "prisma" / "preflight" / "prisma_logs.json").read_text())


def label(message: dict) -> str:
    return f"{message['provider']}-{message['source']}-{message['case'] or message['text'][:30]}"


@pytest.mark.parametrize("message", MESSAGES, ids=label)
def test_no_planted_value_survives_in_a_real_message(message):
    redacted = without_values(message["text"])
    for value in message["values"]:
        assert value.lower() not in redacted.lower()
    assert (REDACTED in redacted) == bool(message["values"]) or "DETAIL" in message["text"]
    assert without_values(redacted) == redacted


@pytest.mark.parametrize("message", MESSAGES, ids=label)
def test_a_real_message_keeps_its_code_and_the_names_it_gives(message):
    redacted = without_values(message["text"])
    for words in (
        "Database error code:",
        "Please check the query number 1",
        "could not create unique index",
        '"User_bio_key"',
        "'User_bio_key'",
        "Key (bio)=",
        "Key (lower(email), (bio || 'x'::text))=",
        "Key (author)=(",
        ') is not present in table "User".',
        "Failing row contains (",
        'invalid input value for enum "Role": "',
        "invalid input syntax for type timestamp",
        "for column `",
        "(2627) (SQLExecDirectW)",
        "(33557097) (SQLExecDirectW)",
        "UNIQUE constraint failed: User.bio",
        "sql_schema_connector::apply_migration",
    ):
        assert (words in message["text"]) <= (words in redacted), words


def test_prisma_logs_of_real_runs_keep_what_the_preflight_reads():
    for name, fixture in PRISMA_LOGS.items():
        logs = fixture["logs"]
        redacted = without_values(logs)
        assert "same" not in redacted.replace("the same", ""), name
        for marker in ("Database error code:", "Position:", "Please check the query number", "DbError {"):
            assert (marker in logs) == (marker in redacted), (name, marker)


CASES = {
    "postgres_value_with_closing_words": (
        "DETAIL:  Key (bio)=(x) is duplicated. y) is duplicated.",
        "x) is duplicated. y",
        "DETAIL:  Key (bio)=([redacted]) is duplicated.",
    ),
    "postgres_key_value_over_lines": (
        'ERROR: could not create unique index "i"\nDETAIL: Key (bio)=(line one\nline two) is duplicated.\n\n'
        'DbError { detail: Some("Key (bio)=(line one\\nline two) is duplicated."), hint: None }',
        "line two",
        "Key (bio)=([redacted]) is duplicated.",
    ),
    "postgres_failing_row_over_lines": (
        "DETAIL: Failing row contains (1, first\nsecond) word, null).\n   0: sql_schema_connector::apply",
        "second) word",
        "Failing row contains ([redacted]).\n   0:",
    ),
    "postgres_exclusion": (
        'conflicting key value violates exclusion constraint "c"\nDETAIL:  Key (r)=([1,5)) conflicts with '
        "existing key (r)=([2,3)).",
        "[2,3)",
        "Key (r)=([redacted]) conflicts with existing key (r)=([redacted]).",
    ),
    "postgres_other_detail": (
        'ERROR: update or delete on table "User" violates RESTRICT setting\nDETAIL: Row 4711-ada is referenced.',
        "4711-ada",
        "DETAIL: [redacted]",
    ),
    "postgres_detail_in_one_line": (
        'invalid input syntax for type json DETAIL: Token "plantjsontoken" is invalid. CONTEXT: JSON data, '
        'line 1: {"plant": plantjsontoken...',
        "plantjsontoken",
        "DETAIL: [redacted] CONTEXT: JSON data, line 1: [redacted]",
    ),
    "postgres_json_debug_context": (
        'DbError { message: "invalid input syntax for type json", detail: Some("Token \\"tok\\" is invalid."), '
        'where_: Some("JSON data, line 1: {\\"a\\": tok..."), severity: "ERROR" }',
        "tok",
        'where_: Some("JSON data, line 1: [redacted]"), severity: "ERROR"',
    ),
    "postgres_float": ('ERROR:  "1e400" is out of range for type double precision', "1e400", '"[redacted]"'),
    "postgres_encoding": (
        'invalid byte sequence for encoding "UTF8": 0xe9 0x41',
        "0xe9",
        'encoding "UTF8": [redacted]',
    ),
    "postgres_to_date": ('invalid value "zz" for "MM"', '"zz"', 'invalid value "[redacted]" for "MM"'),
    "mysql_value_with_quote_and_for_key": (
        "Duplicate entry 'a' for key 'b' x' for key 'User_bio_key'",
        "for key 'b' x",
        "Duplicate entry '[redacted]' for key 'User_bio_key'",
    ),
    "mysql_column_in_quotes": (
        "Incorrect integer value: 'forty-two' for column 'age' at row 1",
        "forty-two",
        "Incorrect integer value: '[redacted]' for column 'age' at row 1",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_values_end_where_their_wording_can_follow(case):
    text, value, expected = CASES[case]
    redacted = without_values(text)
    assert value not in redacted
    assert expected in redacted


def test_texts_without_values_are_unchanged():
    for text in (
        "Unique constraint failed on the fields: (`bio`)",
        "SQLite database error\nUNIQUE constraint failed: User.bio",
        "external connector error\nUnique constraint failed: User_bio_key",
        'ERROR: syntax error at or near "TABLEX"',
        'unterminated dollar-quoted string at or near "$$ SELECT 1"',
        "Cannot connect to postgresql app@db:5432/shop: connection refused",
        "",
    ):
        assert without_values(text) == text
    assert without_values(None) is None


TEMPLATES = [
    'ERROR: could not create unique index "i"\nDETAIL: Key (bio)=({}) is duplicated.\n',
    'ERROR: could not create unique index "i"\nDETAIL: Key (lower(bio))=({}) is duplicated.\n\nDbError {{}}',
    "ERROR: x\nDETAIL: {}\nHINT: y",
    'DbError {{ detail: Some("Key (bio)=({}) is duplicated."), hint: None }}',
    'invalid input value for enum "Role": "{}"',
    'invalid input syntax for type timestamp: "{}"',
    'date/time field value out of range: "{}"',
    "Duplicate entry '{}' for key 'User_bio_key'",
    "Incorrect datetime value: '{}' for column `db`.`User`.`seen` at row 1",
    "Truncated incorrect INTEGER value: '{}'",
    "The duplicate key value is ({}).",
    "Conversion failed when converting the varchar value '{}' to data type int.",
    "Failing row contains ({}).",
]
FIELD_LABEL = re.compile(r"\b(?:DETAIL|HINT|CONTEXT|WHERE|STATEMENT|QUERY|LOCATION|LINE \d+):")
values = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\\\x00"), min_size=4)


@given(value=values, template=st.sampled_from(TEMPLATES))
def test_any_value_in_a_known_text_is_removed(value, template):
    # Inside a Rust debug string (Prisma's native PostgreSQL logs) a value's `"` is written `\"`, as Rust's Debug does.
    shown = value.replace('"', '\\"') if 'Some("' in template else value
    text = template.format(shown)
    if shown in template or shown in REDACTED or FIELD_LABEL.search(shown):
        # The value is the message's own wording: part of the template, of the placeholder, or a field's label
        # (`DETAIL:` starts a field wherever it stands; what follows it goes, the label itself stays).
        return
    redacted = without_values(text)
    assert shown not in redacted
    assert without_values(redacted) == redacted


def test_rows_keep_every_key_and_lose_only_the_values_of_their_logs():
    logs = next(message["text"] for message in MESSAGES if message["source"] == "native_format")
    rows = [
        {"migration_name": "20240102000000_planted", "state": "failed", "logs": logs},
        {"migration_name": "20240101000000_schema", "state": "applied", "logs": None},
    ]
    redacted = rows_without_values(rows)
    assert [row["migration_name"] for row in redacted] == [row["migration_name"] for row in rows]
    assert REDACTED in redacted[0]["logs"] and "Database error code:" in redacted[0]["logs"]
    assert redacted[1]["logs"] is None
    assert rows[0]["logs"] == logs  # the input is left as it was


@dataclass(frozen=True)
class Record:
    migration_name: str
    logs: str | None


def test_records_lose_the_values_of_their_logs_and_no_table_stays_no_table():
    (record,) = records_without_values([Record("x", "Duplicate entry 'ada' for key 'k'")])
    assert record == Record("x", "Duplicate entry '[redacted]' for key 'k'")
    assert records_without_values(None) is None
