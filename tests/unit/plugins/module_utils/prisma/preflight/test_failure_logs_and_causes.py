"""Every `logs` format Prisma writes, from verbatim fixtures (prisma_logs.json: the referee's driver-adapter logs for
PostgreSQL and SQLite as Prisma 7.10's engine wrote them, and Prisma's native P3018 text as its Rust engine formats
it for PostgreSQL and MariaDB 10.11 errors), read into a cause kind and a statement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connector import flavour_for, parse_database_url
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import cause_from_log
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import (
    mentioned_names,
    parse_failure_log,
    without_values,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.statements import split_statements

FIXTURES = json.loads((Path(__file__).parent / "prisma_logs.json").read_text())
URLS = {"postgresql": "postgresql://u@h/db", "mysql": "mysql://u@h/db", "sqlite": "file:/tmp/x.db"}
# What each case is (the research made each failure on purpose).
KINDS = {
    # MariaDB reports NULLs met by MODIFY ... NOT NULL as truncation (1265); the preflight refines it with the data.
    "modify_not_null": "type_conversion",
    "unique": "unique_violation",
    "third_statement_fails": "unique_violation",
    "mysql_add_unique_index": "unique_violation",
    "not_null": "not_null_violation",
    "foreign_key": "foreign_key_violation",
    "fk_1452": "foreign_key_violation",
    "check": "check_violation",
    "type": "type_conversion",
    "duplicate": "duplicate_object",
    "dup_": "duplicate_object",
    "table_exists": "duplicate_object",
    "missing": "missing_object",
    "no_table": "missing_object",
    "drop_index": "missing_object",
    "unknown_column": "missing_object",
    "perm_": "permission_denied",
    "lock_wait": "lock_timeout",
    "syntax": "syntax_error",
}
# Statement the failure is on, when it is not the only one; None: the logs cannot tell (two identical statements).
INDEXES = {"third_statement_fails": 3, "redefine_not_null": 4, "duplicate_index": None}


def expected_kind(case: str) -> str:
    name = case.split("_", 2)[2]
    return next(kind for part, kind in KINDS.items() if part in name)


def script(case: dict) -> str:
    sql = case["sql"] or ""
    # The MariaDB fixtures note the circumstances after the statement.
    return sql.split(" (lock_wait_timeout")[0] + ("" if sql.rstrip().endswith(";") else ";\n")


@pytest.mark.parametrize("case_id", sorted(FIXTURES))
def test_every_fixture_gives_its_cause_and_statement(case_id):
    case = FIXTURES[case_id]
    log = parse_failure_log(case["logs"])
    assert log.format == case["format"]
    assert "   0: " not in log.message and "DbError {" not in log.message and "\x1b" not in log.message
    if case["format"] == "native":
        assert log.database_code and log.database_code.isalnum()
    if case["provider"] == "mysql":
        assert log.query_number == 1
    flavour = flavour_for(parse_database_url(URLS[case["provider"]], "/tmp"))
    statements = split_statements(script(case), flavour.sqlglot_dialect)
    cause = cause_from_log(log, statements, flavour.classify_error)
    assert cause.kind == expected_kind(case_id)
    name = case_id.split("_", 2)[2]
    assert cause.statement_index == INDEXES.get(name, 1)


def test_native_postgresql_keeps_detail_and_finds_the_position_line():
    log = parse_failure_log(FIXTURES["postgresql_native_unique_index"]["logs"])
    assert log.message == 'ERROR: could not create unique index "User_bio_key"\nDETAIL: Key (bio)=(same) is duplicated.'
    assert log.database_code == "23505"
    assert parse_failure_log(FIXTURES["postgresql_native_syntax_error"]["logs"]).error_line == 2


def test_no_logs_and_unknown_text():
    assert parse_failure_log(None).format == "none"
    assert parse_failure_log("  ").format == "none"
    other = parse_failure_log("something else entirely")
    assert other.format == "other" and other.message == "something else entirely"


def test_adapter_error_of_an_unknown_variant_drops_the_javascript_noise():
    log = parse_failure_log(FIXTURES["postgresql_adapter_type_using"]["logs"])
    assert log.adapter_kind == "type_conversion"
    assert "expected one of" not in log.message and "\n" not in log.message


@pytest.mark.parametrize(
    ("message", "names"),
    [
        ('ERROR: column "bio" of relation "User" contains null values', ("bio", "User")),
        ("Duplicate entry 'same' for key 'User.User_bio_key'", ("same", "User.User_bio_key", "User", "User_bio_key")),
        ("SQLITE_CONSTRAINT: NOT NULL constraint failed: new_User.bio", ("new_User.bio", "new_User", "bio")),
        ("SQLITE_ERROR: index X_idx already exists", ("X_idx",)),
        ("Unique constraint failed on the fields: (`bio`)", ("bio",)),
        ("DETAIL: Key (a, b)=(1, 2) is duplicated.", ("a", "b")),
    ],
)
def test_names_a_message_mentions(message, names):
    assert mentioned_names(message) == names


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        ("DETAIL: Key (bio)=(same) is duplicated.", "DETAIL: Key (bio)=(...) is duplicated."),
        ("Duplicate entry 'same' for key 'User_bio_key'", "Duplicate entry '...' for key 'User_bio_key'"),
        ("Truncated incorrect INTEGER value: 'abc'", "Truncated incorrect INTEGER value: '...'"),
        ('ERROR: invalid input syntax for type integer: "abc"', 'ERROR: invalid input syntax for type integer: "..."'),
        ("The duplicate key value is (hello).", "The duplicate key value is (...)."),
        ("Unique constraint failed: User_bio_key", "Unique constraint failed: User_bio_key"),
    ],
)
def test_counts_only_masks_the_row_values_messages_quote(message, masked):
    assert without_values(message) == masked
