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
    UNREADABLE,
    ColumnInfo,
    Flavour,
    ObjectInfo,
    TableInfo,
    create_table_statement,
    rows_as_dicts,
)

SHAPE = "mysql://USER:PASSWORD@HOST:PORT/DATABASE"
# ER_TABLEACCESS_DENIED_ERROR: "INSERT command denied to user 'u'@'h' for table `db`.`t`".
TABLE_ACCESS_DENIED = 1142
DEFAULT_PORT = 3306
SSL_ACCEPT = ("strict", "accept_invalid_certs")
# A statement taking Prisma's lock, as a LIKE pattern (`_` escaped): SELECT GET_LOCK('prisma_migrate', ...).
LOCK_STATEMENT = "%GET\\_LOCK%" + LOCK_NAME.replace("_", "\\_") + "%"
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
        # PROCESSLIST's TIME is how long the session has been in its current command: while it sleeps, the end of
        # its last statement, by which it had taken the lock.
        cursor.execute(
            "SELECT p.ID AS session, p.USER AS user, SUBSTRING_INDEX(p.HOST, ':', 1) AS client_address, "
            "NULL AS since, NULL AS since_earliest, CASE WHEN p.COMMAND = 'Sleep' "
            "THEN DATE_SUB(UTC_TIMESTAMP(), INTERVAL p.TIME SECOND) ELSE UTC_TIMESTAMP() END AS since_latest, "
            "p.DB AS database_name, p.COMMAND AS state FROM information_schema.PROCESSLIST AS p WHERE p.ID = %s",
            (holder,),
        )
        # Without the PROCESS privilege another user's connection is invisible: its id is all we know.
        holders = rows_as_dicts(cursor) or [{"session": holder}]
        holders[0]["since"] = self._lock_taken_at(cursor, holder)
        return holders

    def _lock_taken_at(self, cursor, session: int):
        """When `session` took Prisma's lock: the end of its GET_LOCK('prisma_migrate') in performance_schema's
        statement history (MySQL keeps each thread's last 10 statements by default; MariaDB when
        performance_schema and its events_statements_current/history consumers are on). Performance-schema timers
        count from the server's start: the holder's statement is dated from our own running statement's timer.
        None when the history does not have it (off, not readable, or pushed out by later statements)."""
        try:
            cursor.execute(
                "SELECT UTC_TIMESTAMP(6) - INTERVAL ((mine.TIMER_START - taken.TIMER_END) DIV 1000000) MICROSECOND "
                "FROM performance_schema.events_statements_history AS taken "
                "JOIN performance_schema.threads AS holder ON holder.THREAD_ID = taken.THREAD_ID "
                "JOIN performance_schema.threads AS me ON me.PROCESSLIST_ID = CONNECTION_ID() "
                "JOIN performance_schema.events_statements_current AS mine ON mine.THREAD_ID = me.THREAD_ID "
                "WHERE holder.PROCESSLIST_ID = %s AND taken.TIMER_END IS NOT NULL AND taken.ERRORS = 0 "
                "AND taken.SQL_TEXT LIKE %s ORDER BY taken.TIMER_END DESC LIMIT 1",
                (session, LOCK_STATEMENT),
            )
            row = cursor.fetchone()
        except Exception:  # performance_schema missing or not readable: the bounds above stand
            return None
        return row[0] if row else None

    def limit_lock_waits(self, cursor, seconds: int) -> None:
        # Metadata locks (ALTER TABLE, LOCK TABLES ... WRITE) are what a read of the table can wait for.
        cursor.execute("SET SESSION lock_wait_timeout = %s", (seconds,))

    def history_lock_holders(self, cursor) -> list[dict]:
        # performance_schema.metadata_locks names them (MySQL 8 by default; MariaDB with performance_schema on).
        cursor.execute(
            "SELECT t.PROCESSLIST_ID AS session, t.PROCESSLIST_USER AS user, t.PROCESSLIST_HOST AS client_address, "
            "m.LOCK_STATUS = 'GRANTED' AS granted, m.LOCK_TYPE AS lock_type "
            "FROM performance_schema.metadata_locks AS m JOIN performance_schema.threads AS t "
            "ON t.THREAD_ID = m.OWNER_THREAD_ID WHERE m.OBJECT_TYPE = 'TABLE' AND m.OBJECT_SCHEMA = DATABASE() "
            "AND m.OBJECT_NAME = '_prisma_migrations' AND t.PROCESSLIST_ID <> CONNECTION_ID() "
            "AND m.LOCK_TYPE NOT IN ('SHARED_READ', 'SHARED_HIGH_PRIO', 'SHARED') ORDER BY granted DESC, session"
        )
        return [{**holder, "granted": bool(holder["granted"])} for holder in rows_as_dicts(cursor)]

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

    display_widths = True
    type_synonyms = {"BOOLEAN": "TINYINT"}
    # MariaDB keeps JSON as LONGTEXT with a check; MySQL's TIMESTAMP and sqlglot's reading of it differ by version.
    uncomparable_types = frozenset({"JSON", "LONGTEXT"})

    def catalog_table(self, cursor, table) -> TableInfo | None:
        schema, name = table.schema, table.name
        cursor.execute(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s "
            "AND TABLE_TYPE = 'BASE TABLE'",
            (schema, name),
        )
        if cursor.fetchone() is None:
            return None
        where = "TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s"
        cursor.execute(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES', COLUMN_DEFAULT, "
            "EXTRA LIKE '%%auto_increment%%' OR EXTRA LIKE '%%GENERATED%%' "
            f"FROM information_schema.COLUMNS WHERE {where}",
            (schema, name),
        )
        columns = {
            self.fold(column): ColumnInfo(column_type, bool(nullable), self.live_default(default), bool(generated))
            for column, column_type, nullable, default, generated in cursor.fetchall()
        }
        # SUB_PART: an index on a prefix of the column; COLUMN_NAME NULL: a functional key part (MySQL 8).
        cursor.execute(
            "SELECT INDEX_NAME, NON_UNIQUE = 0, COLUMN_NAME, SUB_PART IS NOT NULL FROM information_schema.STATISTICS "
            f"WHERE {where} ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (schema, name),
        )
        keys = {}
        for index, unique, column, prefix in cursor.fetchall():
            entry = keys.setdefault(self.fold(index), [bool(unique), [], False])
            entry[1].append(self.fold(column) if column is not None else None)
            entry[2] = entry[2] or bool(prefix) or column is None
        indexes, primary_key = {}, ()
        for index, (unique, key_columns, partial) in keys.items():
            kind = "primary_key" if index == "primary" else "index"
            indexes[index] = ObjectInfo(kind, None if partial else tuple(key_columns), unique, partial=partial)
            if kind == "primary_key":
                primary_key = tuple(key_columns)
        cursor.execute(
            # The connection's database is the schema migration.sql leaves unsaid.
            "SELECT c.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, k.COLUMN_NAME, "
            "IF(k.REFERENCED_TABLE_SCHEMA = DATABASE(), '', k.REFERENCED_TABLE_SCHEMA), "
            "k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME FROM information_schema.TABLE_CONSTRAINTS c "
            "LEFT JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA "
            "AND k.TABLE_NAME = c.TABLE_NAME AND k.CONSTRAINT_NAME = c.CONSTRAINT_NAME "
            "WHERE c.CONSTRAINT_SCHEMA = COALESCE(%s, DATABASE()) AND c.TABLE_NAME = %s "
            "AND c.CONSTRAINT_TYPE IN ('FOREIGN KEY', 'CHECK') ORDER BY c.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            (schema, name),
        )
        found = {}
        for constraint, kind, column, ref_schema, ref_table, ref_column in cursor.fetchall():
            entry = found.setdefault(self.fold(constraint), [kind, [], None, []])
            if column is not None:
                entry[1].append(self.fold(column))
            if ref_table is not None:
                entry[2] = (self.fold(ref_schema or ""), self.fold(ref_table))
                entry[3].append(self.fold(ref_column))
        constraints = {
            constraint: ObjectInfo(
                "foreign_key", tuple(key_columns), ref_table=reference, ref_columns=tuple(ref_columns)
            )
            if kind == "FOREIGN KEY"
            else ObjectInfo("check")
            for constraint, (kind, key_columns, reference, ref_columns) in found.items()
        }
        cursor.execute(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS "
            "WHERE EVENT_OBJECT_SCHEMA = COALESCE(%s, DATABASE()) AND EVENT_OBJECT_TABLE = %s",
            (schema, name),
        )
        triggers = frozenset(self.fold(trigger) for (trigger,) in cursor.fetchall())
        return TableInfo(columns, indexes, constraints, primary_key, triggers)

    def catalog_thing(self, cursor, kind: str, schema: str | None, name: str):
        if kind in ("function", "procedure"):
            cursor.execute(
                "SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = COALESCE(%s, DATABASE()) "
                "AND ROUTINE_NAME = %s AND ROUTINE_TYPE = %s",
                (schema, name, kind.upper()),
            )
        elif kind in ("view", "sequence"):
            cursor.execute(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) "
                "AND TABLE_NAME = %s AND TABLE_TYPE = %s",
                (schema, name, "VIEW" if kind == "view" else "SEQUENCE"),
            )
        elif kind == "schema":
            cursor.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,))
        else:
            return UNREADABLE
        return cursor.fetchone() is not None

    def rehearsal_blocker(self, connection, statements) -> str | None:
        del connection, statements
        return (
            "MySQL and MariaDB commit every DDL statement implicitly, so a rehearsal could not be rolled back; "
            "count the offending rows instead to tell whether the data is fixed."
        )

    # Lock impact (issue 15) -----------------------------------------------------------------------------------------

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        # InnoDB's TABLE_ROWS is an estimate from its statistics, as is the size.
        cursor.execute(
            "SELECT TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s",
            (table.schema, table.name),
        )
        row = cursor.fetchone()
        return None if row is None else (row[0], row[1])
