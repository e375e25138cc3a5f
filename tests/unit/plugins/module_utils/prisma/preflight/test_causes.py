"""The cause of a failed migration and its statement, from every `logs` format Prisma writes (the fixtures of
prisma_logs.json) and from the script: a statement Prisma 7's driver adapter cut at a `;` inside it is its own cause,
never a data cause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import (
    cause_from_log,
    statement_cut_by_adapter,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import parse_failure_log
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database, syntax

FIXTURES = json.loads((Path(__file__).parent / "prisma_logs.json").read_text())
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
    flavour = offline_database(case["provider"])
    statements = split_statements(script(case), flavour.dialect.syntax)
    cause = cause_from_log(log, statements, flavour.codes.classify_error, script(case))
    assert cause.kind == expected_kind(case_id)
    name = case_id.split("_", 2)[2]
    assert cause.statement_index == INDEXES.get(name, 1)


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
    flavour = offline_database("postgresql")
    statements = split_statements(fixture["sql"], syntax("postgresql"))
    log = parse_failure_log(fixture["logs"], flavour.codes)
    cause = cause_from_log(log, statements, flavour.codes.classify_error, fixture["sql"])
    assert (cause.kind, cause.statement_index) == ("unsupported_by_adapter", 2)
    assert cause.statement.startswith('CREATE FUNCTION "audit_count"()')
    # Without the script (or from Prisma's native engine, which sends the script whole) it is a syntax error.
    assert cause_from_log(log, statements, flavour.codes.classify_error).kind == "syntax_error"
