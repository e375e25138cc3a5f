"""The recovery's go/no-go after a preflight, over every combination of what decides it.

The oracle is the role's former `when:` conditions (tasks/preflight.yml up to 0.3.0), restated: the gate must stop
exactly where they stopped, with the first of them that applied.
"""

from __future__ import annotations

import itertools

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.gate import (
    APPLIED_STATEMENTS,
    DATA_NOT_FIXED,
    MISSING_STATEMENTS,
    NEEDS_OVERRIDE,
    REHEARSAL_TIMED_OUT,
    REPAIR_UNAVAILABLE,
    RESOLVE,
    UNKNOWN,
    Intent,
    gate,
)

MIGRATION = "20201127134938_added_bio_index"
VERDICTS = ("none", "partial", "complete", "unknown")
REHEARSALS = {
    "skipped": {"ran": False, "succeeded": None, "timed_out": False},
    "succeeded": {"ran": True, "succeeded": True, "timed_out": False},
    "failed": {"ran": True, "succeeded": False, "timed_out": False},
    "timed_out": {"ran": True, "succeeded": False, "timed_out": True},
}


def result(verdict="none", migration_state="failed", rehearsal="skipped", offending_count=None, cause=True):
    return {
        "migration": MIGRATION,
        "migration_state": migration_state,
        "verdict": verdict,
        "cause": {"kind": "unique_violation", "statement_index": 2} if cause else None,
        "offending": None if offending_count is None else {"count": offending_count, "table": "User"},
        "statements": [
            {"index": 1, "category": "schema", "effect_present": True},
            {"index": 2, "category": "schema", "effect_present": False},
            {"index": 3, "category": "session", "effect_present": False},
            {"index": 4, "category": "data", "effect_present": None},
        ],
        "unjudged": [{"index": 4, "label": 'UPDATE "User" SET', "reason": "data changes are not in the catalog"}],
        "rehearsal": {
            **REHEARSALS[rehearsal],
            "failed_statement_index": 2 if REHEARSALS[rehearsal]["succeeded"] is False else None,
            "error_kind": "unique_violation" if REHEARSALS[rehearsal]["succeeded"] is False else None,
            "error": "duplicate key" if REHEARSALS[rehearsal]["succeeded"] is False else None,
            "skipped_reason": "rehearse is false." if rehearsal == "skipped" else None,
        },
        "advice": "investigate",
        "advice_text": "Look at it.",
    }


def former_role(preflight, intent):
    """The checks tasks/preflight.yml made in Jinja, in its order."""
    rehearsal = preflight["rehearsal"]
    verdict = preflight["verdict"]
    if verdict == "unknown" and intent.accept_unknown != intent.migration:
        return UNKNOWN
    if (
        intent.state == "applied"
        and preflight["migration_state"] == "failed"
        and verdict in ["none", "partial"]
        and not intent.accept_partial
    ):
        return MISSING_STATEMENTS
    if intent.state == "rolled_back" and verdict in ["partial", "complete"] and not intent.accept_partial:
        return APPLIED_STATEMENTS
    if intent.state == "rolled_back" and rehearsal["timed_out"] and not intent.resolve_without_fix:
        return REHEARSAL_TIMED_OUT
    count = (preflight["offending"] or {}).get("count") or 0
    if (
        intent.state == "rolled_back"
        and verdict not in ["partial", "complete"]
        and not rehearsal["timed_out"]
        and ((rehearsal["ran"] and not rehearsal["succeeded"]) or (not rehearsal["ran"] and count > 0))
        and not intent.resolve_without_fix
    ):
        return DATA_NOT_FIXED
    return None


COMBINATIONS = list(
    itertools.product(
        VERDICTS,
        ("failed", "pending"),
        REHEARSALS,
        (None, 0, 3),
        ("rolled_back", "applied"),
        (False, True),
        ("", MIGRATION, "another_migration"),
        (False, True),
    )
)


