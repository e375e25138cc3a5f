"""The filters the audit record and the role use are the one redaction of module_utils/common/data_values.py,
registered under their documented names."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.filter.redaction import FilterModule
from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import (
    rows_without_values,
    without_values,
)


def test_filters_are_registered_under_their_documented_names():
    assert FilterModule().filters() == {
        "redact_database_error": without_values,
        "redact_migration_logs": rows_without_values,
    }
