# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: its error codes, as cause kinds, and how libSQL's adapter errors start."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import CodeTable


class SqliteCodeTable(CodeTable):
    # Extended result codes, as Prisma's native engine records them.
    error_kinds = {
        "2067": "unique_violation",
        "1555": "unique_violation",
        "1299": "not_null_violation",
        "787": "foreign_key_violation",
        "275": "check_violation",
        "20": "type_conversion",
        "8": "permission_denied",
        "23": "permission_denied",
        "5": "lock_timeout",
        "6": "lock_timeout",
        "261": "lock_timeout",
        "517": "lock_timeout",
        # SQLITE_INTERRUPT: our statement_timeout stopped the statement.
        "9": "statement_timeout",
    }
    # libSQL's driver adapter writes SQLite's result code name first ("SQLITE_CONSTRAINT: NOT NULL constraint ...").
    adapter_error_prefixes = ("SQLITE_",)
