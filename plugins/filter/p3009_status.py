# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn prisma_migration_status's result into p3009_status.yml's report, table, JUnit XML, AWX summary
and verdict, and merge the reports of a fleet's slices."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.fleet_inventory import (
    FleetInventoryError,
    environment_members,
    servers_to_open,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status_report import (
    ReportError,
    build_report,
    merge_reports,
    report_junit,
    report_summary,
    report_table,
    report_verdict,
)


def p3009_status_report(statuses, environment_of, generated_at):
    return build_report(list(statuses), dict(environment_of), str(generated_at))


def p3009_status_table(report, width=100):
    return report_table(report, int(width))


def p3009_status_junit(report):
    return report_junit(report)


def p3009_status_summary(report):
    return report_summary(report)


def p3009_status_verdict(report, allow_unchecked=False):
    return report_verdict(report, bool(allow_unchecked))


def p3009_status_merge(reports):
    try:
        return merge_reports(list(reports))
    except ReportError as exc:
        raise AnsibleFilterError(str(exc)) from None


def p3009_status_members(environment, own, listed, defaults, expected=None):
    try:
        return environment_members(
            str(environment), dict(own) if own else None, list(listed or []), dict(defaults), expected
        )
    except FleetInventoryError as exc:
        raise AnsibleFilterError(str(exc)) from None


def p3009_status_servers(access):
    return servers_to_open(list(access))


class FilterModule:
    def filters(self):
        return {
            "p3009_status_report": p3009_status_report,
            "p3009_status_table": p3009_status_table,
            "p3009_status_junit": p3009_status_junit,
            "p3009_status_summary": p3009_status_summary,
            "p3009_status_verdict": p3009_status_verdict,
            "p3009_status_merge": p3009_status_merge,
            "p3009_status_members": p3009_status_members,
            "p3009_status_servers": p3009_status_servers,
        }
