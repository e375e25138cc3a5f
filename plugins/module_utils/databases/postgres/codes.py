# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: its error codes, as cause kinds, and what Prisma adds to its errors (Position block, debug form)."""

from __future__ import annotations

import re

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import CodeTable

# Prisma's schema engine sends a PostgreSQL migration whole; for an error with a position it prints the script
# around it in a Position block, the failing line as a bold line number followed by red text.
POSITION = "\n\nPosition:\n"
POSITION_LINE = re.compile(r"\x1b\[1m\s*(?P<line>\d+)\x1b\[1;31m")
# The Rust debug form of the error (`DbError { severity: ..., code: ... }`), which repeats the message.
DEBUG_FORM = "\n\nDbError {"

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

    def split_native_error(self, error: str) -> tuple[str, int | None, int | None]:
        error_line = None
        position = error.find(POSITION)
        if position != -1:
            marked = POSITION_LINE.search(error, position)
            error_line = int(marked.group("line")) if marked else None
            error = error[:position]
        debug = error.find(DEBUG_FORM)
        if debug != -1:
            error = error[:debug]
        return error, None, error_line
