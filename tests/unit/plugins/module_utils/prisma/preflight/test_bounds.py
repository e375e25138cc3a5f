"""A migration cannot loosen the rehearsal's bounds: its timeout settings are not sent (neutralised) or, inside
another statement, make the rehearsal refuse; and a batch loses exactly the statements not sent."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.rehearsal import without_statements
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.bounds import guard_settings
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database, syntax


def guard(provider, sql):
    neutralised, refusal = guard_settings(split_statements(sql, syntax(provider)), offline_database(provider).rehearsal)
    return [(entry.index, entry.statement) for entry in neutralised], refusal


NEUTRALISED = [
    ("postgresql", "SET lock_timeout = 0"),
    ("postgresql", "SET statement_timeout TO 0"),
    ("postgresql", "SET LOCAL statement_timeout = '0'"),
    ("postgresql", "SET SESSION idle_in_transaction_session_timeout = 0"),
    ("postgresql", "SET idle_session_timeout = 0"),
    ("postgresql", "SET transaction_timeout = 0"),
    ("postgresql", "RESET lock_timeout"),
    ("postgresql", "RESET ALL"),
    ("postgresql", "SELECT set_config('lock_timeout', '0', false)"),
    ("postgresql", "SELECT set_config('statement_timeout', '0', true), set_config('lock_timeout', '0', true)"),
    ("mysql", "SET SESSION innodb_lock_wait_timeout = 1000"),
    ("mysql", "SET @@session.lock_wait_timeout = 31536000"),
    ("mysql", "SET max_statement_time = 0"),
    ("mysql", "SET SESSION max_execution_time = 0, NAMES utf8mb4"),
    ("sqlserver", "SET LOCK_TIMEOUT -1"),
    ("sqlserver", "SET QUERY_GOVERNOR_COST_LIMIT 0"),
    ("sqlserver", "SET DEADLOCK_PRIORITY HIGH"),
    ("sqlite", "PRAGMA busy_timeout = 0"),
    ("sqlite", "PRAGMA main.busy_timeout(0)"),
]


@pytest.mark.parametrize(("provider", "sql"), NEUTRALISED, ids=[case[1] for case in NEUTRALISED])
def test_timeout_settings_are_not_sent(provider, sql):
    assert guard(provider, f"{sql};\nCREATE TABLE t (id INT)") == ([(1, sql)], None)


def test_the_reason_names_the_setting():
    neutralised, refusal = guard_settings(
        split_statements("SET lock_timeout = 0;\nSET statement_timeout = 0;\nRESET ALL", syntax("postgresql")),
        offline_database("postgresql").rehearsal,
    )
    assert refusal is None
    assert [entry.as_dict() for entry in neutralised] == [
        {
            "index": 1,
            "statement": "SET lock_timeout = 0",
            "reason": "sets lock_timeout, which would loosen the rehearsal's own bounds: not sent to the "
            "rehearsal (the real deploy still runs it)",
        },
        {
            "index": 2,
            "statement": "SET statement_timeout = 0",
            "reason": "sets statement_timeout, which would loosen the rehearsal's own bounds: not sent to the "
            "rehearsal (the real deploy still runs it)",
        },
        {
            "index": 3,
            "statement": "RESET ALL",
            "reason": "RESET ALL would reset the rehearsal's own bounds: not sent to the rehearsal (the real deploy "
            "still runs it)",
        },
    ]


REFUSED = [
    ("postgresql", "DO $$ BEGIN PERFORM set_config('lock_timeout', '0', true); END $$", "lock_timeout"),
    ("postgresql", "DO $$ BEGIN SET LOCAL statement_timeout = 0; END $$", "statement_timeout"),
    (
        "postgresql",
        "CREATE FUNCTION slow() RETURNS void LANGUAGE sql SET statement_timeout = 0 AS $$ SELECT 1 $$",
        "statement_timeout",
    ),
    ("postgresql", "ALTER ROLE app SET lock_timeout = 0", "lock_timeout"),
    ("postgresql", "SELECT set_config('lock_timeout', '0', false), now()", "lock_timeout"),
    ("mysql", "SET STATEMENT max_statement_time=0 FOR SELECT 1", "max_statement_time"),
    ("sqlserver", "SELECT set_config('statement_timeout', '0', 'true')", "statement_timeout"),
]


@pytest.mark.parametrize(("provider", "sql", "setting"), REFUSED, ids=[case[1][:50] for case in REFUSED])
def test_settings_inside_other_statements_refuse_the_rehearsal(provider, sql, setting):
    neutralised, refusal = guard(provider, f"CREATE TABLE t (id INT);\n{sql}")
    assert neutralised == []
    assert refusal == (
        f"statement 2 changes {setting} from inside another statement, which the rehearsal cannot keep from "
        "loosening its bounds; check it by hand"
    )


def test_other_settings_and_names_that_only_look_alike_pass():
    assert guard("postgresql", "SET search_path TO app;\nSET ROLE app") == ([], None)
    # A quoted column named like a setting is a name, not a setting.
    assert guard("postgresql", 'ALTER TABLE "Job" ADD COLUMN "lock_timeout" INT') == ([], None)
    assert guard("sqlite", "PRAGMA foreign_keys = ON") == ([], None)
    assert guard("sqlserver", "SET NOCOUNT ON") == ([], None)
    # Comments are not statements.
    assert guard("postgresql", "-- SET lock_timeout = 0\nCREATE TABLE t (id INT)") == ([], None)


def test_a_batch_loses_exactly_the_statements_not_sent():
    script = (
        "BEGIN TRY\n\nBEGIN TRAN;\n\nSET LOCK_TIMEOUT -1;\n\nALTER TABLE [dbo].[User] ADD [nick] NVARCHAR(1000);\n\n"
        "SET DEADLOCK_PRIORITY HIGH;\n\nCOMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n"
        "    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
    )
    statements = split_statements(script, syntax("sqlserver"))
    assert [statement.text for statement in statements][:3] == [
        "SET LOCK_TIMEOUT -1",
        "ALTER TABLE [dbo].[User] ADD [nick] NVARCHAR(1000)",
        "SET DEADLOCK_PRIORITY HIGH",
    ]
    sent = without_statements(script, statements, {1, 3})
    assert sent == script.replace("SET LOCK_TIMEOUT -1", "DECLARE @dbops_not_sent_1 INT").replace(
        "SET DEADLOCK_PRIORITY HIGH", "DECLARE @dbops_not_sent_3 INT"
    )
    assert without_statements(script, statements, set()) == script


def test_a_statement_repeated_is_replaced_where_it_stands():
    script = "SET LOCK_TIMEOUT -1;\nSELECT 'SET LOCK_TIMEOUT -1';\nSET LOCK_TIMEOUT -1;\n"
    statements = split_statements(script, syntax("sqlserver"))
    assert without_statements(script, statements, {3}) == (
        "SET LOCK_TIMEOUT -1;\nSELECT 'SET LOCK_TIMEOUT -1';\nDECLARE @dbops_not_sent_3 INT;\n"
    )
