"""The role's gate filter: a thin wrapper that reads the role's variables as Ansible spells them."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.filter.p3009_recovery import FilterModule

MIGRATION = "20201127134938_added_bio_index"

GATE = FilterModule().filters()["p3009_recovery_gate"]


def result(verdict="none"):
    return {
        "migration_state": "failed",
        "verdict": verdict,
        "cause": None,
        "offending": None,
        "statements": [{"index": 1, "category": "schema", "effect_present": verdict == "partial"}],
        "unjudged": [],
        "rehearsal": {
            "ran": False,
            "succeeded": None,
            "timed_out": False,
            "failed_statement_index": None,
            "error_kind": None,
            "error": None,
            "skipped_reason": "rehearse is false.",
        },
        "advice": "retry",
        "advice_text": "Retry.",
    }


def test_overrides_in_any_of_ansibles_spellings():
    preflight = result("partial")
    assert GATE(preflight, MIGRATION, "rolled_back")["check"] == "applied_statements"
    assert GATE(preflight, MIGRATION, "rolled_back", accept_partial="yes")["action"] == "resolve"
    assert GATE(preflight, MIGRATION, "rolled_back", accept_partial="false")["action"] == "needs_override"


def test_an_empty_hold_leaves_the_modules_reason():
    audit = GATE(result(), MIGRATION, "rolled_back", rehearsal_held=None)["audit"]
    assert audit["rehearsal"]["skipped_reason"] == "rehearse is false."
