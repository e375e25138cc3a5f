"""Every `logs` format Prisma writes, from verbatim fixtures (prisma_logs.json: the referee's driver-adapter logs for
PostgreSQL and SQLite as Prisma 7.10's engine wrote them, and Prisma's native P3018 text as its Rust engine formats
it for PostgreSQL and MariaDB 10.11 errors), read into a cause kind and a statement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    open_database,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.advice import advise
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import (
    Cause,
    cause_from_log,
    statement_cut_by_adapter,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.effects import Judgement
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import (
    mentioned_names,
    parse_failure_log,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.rehearsal import Rehearsal, skipped
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database, syntax

FIXTURES = json.loads((Path(__file__).parent / "prisma_logs.json").read_text())
URLS = {
    "postgresql": "postgresql://u@h/db",
    "mysql": "mysql://u@h/db",
    "sqlite": "file:/tmp/x.db",
    "sqlserver": "sqlserver://h:1433;database=db;user=u;password=p",
}
# What each case is (the research made each failure on purpose).
KINDS = {
    # Prisma 7's driver adapter cut the statement at a `;` inside it (measured with the referee).
    "split_": "unsupported_by_adapter",
    "statement_timeout": "statement_timeout",
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
INDEXES = {
    "third_statement_fails": 3,
    "redefine_not_null": 4,
    "duplicate_index": None,
    # The adapter ran statement 1 (it committed) and cut statement 2 inside its $$ body.
    "split_dollar_function": 2,
    # SET or SELECT: an adapter's log names neither.
    "statement_timeout": None,
}


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
    log = parse_failure_log(case["logs"], offline_database(case["provider"]).codes)
    assert log.format == case["format"]
    assert "   0: " not in log.message and "DbError {" not in log.message and "\x1b" not in log.message
    if case["format"] == "native":
        assert log.database_code and log.database_code.isalnum()
    # Prisma's native engine names the failing statement on MySQL ("Please check the query number N").
    assert log.query_number == (1 if "Please check the query number" in case["logs"] else None)
    flavour = open_database(URLS[case["provider"]], "/tmp")
    statements = split_statements(script(case), flavour.dialect.syntax)
    cause = cause_from_log(log, statements, flavour.codes.classify_error, script(case))
    assert cause.kind == expected_kind(case_id)
    name = case_id.split("_", 2)[2]
    assert cause.statement_index == INDEXES.get(name, 1)


def test_native_postgresql_keeps_detail_and_finds_the_position_line():
    codes = offline_database("postgresql").codes
    log = parse_failure_log(FIXTURES["postgresql_native_unique_index"]["logs"], codes)
    assert log.message == 'ERROR: could not create unique index "User_bio_key"\nDETAIL: Key (bio)=(same) is duplicated.'
    assert log.database_code == "23505"
    assert parse_failure_log(FIXTURES["postgresql_native_syntax_error"]["logs"], codes).error_line == 2


def test_no_logs_and_unknown_text():
    codes = offline_database("postgresql").codes
    assert parse_failure_log(None, codes).format == "none"
    assert parse_failure_log("  ", codes).format == "none"
    other = parse_failure_log("something else entirely", codes)
    assert other.format == "other" and other.message == "something else entirely"


def test_adapter_error_of_an_unknown_variant_drops_the_javascript_noise():
    log = parse_failure_log(FIXTURES["postgresql_adapter_type_using"]["logs"], offline_database("postgresql").codes)
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
    ("provider", "code", "message", "kind"),
    [
        # Measured: SET statement_timeout then a slow statement (PostgreSQL 15), max_statement_time (MariaDB 10.11).
        ("postgresql", "57014", "canceling statement due to statement timeout", "statement_timeout"),
        ("postgresql", "57014", "canceling statement due to user request", "statement_timeout"),
        ("postgresql", "55P03", "canceling statement due to lock timeout", "lock_timeout"),
        ("postgresql", "40P01", "deadlock detected", "lock_timeout"),
        ("postgresql", None, "ERROR: canceling statement due to statement timeout", "statement_timeout"),
        ("postgresql", None, "ERROR: canceling statement due to lock timeout", "lock_timeout"),
        ("mysql", "1969", "Query execution was interrupted (max_statement_time exceeded)", "statement_timeout"),
        (
            "mysql",
            "3024",
            "Query execution was interrupted, maximum statement execution time exceeded",
            "statement_timeout",
        ),
        ("mysql", "1205", "Lock wait timeout exceeded; try restarting transaction", "lock_timeout"),
        ("mysql", "1213", "Deadlock found when trying to get lock; try restarting transaction", "lock_timeout"),
        ("sqlite", "9", "interrupted", "statement_timeout"),
        ("sqlite", "5", "database is locked", "lock_timeout"),
        ("sqlserver", "0", "[HYT00] [FreeTDS][SQL Server]Query timeout expired", "statement_timeout"),
        ("sqlserver", "1222", "Lock request time out period exceeded.", "lock_timeout"),
        ("sqlserver", "1205", "Transaction (Process ID 52) was deadlocked on lock resources", "lock_timeout"),
        ("postgresql", None, 'unterminated dollar-quoted string at or near "$$ BEGIN"', "syntax_error"),
    ],
)
def test_a_statement_timeout_is_not_a_lock_timeout(provider, code, message, kind):
    flavour = open_database(URLS[provider], "/tmp")
    assert flavour.codes.classify_error(code, message) == kind


FUNCTION = (
    'CREATE TABLE "Audit" ("id" INTEGER);\n\nCREATE FUNCTION "f"() RETURNS integer AS $$\nBEGIN\n  RETURN 1;\nEND;\n'
    "$$ LANGUAGE plpgsql;\n"
)


@pytest.mark.parametrize(
    ("script", "cut"),
    [
        (FUNCTION, 2),
        ("INSERT INTO \"T\" VALUES ('a;b');\n", 1),
        ('-- first; then\nINSERT INTO "T" VALUES (1);\n', 1),
        ('CREATE TABLE "A" (x int);\n-- one; two\nCREATE TABLE "B" (x int);\n', 2),
        ('CREATE TABLE "A" (x int);\nCREATE TABLE "B" (x int)  ;  \n', None),
        ('CREATE FUNCTION "g"() RETURNS integer AS $$ SELECT 1 $$ LANGUAGE sql;\n', None),
    ],
)
def test_the_statement_a_driver_adapter_cuts_at_a_semicolon_inside_it(script, cut):
    assert statement_cut_by_adapter(script, split_statements(script, syntax("postgresql"))) == cut


def test_an_adapter_fragment_is_unsupported_by_the_adapter_never_a_data_cause():
    fixture = FIXTURES["postgresql_adapter_split_dollar_function"]
    flavour = open_database(URLS["postgresql"], "/tmp")
    statements = split_statements(fixture["sql"], syntax("postgresql"))
    log = parse_failure_log(fixture["logs"], flavour.codes)
    cause = cause_from_log(log, statements, flavour.codes.classify_error, fixture["sql"])
    assert (cause.kind, cause.statement_index) == ("unsupported_by_adapter", 2)
    assert cause.statement.startswith('CREATE FUNCTION "audit_count"()')
    # Without the script (or from Prisma's native engine, which sends the script whole) it is a syntax error.
    assert cause_from_log(log, statements, flavour.codes.classify_error).kind == "syntax_error"


@pytest.mark.parametrize("kind", ["unsupported_by_adapter", "syntax_error", "statement_timeout"])
@pytest.mark.parametrize(
    "rehearsal", [Rehearsal(ran=True, succeeded=True), skipped("rehearse is false."), Rehearsal(ran=False)]
)
def test_advice_never_retries_what_a_redeploy_meets_again(kind, rehearsal):
    cause = Cause(kind, 2, 'CREATE FUNCTION "audit_count"() RETURNS integer AS $$\nBEGIN', None, "ERROR: x\nmore")
    advice, text = advise("m", "failed", NONE, cause, None, rehearsal)
    assert advice == "investigate"
    assert 'tatement 2 (`CREATE FUNCTION "audit_count"() RETURNS integer AS $$`)' in text
    assert "ERROR: x" in text and "more" not in text


# A verdict of `none`: nothing of the migration took effect.
NONE = Judgement("none", {})


def test_a_lock_timeout_is_still_retried():
    cause = Cause("lock_timeout", 1, "ALTER TABLE ...", "55P03", "canceling statement due to lock timeout")
    assert advise("m", "failed", NONE, cause, None, skipped("rehearse is false."))[0] == "retry"
