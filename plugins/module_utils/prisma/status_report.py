# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report of p3009_status.yml in its three forms: the versioned JSON document (the contract for machines),
a table for people, and JUnit XML so CI systems show blocked databases as failed tests.

Pure. The JSON document's shape is docs/p3009_status_report.schema.json; change it only with a new schema_version.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connection_problems import CONNECTION_KINDS
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status import FAILING_OUTCOMES, counts

SCHEMA_VERSION = 1
# The facts a report entry may carry, beyond environment, name, database, outcome and detail.
ENTRY_FACTS = (
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
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": generated_at,
        "environments": sorted({entry["environment"] for entry in entries if entry["environment"]}),
        "counts": counts(entries),
        "failing": [entry["name"] for entry in entries if entry["outcome"] in FAILING_OUTCOMES],
        "databases": entries,
    }


def report_table(report: dict, width: int = 100) -> str:
    """One line per database: environment, database, outcome, detail (cut to fit `width`)."""
    header = ("ENVIRONMENT", "DATABASE", "OUTCOME", "DETAIL")
    rows = [
        (entry["environment"] or "-", entry["name"], entry["outcome"], entry["detail"]) for entry in report["databases"]
    ]
    sizes = [max(len(str(row[column])) for row in [header, *rows]) for column in range(3)]
    lines = []
    for row in [header, *rows]:
        left = "  ".join(str(value).ljust(size) for value, size in zip(row, sizes, strict=False))
        room = max(20, width - len(left) - 2)
        detail = " ".join(str(row[3]).split())
        lines.append(f"{left}  {detail if len(detail) <= room else detail[: room - 1] + '…'}".rstrip())
    summary = ", ".join(f"{count} {outcome}" for outcome, count in report["counts"].items() if count)
    return "\n".join([*lines, "", f"{len(rows)} databases: {summary or 'none'}"])


def report_junit(report: dict) -> str:
    """JUnit XML: a test suite per environment, a test case per database; blocked, lock_held and unsupported are
    failures, connection outcomes are errors (the state is unknown), the rest pass."""
    suites = {}
    for entry in report["databases"]:
        suites.setdefault(entry["environment"] or "default", []).append(entry)
    total = len(report["databases"])
    failures = sum(entry["outcome"] in FAILING_OUTCOMES for entry in report["databases"])
    errors = sum(entry["outcome"] in CONNECTION_KINDS for entry in report["databases"])
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="p3009 status" tests="{total}" failures="{failures}" errors="{errors}">',
    ]
    for environment, entries in suites.items():
        suite_failures = sum(entry["outcome"] in FAILING_OUTCOMES for entry in entries)
        suite_errors = sum(entry["outcome"] in CONNECTION_KINDS for entry in entries)
        parts.append(
            f'  <testsuite name={quoteattr(environment)} tests="{len(entries)}" failures="{suite_failures}" '
            f'errors="{suite_errors}" timestamp={quoteattr(report["generated_at"])}>'
        )
        for entry in entries:
            parts.append(_testcase(environment, entry))
        parts.append("  </testsuite>")
    parts.append("</testsuites>")
    return "\n".join(parts) + "\n"


def _testcase(environment: str, entry: dict) -> str:
    attributes = f"classname={quoteattr(environment)} name={quoteattr(entry['name'])}"
    if entry.get("elapsed") is not None:
        attributes += f' time="{entry["elapsed"]}"'
    message = quoteattr(f"{entry['outcome']}: {entry['detail']}")
    body = "\n".join(text for text in (entry["detail"], entry.get("p3009_message"), entry.get("hint")) if text)
    if entry["outcome"] in FAILING_OUTCOMES:
        verdict = f"<failure type={quoteattr(entry['outcome'])} message={message}>{_text(body)}</failure>"
    elif entry["outcome"] in CONNECTION_KINDS:
        verdict = f"<error type={quoteattr(entry['outcome'])} message={message}>{_text(body)}</error>"
    else:
        verdict = f"<system-out>{_text(entry['outcome'] + ': ' + entry['detail'])}</system-out>"
    return f"    <testcase {attributes}>{verdict}</testcase>"


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
