"""The filters the audit record uses are the redaction functions, registered under their documented names."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.filter.redaction import FilterModule
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.error_redaction import (
    redact_database_error,
    redact_migration_logs,
)


def test_filters_are_registered_under_their_documented_names():
    assert FilterModule().filters() == {
        "redact_database_error": redact_database_error,
        "redact_migration_logs": redact_migration_logs,
    }
