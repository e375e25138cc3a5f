# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters behind the audit record: database error texts and Prisma's `logs` without data values."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.error_redaction import (
    redact_database_error,
    redact_migration_logs,
)


class FilterModule:
    def filters(self):
        return {
            "redact_database_error": redact_database_error,
            "redact_migration_logs": redact_migration_logs,
        }
