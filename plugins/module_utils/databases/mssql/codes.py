# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: its error codes, as cause kinds."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import CodeTable


class MssqlCodeTable(CodeTable):
    error_kinds = {
        "2627": "unique_violation",
        "2601": "unique_violation",
        "1505": "unique_violation",
        "515": "not_null_violation",
        # 547 is any constraint conflict: the message says which (FOREIGN KEY or CHECK).
        "245": "type_conversion",
        "8114": "type_conversion",
        "8115": "type_conversion",
        "241": "type_conversion",
        "242": "type_conversion",
        "295": "type_conversion",
        "2628": "type_conversion",
        "8152": "type_conversion",
        "2714": "duplicate_object",
        "1913": "duplicate_object",
        "2705": "duplicate_object",
        "1779": "duplicate_object",
        "2715": "duplicate_object",
        "208": "missing_object",
        "207": "missing_object",
        "3701": "missing_object",
        "4902": "missing_object",
        "15248": "missing_object",
        "229": "permission_denied",
        "262": "permission_denied",
        "297": "permission_denied",
        "1222": "lock_timeout",
        # Deadlock victim: the statement lost a lock conflict with another session, as a lock timeout does.
        "1205": "lock_timeout",
        "102": "syntax_error",
        "105": "syntax_error",
        "156": "syntax_error",
        "170": "syntax_error",
        "319": "syntax_error",
    }

    def classify_error(self, code: str | None, message: str) -> str:
        if str(code) == "547":
            return "check_violation" if "CHECK" in message.upper() else "foreign_key_violation"
        return super().classify_error(code, message)
