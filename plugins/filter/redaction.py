# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters behind the audit record and the role's display: database error texts and Prisma's `logs` without the
row values they quote (module_utils/common/data_values.py, the one place that removes them)."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import (
    rows_without_values,
    without_values,
)


class FilterModule:
    def filters(self):
        return {
            "redact_database_error": without_values,
            "redact_migration_logs": rows_without_values,
        }