@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda combination: "-".join(map(str, combination)))
def test_the_gate_stops_exactly_where_the_role_stopped(combination):
    verdict, migration_state, rehearsal, count, state, accept_partial, accept_unknown, without_fix = combination
    preflight = result(verdict, migration_state, rehearsal, count)
    intent = Intent(MIGRATION, state, accept_partial, accept_unknown, without_fix)
    decided = gate(preflight, intent)
    expected = former_role(preflight, intent)
    assert decided["check"] == expected
    assert decided["action"] == (RESOLVE if expected is None else NEEDS_OVERRIDE)
    if expected is None:
        assert decided["message"] is None
    else:
        # Every stop says nothing was written and names the override that lets a person go on.
        assert "Nothing was written" in decided["message"]
        assert "accept_" in decided["message"] or "resolve_without_fix" in decided["message"]
    assert decided["redeploy_held"] is (REHEARSALS[rehearsal]["ran"] and not REHEARSALS[rehearsal]["succeeded"])


def test_unknown_names_each_unjudged_statement_and_the_override():
    message = gate(result("unknown"), Intent(MIGRATION, "rolled_back"))["message"]
    assert message == (
        f"What {MIGRATION} left behind cannot be told from the catalog (verdict unknown), so neither rolled back nor "
        'applied is safe: statement 4 (UPDATE "User" SET): data changes are not in the catalog; Nothing was written. '
        f"Once a person has checked, re-run with -e accept_unknown={MIGRATION}."
    )


def test_unknown_without_unjudged_statements_quotes_the_advice():
    preflight = {**result("unknown"), "unjudged": []}
    message = gate(preflight, Intent(MIGRATION, "applied"))["message"]
    assert "is safe: Look at it. Nothing was written." in message


def test_applied_names_the_lasting_statements_not_in_effect():
    message = gate(result("partial"), Intent(MIGRATION, "applied"))["message"]
    assert message == (
        f"{MIGRATION} has statement(s) 2 not in effect (verdict partial): applied would make Prisma skip them for "
        "good. Nothing was written. Run them with -e repair=complete (the completion script above), or re-run with "
        "-e accept_partial=true once the schema is as the migration leaves it."
    )


def test_a_pending_migration_marked_applied_is_a_baseline():
    assert gate(result("none", "pending"), Intent(MIGRATION, "applied"))["action"] == RESOLVE


def test_rolled_back_names_the_lasting_statements_in_effect():
    message = gate(result("complete"), Intent(MIGRATION, "rolled_back"))["message"]
    assert message.startswith(f"{MIGRATION} left statement(s) 1 applied (verdict complete): rolled back would make")
    assert message.endswith(
        "Undo them with -e repair=revert or run the rest with -e repair=complete (the scripts above); after "
        "compensating by hand, re-run with -e accept_partial=true."
    )


def test_a_stopped_rehearsal_says_where_and_why():
    message = gate(result(rehearsal="timed_out"), Intent(MIGRATION, "rolled_back"))["message"]
    assert message.startswith(
        f"The rehearsal of {MIGRATION} was stopped at statement 2 and rolled back (duplicate key): whether it will "
        "succeed is not known. Nothing was written."
    )


def test_data_in_the_way_is_counted_never_sampled():
    message = gate(result(offending_count=3), Intent(MIGRATION, "rolled_back"))["message"]
    assert message == (
        "Will fail at statement 2 (unique_violation): 3 row(s) of User in the way, listed above with the query that "
        "finds them. Resolving now would only bring P3009 back on the next deploy. Nothing was written. Fix the data "
        "and run again (-e resolve_without_fix=true resolves anyway)."
    )


def test_a_failing_rehearsal_without_a_recorded_cause():
    preflight = result(rehearsal="failed", cause=False)
    assert gate(preflight, Intent(MIGRATION, "rolled_back"))["message"].startswith(
        "Will fail at statement 2 (unique_violation). Resolving now"
    )
    preflight["rehearsal"].update(failed_statement_index=None, error_kind=None)
    message = gate(preflight, Intent(MIGRATION, "rolled_back"))["message"]
    assert message.startswith("Will fail at statement ? (unknown).")


