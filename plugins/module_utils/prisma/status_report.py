# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report of p3009_status.yml in its forms: the versioned JSON document (the contract for machines), a
table for people, JUnit XML so CI systems show blocked databases as failed tests, the bounded summary AWX keeps as
the job's artifact, and the run's verdict. Reports of slices of one fleet merge into the report of the whole.

Pure. The JSON document's shape is docs/p3009_status_report.schema.json; change it only with a new schema_version.
"""

from __future__ import annotations

import json
import re
import textwrap
from xml.etree import ElementTree

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status import (
    FAILING_OUTCOMES,
    UNCHECKED_OUTCOMES,
    fleet_tally,
)

SCHEMA_VERSION = 2
# The facts a report entry may carry, beyond environment, name, database, outcome and detail.
ENTRY_FACTS = (
    "error_kind",
    "hint",
    "client_ip",
    "failed_migrations",
    "p3009_message",
    "pending",
    "edited",
    "missing_locally",
    "lock_holders",
    "elapsed",
)
# How many databases a failure message names before "and N more".
NAMED_IN_MESSAGES = 20
# The set_stats summary (AWX keeps it as the job's artifacts, shows it, and passes it on as extra variables to the
# next workflow node; AWX drops an event's result data beyond MAX_EVENT_RES_DATA, 700,000 bytes by default, and the
# summary travels twice, in the set_stats task's result and in the playbook's stats event): at most this many
# databases, this many characters of detail each, and this many bytes of databases in all.
SUMMARY_DATABASES = 500
SUMMARY_DETAIL_CHARS = 200
SUMMARY_BYTES = 256 * 1024
# XML 1.0 has no way to carry these characters, not even escaped: JUnit XML shows them as \xNN.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Characters a terminal would act on rather than show.
_NOT_PRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f]")


class ReportError(ValueError):
    """Reports that cannot be merged; the message says which and why."""


def build_report(statuses: list[dict], environment_of: dict, generated_at: str) -> dict:
    """The JSON report from the status module's `databases` and the environment each database belongs to."""
    entries = []
    for status in statuses:
        entry = {
            "environment": environment_of.get(status["name"]),
            "name": status["name"],
            "database": status.get("database"),
            "outcome": status["outcome"],
            "detail": status.get("detail", ""),
        }
        entry.update({key: status[key] for key in ENTRY_FACTS if status.get(key) not in (None, [], "")})
        entries.append(entry)
    return _assemble(entries, generated_at)


def merge_reports(reports: list[dict]) -> dict:
    """One report from the reports of slices of a fleet (each database in exactly one): the report one run over
    the whole fleet gives, dated when the first slice ran."""
    if not reports:
        raise ReportError("No report to merge.")
    versions = sorted({report.get("schema_version") for report in reports}, key=str)
    if versions != [SCHEMA_VERSION]:
        raise ReportError(
            f"Only reports of schema_version {SCHEMA_VERSION} merge; got {', '.join(map(str, versions))}: "
            "check every slice with the same release of backoffice.dbops."
        )
    entries = [entry for report in reports for entry in report["databases"]]
    names = [entry["name"] for entry in entries]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ReportError(
            f"{len(twice)} database(s) appear in more than one report: {named(twice)}; merge the reports of one "
            "run's slices only."
        )
    return _assemble(entries, min(report["generated_at"] for report in reports))


def _assemble(entries: list[dict], generated_at: str) -> dict:
    # One order whatever the run's shape (one run, or slices merged): by environment, then name.
    entries = sorted(entries, key=lambda entry: (entry["environment"] or "", entry["name"]))
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": generated_at,
        "environments": sorted({entry["environment"] for entry in entries if entry["environment"]}),
        **fleet_tally(entries),
        "databases": entries,
    }


def printable(text) -> str:
    """`text` safe to print on a terminal: control characters as \\xNN."""
    return _NOT_PRINTABLE.sub(lambda match: f"\\x{ord(match.group(0)):02x}", str(text))


def count_line(report: dict) -> str:
    """How many databases were checked, and how many have each outcome that occurred."""
    summary = ", ".join(f"{count} {outcome}" for outcome, count in report["counts"].items() if count)
    return f"{len(report['databases'])} databases: {summary or 'none'}"


def report_table(report: dict, width: int = 100) -> str:
    """One row per database: environment, database, outcome, and the whole detail wrapped to `width`."""
    header = ("ENVIRONMENT", "DATABASE", "OUTCOME")
    rows = [
        (printable(entry["environment"] or "-"), printable(entry["name"]), entry["outcome"], entry["detail"])
        for entry in report["databases"]
    ]
    sizes = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
    indent = sum(sizes) + 2 * 3
    room = max(30, width - indent)
    lines = []
    for *left, detail in [(*header, "DETAIL"), *rows]:
        # Words stay whole (migration names are copied from here), so a longer one overhangs the width.
        text = printable(" ".join(str(detail).split()))
        wrapped = textwrap.wrap(text, room, break_long_words=False, break_on_hyphens=False) or [""]
        cells = "  ".join(value.ljust(size) for value, size in zip(left, sizes, strict=True))
        lines.append(f"{cells}  {wrapped[0]}".rstrip())
        lines.extend(" " * indent + more for more in wrapped[1:])
    return "\n".join([*lines, "", count_line(report)])


