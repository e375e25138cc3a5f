# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn prisma_migration_status's result into p3009_status.yml's report, table and JUnit XML."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status_report import (
    build_report,
    report_junit,
    report_table,
)


def p3009_status_report(statuses, environment_of, generated_at):
    return build_report(list(statuses), dict(environment_of), str(generated_at))


def p3009_status_table(report, width=100):
    return report_table(report, int(width))


def p3009_status_junit(report):
    return report_junit(report)


class FilterModule:
    def filters(self):
        return {
            "p3009_status_report": p3009_status_report,
            "p3009_status_table": p3009_status_table,
            "p3009_status_junit": p3009_status_junit,
        }
