"""A fleet check's counts and lists, computed once for the status module and the report."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status import OUTCOMES, fleet_tally
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status_report import build_report

STATUSES = [
    {"name": "b", "outcome": "blocked"},
    {"name": "a", "outcome": "ok"},
    {"name": "d", "outcome": "unreachable"},
    {"name": "c", "outcome": "lock_held"},
    {"name": "e", "outcome": "lock_wait"},
]


def test_every_outcome_is_counted_and_the_lists_keep_the_order_given():
    tally = fleet_tally(STATUSES)
    assert list(tally["counts"]) == list(OUTCOMES)
    assert {outcome: count for outcome, count in tally["counts"].items() if count} == {
        "ok": 1,
        "blocked": 1,
        "lock_held": 1,
        "lock_wait": 1,
        "unreachable": 1,
    }
    assert tally["failing"] == ["b", "c"]
    assert tally["unchecked"] == ["d", "e"]


def test_the_report_carries_the_same_tally_in_its_own_order():
    report = build_report(STATUSES, {}, "2026-03-01T10:00:00Z")
    tally = fleet_tally(STATUSES)
    assert report["counts"] == tally["counts"]
    assert report["failing"] == sorted(tally["failing"]) and report["unchecked"] == sorted(tally["unchecked"])
    assert list(report) == ["schema_version", "generated_at", "environments", "counts", "failing", "unchecked",
                            "databases"]  # fmt: skip
