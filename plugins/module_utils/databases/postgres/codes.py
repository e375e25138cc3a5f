# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: its error codes, as cause kinds."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import CodeTable

LOCK_NOT_AVAILABLE = "55P03"


QUERY_CANCELED = "57014"


class PostgresCodeTable(CodeTable):
    error_kinds = {
        "23505": "unique_violation",
        "23502": "not_null_violation",
        "23503": "foreign_key_violation",
        "23514": "check_violation",
        "22P02": "type_conversion",
        "42804": "type_conversion",
        "42846": "type_conversion",
        "22003": "type_conversion",
        "22001": "type_conversion",
        "22007": "type_conversion",
        "22008": "type_conversion",
        "42P07": "duplicate_object",
        "42701": "duplicate_object",
        "42710": "duplicate_object",
        "42P06": "duplicate_object",
        "42723": "duplicate_object",
        "42712": "duplicate_object",
        "42P01": "missing_object",
        "42703": "missing_object",
        "42704": "missing_object",
        "42883": "missing_object",
        "3F000": "missing_object",
        "42501": "permission_denied",
        LOCK_NOT_AVAILABLE: "lock_timeout",
        # Deadlocks: the statement lost a lock conflict with another session, as a lock timeout does.
        "40P01": "lock_timeout",
        # Cancelled: by statement_timeout, or by a session that ends a statement running too long.
        QUERY_CANCELED: "statement_timeout",
        "42601": "syntax_error",
    }
