"""Database error texts lose the data values they quote, and keep everything that explains the failure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.error_redaction import (
    REDACTED,
    redact_database_error,
    redact_migration_logs,
)

# What Prisma's native schema engine records in `logs` for a unique index over duplicated data (PostgreSQL).
POSTGRES_LOGS = (
    'Database error code: 23505\n\nDatabase error:\nERROR: could not create unique index "User_bio_key"\n'
    "DETAIL: Key (bio)=(ada-lovelace-bio) is duplicated.\n\n"
    'DbError { severity: "ERROR", parsed_severity: Some(Error), code: SqlState(E23505), message: "could not create '
    'unique index \\"User_bio_key\\"", detail: Some("Key (bio)=(ada-lovelace-bio) is duplicated."), hint: None, '
    'position: None, where_: None, schema: Some("public"), table: Some("User"), column: None, datatype: None, '
    'constraint: Some("User_bio_key"), file: Some("tuplesort.c"), line: Some(4297), routine: '
    'Some("comparetup_index_btree") }\n\n'
    "   0: sql_schema_connector::apply_migration::apply_script\n"
    '           with migration_name="20201127134938_added_bio_index"\n'
)

CASES = {
    "postgres_prisma_logs": (
        POSTGRES_LOGS,
        "ada-lovelace-bio",
        ["23505", "User_bio_key", "added_bio_index", "DETAIL: Key (bio)=([redacted]) is duplicated."],
    ),
    "postgres_other_detail": (
        'ERROR: update or delete on table "User" violates RESTRICT setting\nDETAIL: Row 4711-ada is referenced.',
        "4711-ada",
        ["violates RESTRICT setting", "DETAIL: [redacted]"],
    ),
    "postgres_driver_one_line": (
        'duplicate key value violates unique constraint "User_email_key" DETAIL: Key (email)=(ada@example.com) '
        "already exists.",
        "ada@example.com",
        ["User_email_key"],
    ),
    "postgres_key_without_detail_prefix": (
        'insert or update on table "Post" violates foreign key constraint "Post_authorId_fkey": '
        'Key (authorId)=(4711) is not present in table "User".',
        "4711",
        ["Post_authorId_fkey", 'is not present in table "User"'],
    ),
    "postgres_failing_row": (
        'new row for relation "User" violates check constraint "bio_short"\nDETAIL: Failing row contains (7, '
        "grace@example.com, a very long bio).",
        "grace@example.com",
        ["bio_short"],
    ),
    "postgres_invalid_input": (
        'ERROR: invalid input syntax for type integer: "4711-secret-ish"',
        "4711-secret-ish",
        ["type integer"],
    ),
    "postgres_enum": ('invalid input value for enum "Role": "SUPERUSER"', "SUPERUSER", ['enum "Role"']),
    "postgres_out_of_range": (
        'value "99999999999" is out of range for type integer',
        "99999999999",
        ["out of range for type integer"],
    ),
    "mysql_prisma_logs": (
        "Database error code: 1062\n\nDatabase error:\nDuplicate entry 'ada-lovelace-bio' for key 'User_bio_key'\n\n"
        "Please check the query number 1 from the migration file.",
        "ada-lovelace-bio",
        ["1062", "User_bio_key", "query number 1"],
    ),
    "mysql_incorrect_value": (
        "Incorrect integer value: 'forty-two' for column 'age' at row 1",
        "forty-two",
        ["column 'age'"],
    ),
    "mysql_truncated": ("Truncated incorrect DOUBLE value: 'abc-12'", "abc-12", ["DOUBLE"]),
    "sqlserver_index": (
        "Database error code: 1505\n\nDatabase error:\nThe CREATE UNIQUE INDEX statement terminated because a "
        "duplicate key was found for the object name 'dbo.User' and the index name 'User_bio_key'. The duplicate "
        "key value is (ada-lovelace-bio).",
        "ada-lovelace-bio",
        ["1505", "'dbo.User'", "User_bio_key"],
    ),
    "sqlserver_conversion": (
        "Conversion failed when converting the varchar value 'n/a' to data type int.",
        "n/a",
        ["data type int"],
    ),
    "sqlserver_truncation": (
        "String or binary data would be truncated in table 'app.dbo.User', column 'bio'. Truncated value: 'abcdef'.",
        "abcdef",
        ["column 'bio'"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_known_error_texts_lose_their_values_and_keep_the_rest(case):
    text, value, kept = CASES[case]
    redacted = redact_database_error(text)
    assert value not in redacted
    assert REDACTED in redacted
    for words in kept:
        assert words in redacted


def test_texts_without_values_are_unchanged():
    for text in (
        "Unique constraint failed on the fields: (`bio`)",
        "SQLite database error\nUNIQUE constraint failed: User.bio",
        "external connector error\nUnique constraint failed: User_bio_key",
        "",
    ):
        assert redact_database_error(text) == text
    assert redact_database_error(None) is None


TEMPLATES = [
    'ERROR: could not create unique index "i"\nDETAIL: Key (bio)=({}) is duplicated.\n',
    "ERROR: x\nDETAIL: {}\nHINT: y",
    'DbError {{ detail: Some("Key (bio)=({}) is duplicated."), hint: None }}',
    "Duplicate entry '{}' for key 'User_bio_key'",
    "The duplicate key value is ({}).",
    "Failing row contains ({}).",
]
values = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\"\\'"), min_size=4)


@given(value=values, template=st.sampled_from(TEMPLATES))
def test_any_value_in_a_known_text_is_removed(value, template):
    text = template.format(value)
    if value in template:
        return  # the value is part of the fixed wording itself
    assert value not in redact_database_error(text)


def test_rows_keep_every_key_and_lose_only_the_values_of_their_logs():
    rows = [
        {"migration_name": "20201127134938_added_bio_index", "state": "failed", "logs": POSTGRES_LOGS},
        {"migration_name": "20201127134937_init", "state": "applied", "logs": None},
    ]
    redacted = redact_migration_logs(rows)
    assert [row["migration_name"] for row in redacted] == [row["migration_name"] for row in rows]
    assert "ada-lovelace-bio" not in redacted[0]["logs"] and "23505" in redacted[0]["logs"]
    assert redacted[1]["logs"] is None
    assert rows[0]["logs"] == POSTGRES_LOGS  # the input is left as it was