def test_the_audit_facts_carry_no_sample_and_no_message():
    preflight = result("partial", rehearsal="skipped", offending_count=3)
    audit = gate(preflight, Intent(MIGRATION, "rolled_back", True, MIGRATION, False, "prod is protected"))["audit"]
    assert audit == {
        "cause_kind": "unique_violation",
        "cause_statement_index": 2,
        "offending_count": 3,
        "verdict": "partial",
        "applied_statements": [1],
        "rehearsal": {
            "ran": False,
            "succeeded": None,
            "failed_statement_index": None,
            "error_kind": None,
            "skipped_reason": "prod is protected",
            "timed_out": False,
        },
        "advice": "investigate",
        "unjudged_statements": [4],
        "accept_partial": True,
        "accept_unknown": True,
        "resolve_without_fix": False,
        "repair": None,
    }


def test_without_a_hold_the_module_says_why_the_rehearsal_did_not_run():
    audit = gate({**result(), "cause": None}, Intent(MIGRATION, "rolled_back", accept_unknown="other"))["audit"]
    assert audit["rehearsal"]["skipped_reason"] == "rehearse is false."
    assert audit["cause_kind"] is None and audit["offending_count"] is None and audit["accept_unknown"] is False


def with_repair(preflight, *, lossless=True):
    refused = [] if lossless else [{"index": 1, "label": "ALTER TABLE User DROP COLUMN email", "reason": "lossy"}]
    preflight["repair"] = {
        "revert": {"statements": [1], "script": None if refused else "X;\n", "sha256": "a" * 64,
                   "lossless": lossless, "refused": refused},
        "complete": {"statements": [2], "script": "Y;\n", "sha256": "b" * 64},
    }  # fmt: skip
    return preflight


@pytest.mark.parametrize(("repair", "state"), [("revert", "rolled_back"), ("complete", "applied")])
def test_a_repair_replaces_the_checks_of_statements_in_effect(repair, state):
    decided = gate(with_repair(result("partial")), Intent(MIGRATION, state, repair=repair))
    assert decided["action"] == RESOLVE, decided["message"]
    assert decided["audit"]["repair"] == {
        "kind": repair,
        "sha256": ("a" if repair == "revert" else "b") * 64,
        "statements": [1] if repair == "revert" else [2],
    }


def test_a_repair_still_stops_on_rows_in_the_way_and_on_an_unknown_verdict():
    in_the_way = gate(
        with_repair(result("partial", offending_count=2)), Intent(MIGRATION, "rolled_back", repair="revert")
    )
    assert in_the_way["check"] == DATA_NOT_FIXED
    unknown = gate(result("unknown"), Intent(MIGRATION, "rolled_back", repair="revert"))
    assert unknown["check"] == UNKNOWN


def test_a_lossy_revert_a_missing_repair_or_a_mismatched_state_is_refused_naming_why():
    lossy = gate(with_repair(result("partial"), lossless=False), Intent(MIGRATION, "rolled_back", repair="revert"))
    assert lossy["check"] == REPAIR_UNAVAILABLE
    assert "statement 1 (ALTER TABLE User DROP COLUMN email): lossy" in lossy["message"]
    assert "-e repair=complete" in lossy["message"]
    missing = gate(result("none"), Intent(MIGRATION, "rolled_back", repair="revert"))
    assert missing["check"] == REPAIR_UNAVAILABLE and "No repair is derived" in missing["message"]
    mismatched = gate(with_repair(result("partial")), Intent(MIGRATION, "rolled_back", repair="complete"))
    assert mismatched["check"] == REPAIR_UNAVAILABLE and "resolves the migration as applied" in mismatched["message"]