def report_junit(report: dict) -> str:
    """JUnit XML: a test suite per environment, a test case per database; blocked, lock_held and unsupported are
    failures, the databases that could not be checked errors (their state is unknown), the rest pass. Characters
    XML cannot carry show as \\xNN, so any CI system can parse the file."""
    suites = {}
    for entry in report["databases"]:
        suites.setdefault(entry["environment"] or "default", []).append(entry)
    root = ElementTree.Element("testsuites", _tally("p3009 status", report["databases"]))
    for environment, entries in suites.items():
        suite = ElementTree.SubElement(root, "testsuite", _tally(environment, entries))
        suite.set("timestamp", _xml(report["generated_at"]))
        for entry in entries:
            _testcase(suite, environment, entry)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _tally(name: str, entries: list[dict]) -> dict:
    tally = fleet_tally(entries)
    return {
        "name": _xml(name),
        "tests": str(len(entries)),
        "failures": str(len(tally["failing"])),
        "errors": str(len(tally["unchecked"])),
    }


def _testcase(suite, environment: str, entry: dict) -> None:
    case = ElementTree.SubElement(suite, "testcase", {"classname": _xml(environment), "name": _xml(entry["name"])})
    if entry.get("elapsed") is not None:
        case.set("time", str(entry["elapsed"]))
    body = "\n".join(text for text in (entry["detail"], entry.get("p3009_message"), entry.get("hint")) if text)
    if entry["outcome"] in FAILING_OUTCOMES or entry["outcome"] in UNCHECKED_OUTCOMES:
        tag = "failure" if entry["outcome"] in FAILING_OUTCOMES else "error"
        verdict = ElementTree.SubElement(
            case, tag, {"type": entry["outcome"], "message": _xml(f"{entry['outcome']}: {entry['detail']}")}
        )
        verdict.text = _xml(body)
    else:
        ElementTree.SubElement(case, "system-out").text = _xml(f"{entry['outcome']}: {entry['detail']}")


def _xml(value) -> str:
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group(0)):02x}", str(value))


def report_summary(report: dict) -> dict:
    """What set_stats publishes: the counts; the names of the databases that fail and of those not checked (at most
    SUMMARY_DATABASES each); per database its name, environment, outcome, error_kind and detail (cut), those that
    fail or could not be checked first, bounded by SUMMARY_DATABASES and SUMMARY_BYTES; `omitted` says how many
    more the report files hold."""
    rank = {outcome: 0 for outcome in FAILING_OUTCOMES} | {outcome: 1 for outcome in UNCHECKED_OUTCOMES}
    ordered = sorted(report["databases"], key=lambda entry: rank.get(entry["outcome"], 2))
    listed, size = [], 0
    for entry in ordered[:SUMMARY_DATABASES]:
        detail = entry["detail"]
        item = {
            "name": entry["name"],
            "environment": entry["environment"],
            "outcome": entry["outcome"],
            "error_kind": entry.get("error_kind"),
            "detail": detail if len(detail) <= SUMMARY_DETAIL_CHARS else detail[: SUMMARY_DETAIL_CHARS - 1] + "…",
        }
        size += len(json.dumps(item)) + 2  # and the list's separator
        if size > SUMMARY_BYTES:
            break
        listed.append(item)
    return {
        "schema_version": report["schema_version"],
        "generated_at": report["generated_at"],
        "counts": report["counts"],
        "failing": report["failing"][:SUMMARY_DATABASES],
        "unchecked": report["unchecked"][:SUMMARY_DATABASES],
        "databases": listed,
        "omitted": len(report["databases"]) - len(listed),
    }


def named(names: list[str], limit: int = NAMED_IN_MESSAGES) -> str:
    """At most `limit` names, then how many more."""
    shown = ", ".join(printable(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def report_verdict(report: dict, allow_unchecked: bool = False) -> dict:
    """Whether the run fails, and what it says: `message` (the failure, or the all-clear), `warning` (databases
    left unchecked under allow_unchecked). A deploy is blocked somewhere, or a database could not be checked (its
    state is unknown, so nothing can be said about it unless the operator accepts that)."""
    by_outcome = {entry["name"]: entry["outcome"] for entry in report["databases"]}
    reasons = []
    if report["failing"]:
        described = [f"{name} {by_outcome[name]}" for name in report["failing"]]
        reasons.append(f"{len(described)} database(s) stop a deploy: {named(described)}.")
    unchecked = report["unchecked"]
    why = ", ".join(
        f"{count} {outcome}" for outcome, count in report["counts"].items() if count and outcome in UNCHECKED_OUTCOMES
    )
    unchecked_text = f"{len(unchecked)} database(s) could not be checked ({why}): {named(unchecked)}."
    warning = None
    if unchecked and allow_unchecked:
        warning = unchecked_text + " Their state is unknown; accepted with allow_unchecked."
    elif unchecked:
        reasons.append(
            unchecked_text + " Their state is unknown: see the hint of each, or pass -e allow_unchecked=true to "
            "accept that."
        )
    line = count_line(report) + "."
    if reasons:
        return {"failed": True, "message": " ".join([*reasons, line]), "warning": warning}
    checked = len(report["databases"]) - len(unchecked)
    return {"failed": False, "message": f"No database is blocked: {checked} checked. {line}", "warning": warning}
