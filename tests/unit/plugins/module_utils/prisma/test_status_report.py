"""The fleet report's forms beyond the JSON document: the wrapped table, JUnit XML any parser reads, the bounded
summary AWX keeps, the run's verdict, and slices' reports merged into the whole fleet's."""

import json
import random
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status import lock_wait_status
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status_report import (
    SUMMARY_BYTES,
    SUMMARY_DATABASES,
    SUMMARY_DETAIL_CHARS,
    ReportError,
    build_report,
    merge_reports,
    report_junit,
    report_summary,
    report_table,
    report_verdict,
)

SCHEMA = Path(__file__).resolve().parents[5] / "docs" / "p3009_status_report.schema.json"
WHEN = "2026-11-26T10:00:00Z"
LONG_REASON = (
    "deploy stops with P3009: failed 20201127134938_added_bio_index, 20201204101010_add_unique_email, "
    "20210101000000_backfill_ledger_totals, 20210202000000_drop_legacy_columns"
)


def entry(name, outcome="ok", detail="3 migrations, none failed", **facts):
    return {"name": name, "database": f"postgresql://db/{name}", "outcome": outcome, "detail": detail, **facts}


def report_of(statuses, environment="prod", generated_at=WHEN):
    return build_report(statuses, {status["name"]: environment for status in statuses}, generated_at)


def test_the_table_shows_the_whole_reason_wrapped_under_its_column():
    table = report_table(report_of([entry("prod", "blocked", LONG_REASON), entry("prod/tenant-a")]), width=100)
    lines = table.splitlines()
    assert all(len(line) <= 100 for line in lines)
    indent = lines[0].index("DETAIL")
    blocked = next(index for index, line in enumerate(lines) if " blocked " in line)
    rows = [lines[blocked], *(line for line in lines[blocked + 1 :] if line.startswith(" " * indent))]
    assert len(rows) > 1, table
    assert " ".join(row[indent:] for row in rows) == LONG_REASON
    assert lines[-1] == "2 databases: 1 ok, 1 blocked"


def test_control_characters_never_reach_the_terminal():
    table = report_table(report_of([entry("db\x1b[31mred", "unreachable", "refused\x07\x01")]))
    assert "\x1b" not in table and "\x07" not in table and "\x01" not in table
    assert "db\\x1b[31mred" in table and "refused\\x07\\x01" in table


def test_junit_with_control_characters_in_a_name_and_a_detail_parses():
    statuses = [
        entry("tenant\x01a", "blocked", "deploy stops with P3009: failed b\x02", p3009_message="Prisma said\x0b"),
        entry("tenant-b", "auth_failed", "password authentication failed \x1f", hint="check <&> it"),
        entry("tenant-c", "lock_wait", "waited 10 s", error_kind="lock_timeout"),
    ]
    root = ElementTree.fromstring(report_junit(report_of(statuses)).encode("utf-8"))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"tenant\\x01a", "tenant-b", "tenant-c"}
    assert cases["tenant\\x01a"].find("failure").get("message") == "blocked: deploy stops with P3009: failed b\\x02"
    assert "Prisma said\\x0b" in cases["tenant\\x01a"].find("failure").text
    assert "check <&> it" in cases["tenant-b"].find("error").text
    assert cases["tenant-c"].find("error").get("type") == "lock_wait"
    assert root.get("failures") == "1" and root.get("errors") == "2"


def test_the_summary_is_bounded_and_lists_what_fails_first():
    statuses = [entry(f"ok-{index:04}") for index in range(SUMMARY_DATABASES + 200)]
    statuses += [entry("z-blocked", "blocked", "x" * 1000), entry("z-gone", "unreachable", "refused")]
    summary = report_summary(report_of(statuses))
    assert len(summary["databases"]) == SUMMARY_DATABASES
    assert summary["omitted"] == len(statuses) - SUMMARY_DATABASES
    assert [item["name"] for item in summary["databases"][:2]] == ["z-blocked", "z-gone"]
    assert len(summary["databases"][0]["detail"]) == SUMMARY_DETAIL_CHARS
    assert summary["databases"][1]["error_kind"] == "unreachable" or summary["databases"][1]["error_kind"] is None
    assert summary["counts"]["ok"] == SUMMARY_DATABASES + 200 and summary["failing"] == ["z-blocked"]
    assert len(json.dumps(summary)) < 2 * SUMMARY_BYTES


