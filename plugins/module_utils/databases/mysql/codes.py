# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: its error codes, as cause kinds, and the query number Prisma adds to its errors."""

from __future__ import annotations

import re

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import CodeTable

# Prisma's schema engine runs a MySQL migration statement by statement and says which one failed.
QUERY_NUMBER = re.compile(r"\n*Please check the query number (?P<number>\d+) from the migration file\.\s*$")


class MysqlCodeTable(CodeTable):
    error_kinds = {
        "1062": "unique_violation",
        "1586": "unique_violation",
        "1048": "not_null_violation",
        "1138": "not_null_violation",
        "1452": "foreign_key_violation",
        "1216": "foreign_key_violation",
        "4025": "check_violation",
        "3819": "check_violation",
        "1265": "type_conversion",
        "1292": "type_conversion",
        "1366": "type_conversion",
        "1264": "type_conversion",
        "1406": "type_conversion",
        "1050": "duplicate_object",
        "1060": "duplicate_object",
        "1061": "duplicate_object",
        "1022": "duplicate_object",
        "1826": "duplicate_object",
        "1146": "missing_object",
        "1054": "missing_object",
        "1072": "missing_object",
        "1091": "missing_object",
        "1051": "missing_object",
        "1142": "permission_denied",
        "1143": "permission_denied",
        "1044": "permission_denied",
        "1227": "permission_denied",
        "1205": "lock_timeout",
        # Deadlocks: the statement lost a lock conflict with another session, as a lock timeout does.
        "1213": "lock_timeout",
        # MariaDB's max_statement_time, MySQL's max_execution_time, KILL QUERY.
        "1969": "statement_timeout",
        "3024": "statement_timeout",
        "1317": "statement_timeout",
        "1064": "syntax_error",
    }

    def split_native_error(self, error: str) -> tuple[str, int | None, int | None]:
        number = QUERY_NUMBER.search(error)
        if number is None:
            return error, None, None
        return error[: number.start()], int(number.group("number")), None
