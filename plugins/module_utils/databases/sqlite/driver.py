# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: connecting through its driver, and what its errors mean."""

from __future__ import annotations

import os
from urllib.parse import quote

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import (
    ConnectionFailed,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Driver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import (
    DATABASE_MISSING,
    ConnectionProblem,
)


class SqliteDriver(Driver):
    def connect(self, *, read_only: bool, lock_timeout: int, statement_timeout=None):
        del statement_timeout
        import sqlite3

        path = self.target.path
        if not os.path.isfile(path):
            raise ConnectionFailed(
                f"SQLite database file {path} does not exist.",
                error_kind=DATABASE_MISSING,
                hint="A relative file: URL resolves against project_dir (the folder of schema.prisma); "
                "set project_dir.",
            )
        # mode=ro guarantees a read cannot write; mode=rw never creates a file by accident.
        uri = f"file:{quote(path)}?mode={'ro' if read_only else 'rw'}"
        return sqlite3.connect(uri, uri=True, timeout=lock_timeout, isolation_level=None)

    def is_lock_timeout(self, error: BaseException) -> bool:
        return type(error).__module__.startswith("sqlite3") and any(
            word in str(error) for word in ("database is locked", "database is busy")
        )

    def classify_connection_error(self, error: BaseException) -> ConnectionProblem | None:
        if "unable to open database file" in str(error):
            return ConnectionProblem.of(DATABASE_MISSING)
        return None

    def error_code(self, error: BaseException) -> str | None:
        code = getattr(error, "sqlite_errorcode", None)
        return None if code is None else str(code)
