# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB as Prisma's `mysql` provider uses them (PyMySQL)."""

from __future__ import annotations

import re

from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connection_problems import (
    AUTH_FAILED,
    DATABASE_MISSING,
    TLS_ERROR,
    UNREACHABLE,
    ConnectionProblem,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.database_url import (
    DatabaseTarget,
    split_network_url,
    take_options,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.base import (
    LOCK_NAME,
    TABLE,
    Flavour,
    TableFacts,
    create_table_statement,
    rows_as_dicts,
)

SHAPE = "mysql://USER:PASSWORD@HOST:PORT/DATABASE"
# ER_TABLEACCESS_DENIED_ERROR: "INSERT command denied to user 'u'@'h' for table `db`.`t`".
TABLE_ACCESS_DENIED = 1142
DEFAULT_PORT = 3306
SSL_ACCEPT = ("strict", "accept_invalid_certs")
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
COLUMN_TYPES = (
    ("id", "VARCHAR(36) PRIMARY KEY NOT NULL"),
    ("checksum", "VARCHAR(64) NOT NULL"),
    ("finished_at", "DATETIME(3)"),
    ("migration_name", "VARCHAR(255) NOT NULL"),
    ("logs", "TEXT"),
    ("rolled_back_at", "DATETIME(3)"),
    ("started_at", "DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"),
    ("applied_steps_count", "INTEGER UNSIGNED NOT NULL DEFAULT 0"),
)


class MysqlFlavour(Flavour):
    provider = "mysql"
    schemes = ("mysql",)
    lockfile_providers = ("mysql",)
    fraction_digits = 3
    transactional_ddl = False

    @classmethod
    def parse_url(cls, url: str, project_dir: str | None) -> DatabaseTarget:
        del project_dir
        parts = split_network_url(url, "mysql", SHAPE, socket_parameter="socket")
        query = dict(parts.query)
        if not parts.database:
            raise DatabaseUrlError(
                f"The mysql URL names no database; the database holds _prisma_migrations. Expected {SHAPE}."
            )
        options = take_options(query, ("sslaccept", "sslcert", "sslidentity", "sslpassword"))
        if options.get("sslaccept", "strict") not in SSL_ACCEPT:
            raise DatabaseUrlError(f"Unknown sslaccept '{options['sslaccept']}' (use strict or accept_invalid_certs).")
        return DatabaseTarget(
            provider=cls.provider,
            host=parts.host,
            port=parts.port or DEFAULT_PORT,
            database=parts.database,
            user=parts.user,
            password=parts.password,
            # Prisma allows the socket path in parentheses and strips them.
            socket=parts.socket.replace("(", "").replace(")", "") if parts.socket else None,
            connect_timeout=parts.connect_timeout,
            options=options,
        )

    def connect(
        self, *, read_only: bool, lock_timeout: int, access_token=None, odbc_driver=None, statement_timeout=None
    ):
        del read_only, lock_timeout, access_token, odbc_driver
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
            "autocommit": False,
            "charset": "utf8mb4",
            # Prisma keeps DATETIME columns in UTC; the session zone only matters for column defaults.
            "init_command": "SET time_zone = '+00:00'",
        }
        if target.socket:
            params["unix_socket"] = target.socket
        if statement_timeout:
            # PyMySQL waits on a silent server forever unless the socket reads are bounded.
            params["read_timeout"] = params["write_timeout"] = statement_timeout
        if "sslcert" in target.options or target.options.get("sslaccept"):
            ssl = {"check_hostname": target.options.get("sslaccept", "strict") == "strict"}
            if "sslcert" in target.options:
                ssl["ca"] = target.options["sslcert"]
            params["ssl"] = ssl
        return pymysql.connect(**params)

    @property
    def table(self) -> str:
        return f"`{TABLE}`"

    @property
    def create_table(self) -> str:
        return create_table_statement(
            self.table, COLUMN_TYPES, suffix=" DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )

    def table_exists_query(self) -> tuple[str, tuple]:
        return (
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations'",
            (),
        )

    def bind_timestamp(self, value):
        # DATETIME(3) has no zone: Prisma stores UTC.
        return super().bind_timestamp(value).replace(tzinfo=None)

    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        # GET_LOCK belongs to the session, not the transaction: end_locked releases it.
        cursor.execute(f"SELECT GET_LOCK('{LOCK_NAME}', %s)", (lock_timeout,))
        if cursor.fetchone()[0] != 1:
            return False
        # DDL commits implicitly in MySQL: a CREATE TABLE inside this transaction is committed at once, under the lock.
        cursor.execute("START TRANSACTION")
        return True

    def end_locked(self, cursor) -> None:
        cursor.execute(f"SELECT RELEASE_LOCK('{LOCK_NAME}')")

    def denied_privilege(self, error: BaseException) -> str | None:
        args = getattr(error, "args", ())
        if len(args) == 2 and args[0] == TABLE_ACCESS_DENIED and isinstance(args[1], str):
            return args[1].split(" ", 1)[0].upper()
        return None

    # Diagnosing a database (prisma_migration_status) ----------------------------------------------------------------

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

    def history_columns_query(self) -> tuple[str, tuple]:
        return (
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations'",
            (),
        )

    def lock_holders(self, cursor) -> list[dict]:
        # GET_LOCK names belong to the server, not one database: whoever holds `prisma_migrate` blocks a deploy.
        cursor.execute(f"SELECT IS_USED_LOCK('{LOCK_NAME}')")
        holder = cursor.fetchone()[0]
        if holder is None:
            return []
        cursor.execute(
            "SELECT p.ID AS session, p.USER AS user, SUBSTRING_INDEX(p.HOST, ':', 1) AS client_address, "
            "DATE_SUB(UTC_TIMESTAMP(), INTERVAL p.TIME SECOND) AS since, p.DB AS database_name, p.COMMAND AS state "
            "FROM information_schema.PROCESSLIST AS p WHERE p.ID = %s",
            (holder,),
        )
        # Without the PROCESS privilege another user's connection is invisible: its id is all we know.
        return rows_as_dicts(cursor) or [{"session": holder}]

    # Preflight (issue 9) -------------------------------------------------------------------------------------------
    sqlglot_dialect = "mysql"
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

    def quote_name(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def fold(self, name: str) -> str:
        # Column and index names compare case-insensitively in MySQL.
        return name.lower()

    def error_code(self, error: BaseException) -> str | None:
        args = getattr(error, "args", ())
        return str(args[0]) if args and isinstance(args[0], int) else None

    def error_text(self, error: BaseException) -> str:
        args = getattr(error, "args", ())
        text = args[1] if len(args) > 1 and isinstance(args[1], str) else str(error)
        return " ".join(text.split())

    def catalog_table(self, cursor, table) -> TableFacts | None:
        schema = table.schema
        cursor.execute(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s",
            (schema, table.name),
        )
        if cursor.fetchone() is None:
            return None
        cursor.execute(
            "SELECT COLUMN_NAME, IS_NULLABLE = 'YES' FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s",
            (schema, table.name),
        )
        columns = {self.fold(name): bool(nullable) for name, nullable in cursor.fetchall()}
        cursor.execute(
            "SELECT INDEX_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s "
            "UNION SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS "
            "WHERE CONSTRAINT_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s",
            (schema, table.name, schema, table.name),
        )
        objects = frozenset(self.fold(name) for (name,) in cursor.fetchall())
        cursor.execute(
            "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) "
            "AND TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
            (schema, table.name),
        )
        return TableFacts(columns, objects, tuple(name for (name,) in cursor.fetchall()))

    def rehearsal_blocker(self, connection, statements) -> str | None:
        del connection, statements
        return (
            "MySQL and MariaDB commit every DDL statement implicitly, so a rehearsal could not be rolled back; "
            "count the offending rows instead to tell whether the data is fixed."
        )