def test_the_summary_stays_within_its_bytes_whatever_the_names():
    statuses = [entry("n" * 2000 + str(index), "blocked", "y" * 1000) for index in range(300)]
    summary = report_summary(report_of(statuses))
    assert len(json.dumps(summary["databases"])) <= SUMMARY_BYTES
    assert summary["omitted"] == 300 - len(summary["databases"]) > 0


def test_the_verdict_names_at_most_twenty_then_how_many_more():
    statuses = [entry(f"tenant-{index:03}", "blocked", "failed") for index in range(200)] + [entry("fine")]
    verdict = report_verdict(report_of(statuses))
    assert verdict["failed"]
    assert verdict["message"].startswith("200 database(s) stop a deploy: tenant-000 blocked, tenant-001 blocked, ")
    assert "tenant-019 blocked and 180 more." in verdict["message"] and "tenant-020" not in verdict["message"]
    assert verdict["message"].endswith("201 databases: 1 ok, 200 blocked.")


def test_databases_that_could_not_be_checked_fail_the_run_unless_allowed():
    statuses = [entry(f"db{index}") for index in range(3)] + [
        entry("gone", "unreachable", "refused"),
        entry("denied", "auth_failed", "password authentication failed"),
        entry("locked", "lock_wait", "waited"),
    ]
    verdict = report_verdict(report_of(statuses))
    assert verdict["failed"] and verdict["warning"] is None
    assert verdict["message"] == (
        "3 database(s) could not be checked (1 lock_wait, 1 auth_failed, 1 unreachable): denied, gone, locked. "
        "Their state is unknown: see the hint of each, or pass -e allow_unchecked=true to accept that. "
        "6 databases: 3 ok, 1 lock_wait, 1 auth_failed, 1 unreachable."
    )
    allowed = report_verdict(report_of(statuses), allow_unchecked=True)
    assert not allowed["failed"]
    assert allowed["warning"].startswith("3 database(s) could not be checked (1 lock_wait, 1 auth_failed")
    assert allowed["message"] == (
        "No database is blocked: 3 checked. 6 databases: 3 ok, 1 lock_wait, 1 auth_failed, 1 unreachable."
    )


def test_slices_merge_into_the_report_of_one_run():
    statuses = [entry(f"t{index:03}", random.Random(index).choice(["ok", "blocked", "pending"])) for index in range(40)]
    whole = build_report(statuses, {status["name"]: f"env{int(status['name'][1:]) % 3}" for status in statuses}, WHEN)
    shuffled = random.Random(7).sample(statuses, len(statuses))
    parts = [
        build_report(shuffled[index::4], {s["name"]: f"env{int(s['name'][1:]) % 3}" for s in statuses}, stamp)
        for index, stamp in enumerate(["2026-11-26T10:00:03Z", WHEN, "2026-11-26T10:00:01Z", "2026-11-26T10:00:02Z"])
    ]
    assert merge_reports(parts) == whole


def test_a_database_in_two_slices_or_an_old_report_does_not_merge():
    first, second = report_of([entry("a"), entry("b")]), report_of([entry("b")])
    with pytest.raises(ReportError, match=r"1 database\(s\) appear in more than one report: b"):
        merge_reports([first, second])
    with pytest.raises(ReportError, match="Only reports of schema_version 2 merge; got 1, 2"):
        merge_reports([first, {**second, "schema_version": 1}])


def test_every_form_of_entry_matches_the_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    holder = {
        "session": 4711,
        "user": "app",
        "granted": True,
        "since": None,
        "since_earliest": "2026-11-26T09:00:00.000Z",
        "since_latest": "2026-11-26T09:00:05.000Z",
        "state": "idle in transaction",
    }
    locked = {"name": "locked", **lock_wait_status("waited 10 s", [holder])}
    held = entry("held", "lock_held", "held", lock_holders=[{**holder, "since": "2026-11-26T09:00:01.000Z"}])
    report = report_of([locked, held, entry("\x01odd", "unsupported", "no SELECT", error_kind="permission_denied")])
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    jsonschema.validate(merge_reports([report]), json.loads(SCHEMA.read_text()))
