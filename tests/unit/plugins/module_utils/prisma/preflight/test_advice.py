"""What to do next, from the verdict, the cause, the offending rows and the rehearsal."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.advice import advise
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import Cause
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.effects import Judgement
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.offending import Offending
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.rehearsal import Rehearsal, skipped
from ansible_collections.backoffice.dbops.tests.support.judging import offending_plan, user, verdict_of


def test_advice_names_table_columns_count_and_a_sample_only_when_asked():
    unique = offending_plan("postgresql", 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")', "unique_violation")
    cause = Cause("unique_violation", 1, "CREATE ...", "23505", "")
    failed = Rehearsal(ran=True, succeeded=False, failed_statement_index=1, error_kind="unique_violation")
    _statements, none = verdict_of(
        "postgresql", 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio")', {"User": user()}, failing=1
    )
    sampled = Offending(unique, 2, 1, [{"values": {"bio": "same"}, "rows": 2}])
    advice, text = advise("m", "failed", none, cause, sampled, failed)
    assert advice == "fix_data_then_retry"
    assert text == (
        "Will fail at statement 1: 2 rows of User share bio 'same'; fix them, then resolve it as rolled back and "
        "redeploy."
    )
    counted = Offending(unique, 5, 2, [])
    assert "5 rows of User share 2 duplicated bio value(s);" in advise("m", "failed", none, cause, counted, failed)[1]
    fixed = Offending(unique, 0, 0, [])
    assert advise("m", "failed", none, cause, fixed, Rehearsal(ran=True, succeeded=True))[0] == "retry"
    mysql = skipped("MySQL and MariaDB commit every DDL statement implicitly")
    assert advise("m", "failed", none, cause, fixed, mysql)[0] == "retry"
    syntax = Cause("syntax_error", 1, "CREATE TABLEX", "42601", "syntax error")
    assert advise("m", "failed", none, syntax, None, mysql)[0] == "investigate"


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
