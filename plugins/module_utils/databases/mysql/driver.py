# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: connecting through its driver, and what its errors mean."""

from __future__ import annotations

import re

from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Driver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import (
    AUTH_FAILED,
    DATABASE_MISSING,
    TLS_ERROR,
    UNREACHABLE,
    ConnectionProblem,
)

# ER_TABLEACCESS_DENIED_ERROR: "INSERT command denied to user 'u'@'h' for table `db`.`t`".
TABLE_ACCESS_DENIED = 1142


# MySQL/MariaDB error numbers of a failed connection (PyMySQL puts the number first in the error's args).
ERROR_KINDS = {
    1044: AUTH_FAILED,  # access denied to the database
    1045: AUTH_FAILED,  # access denied for the user (password)
    1698: AUTH_FAILED,  # access denied (auth plugin)
    1049: DATABASE_MISSING,
    2003: UNREACHABLE,  # refused, DNS, timeout
    2005: UNREACHABLE,  # unknown host
    2006: UNREACHABLE,  # server has gone away
    2013: UNREACHABLE,  # lost connection (read timeout)
}


class MysqlDriver(Driver):
    def connect(self, *, read_only: bool, lock_timeout: int, statement_timeout=None):
        del read_only, lock_timeout
        pymysql = import_library("pymysql", "PyMySQL", "to connect to MySQL")
        target = self.target
        params = {
            "host": target.host,
            "port": target.port,
            "user": target.user,
            # PyMySQL encodes a str password as latin-1 (a '€' cannot be sent, 'ä' is sent wrong); MySQL 8 and
            # MariaDB, like their clients, take the UTF-8 bytes.
            "password": (target.password or "").encode("utf-8"),
            "database": target.database,
            "connect_timeout": target.connect_timeout or 10,
            # PyMySQL bounds only the TCP connect with connect_timeout, and every read after it, the server's
            # greeting included, with read_timeout: a server that accepts and never answers would hold us for the
            # whole read_timeout (or forever). The handshake reads get connect_timeout; the statements, below, theirs.
            "read_timeout": target.connect_timeout or 10,
            "write_timeout": target.connect_timeout or 10,
            "autocommit": False,
            "charset": "utf8mb4",
            # Prisma keeps DATETIME columns in UTC; the session zone only matters for column defaults.
            "init_command": "SET time_zone = '+00:00'",
        }
        if target.socket:
            params["unix_socket"] = target.socket
        if "sslcert" in target.options or target.options.get("sslaccept"):
            ssl = {"check_hostname": target.options.get("sslaccept", "strict") == "strict"}
            if "sslcert" in target.options:
                ssl["ca"] = target.options["sslcert"]
            params["ssl"] = ssl
        connection = pymysql.connect(**params)
        # Once connected, reads wait statement_timeout (PyMySQL waits on a silent server forever unless its socket
        # reads are bounded), or without limit as PyMySQL does by default. PyMySQL has no setter for these: they are
        # the attributes its reads and writes consult each time (1.1 and later).
        connection._read_timeout = connection._write_timeout = statement_timeout or None
        return connection

    def denied_privilege(self, error: BaseException) -> str | None:
        args = getattr(error, "args", ())
        if len(args) == 2 and args[0] == TABLE_ACCESS_DENIED and isinstance(args[1], str):
            return args[1].split(" ", 1)[0].upper()
        return None

    def classify_connection_error(self, error: BaseException) -> ConnectionProblem | None:
        if isinstance(error, FileNotFoundError):
            # PyMySQL reads the CA file named by sslcert itself and lets the OSError through.
            return ConnectionProblem.of(TLS_ERROR)
        code = error.args[0] if error.args and isinstance(error.args[0], int) else None
        text = str(error)
        if code in (2026,) or (code == 2003 and re.search(r"SSL|certificate", text)):
            return ConnectionProblem.of(TLS_ERROR)
        kind = ERROR_KINDS.get(code)
        return ConnectionProblem.of(kind) if kind else None

    def is_statement_timeout(self, error: BaseException) -> bool:
        # 2013: the socket read ran out (read_timeout); 1969: MariaDB's max_statement_time; 3024: MySQL's.
        return bool(error.args) and error.args[0] in (2013, 1969, 3024)

    def error_code(self, error: BaseException) -> str | None:
        args = getattr(error, "args", ())
        return str(args[0]) if args and isinstance(args[0], int) else None

    def error_text(self, error: BaseException) -> str:
        args = getattr(error, "args", ())
        text = args[1] if len(args) > 1 and isinstance(args[1], str) else str(error)
        return " ".join(text.split())
