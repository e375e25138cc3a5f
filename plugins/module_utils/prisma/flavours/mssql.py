# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL as Prisma's `sqlserver` provider uses them (pyodbc and an ODBC driver)."""

from __future__ import annotations

import glob
import importlib
import math
import os
import platform
import re
import struct
from contextlib import suppress
from datetime import UTC, datetime, timedelta, timezone

from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connection_problems import (
    AUTH_FAILED,
    DATABASE_MISSING,
    FIREWALL_CLOSED,
    PUBLIC_ACCESS_DISABLED,
    RESUMING_HINT,
    TLS_ERROR,
    UNREACHABLE,
    VNET_RULE_MISSING,
    ConnectionProblem,
    client_ip_from_40615,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.database_url import (
    DEFAULT_CONNECT_TIMEOUT,
    DatabaseTarget,
    parse_timeout,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import ConnectionFailed, DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.base import (
    LOCK_NAME,
    REHEARSAL_ENGINE_MARGIN,
    TABLE,
    UNREADABLE,
    ColumnInfo,
    Flavour,
    ObjectInfo,
    TableInfo,
    create_table_statement,
    rows_as_dicts,
)

SHAPE = "sqlserver://HOST:PORT;database=DB;user=USER;password=PWD"
DEFAULT_PORT = 1433
# Prisma keeps the history in `dbo` unless the URL names a schema.
DEFAULT_SCHEMA = "dbo"
# Registered ODBC drivers in order of preference; FreeTDS is the fallback Debian ships.
ODBC_DRIVER_PREFERENCE = ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server", "FreeTDS")
# Microsoft's ODBC Driver 18 as PyPI ships it (the package `mssql-python-odbc`, the binaries behind `mssql-python`):
# used by its library path when no SQL Server driver is registered with unixODBC.
BUNDLED_DRIVER_MODULE = "mssql_python_odbc"
# The wheel's libs/linux/<folder>/ per Linux distribution family (os-release ID and ID_LIKE words).
BUNDLED_DRIVER_DISTROS = {
    "debian": "debian_ubuntu",
    "ubuntu": "debian_ubuntu",
    "rhel": "rhel",
    "fedora": "rhel",
    "centos": "rhel",
    "suse": "suse",
    "opensuse": "suse",
    "sles": "suse",
}
# FreeTDS rejects a connection string it cannot parse before it sends anything to the server.
FREETDS_SYNTAX_ERROR = "Syntax error in connection string"
SQL_COPT_SS_ACCESS_TOKEN = 1256
# pyodbc hands DATETIMEOFFSET over as raw bytes under this SQL type code.
SQL_SS_TIMESTAMPOFFSET = -155

# SQL Server keys as Prisma reads them (lowercased; several aliases mean one thing).
PROPERTY_MEANINGS = {
    "database": "database",
    "initial catalog": "database",
    "databasename": "database",
    "user": "user",
    "username": "user",
    "uid": "user",
    "user id": "user",
    "password": "password",
    "pwd": "password",
    "schema": "schema",
    "encrypt": "encrypt",
    "trustservercertificate": "trust_server_certificate",
    "trust_server_certificate": "trust_server_certificate",
    "trustservercertificateca": "trust_server_certificate_ca",
    "trust_server_certificate_ca": "trust_server_certificate_ca",
    "logintimeout": "connect_timeout",
    "login_timeout": "connect_timeout",
    "connecttimeout": "connect_timeout",
    "connect_timeout": "connect_timeout",
    "connectiontimeout": "connect_timeout",
    "connection_timeout": "connect_timeout",
    "applicationname": "application_name",
    "application name": "application_name",
    "authentication": "authentication",
    "integratedsecurity": "integrated_security",
    "integrated security": "integrated_security",
}
BOOLEAN_WORDS = {"true": True, "yes": True, "false": False, "no": False}
# SQL Server / Azure SQL error numbers of a refused login.
SERVER_ERROR_KINDS = {
    47073: PUBLIC_ACCESS_DISABLED,
    40914: VNET_RULE_MISSING,
    18456: AUTH_FAILED,
    4060: DATABASE_MISSING,  # cannot open the database requested by the login
    911: DATABASE_MISSING,  # database does not exist
}
COLUMN_TYPES = (
    ("id", "VARCHAR(36) PRIMARY KEY NOT NULL"),
    ("checksum", "VARCHAR(64) NOT NULL"),
    ("finished_at", "DATETIMEOFFSET"),
    ("migration_name", "NVARCHAR(250) NOT NULL"),
    ("logs", "NVARCHAR(MAX) NULL"),
    ("rolled_back_at", "DATETIMEOFFSET"),
    ("started_at", "DATETIMEOFFSET NOT NULL DEFAULT CURRENT_TIMESTAMP"),
    ("applied_steps_count", "INT NOT NULL DEFAULT 0"),
)


def quote(identifier: str) -> str:
    return "[" + identifier.replace("]", "]]") + "]"


class MssqlFlavour(Flavour):
    provider = "sqlserver"
    schemes = ("sqlserver",)
    # Prisma's engine calls this connector `mssql` (its P3019 text names it so); project files and Prisma versions
    # also say `sqlserver`, the datasource provider's own name. Both mean this database: neither is a switch.
    lockfile_providers = ("mssql", "sqlserver")
    placeholder = "?"
    azure_sql = True

    @classmethod
    def parse_url(cls, url: str, project_dir: str | None) -> DatabaseTarget:
        del project_dir
        body = url[len("jdbc:") :] if url.lower().startswith("jdbc:") else url
        if not body.lower().startswith("sqlserver://"):
            raise DatabaseUrlError(f"Malformed sqlserver URL; expected {SHAPE}")
        body = body[len("sqlserver://") :]
        server, *rest = split_outside_braces(body, ";", limit=1)
        host, instance, port = split_server(server)
        values: dict[str, str] = {}
        for key, value in split_properties(rest[0] if rest else ""):
            meaning = PROPERTY_MEANINGS.get(key)
            # Prisma ignores properties it does not use; never echo them, they may be secrets.
            if meaning is not None:
                values[meaning] = value
        options: dict[str, object] = {}
        for flag in ("trust_server_certificate", "integrated_security"):
            if flag in values:
                word = values.pop(flag).strip().lower()
                if word not in BOOLEAN_WORDS:
                    raise DatabaseUrlError(f"SQL Server property '{flag.replace('_', '')}' must be true or false.")
                options[flag] = BOOLEAN_WORDS[word]
        options["encrypt"] = _encrypt_mode(values.pop("encrypt", "true"))
        timeout = parse_timeout(values.pop("connect_timeout", str(DEFAULT_CONNECT_TIMEOUT)), "connectTimeout")
        for key in ("trust_server_certificate_ca", "authentication", "application_name"):
            if key in values:
                options[key] = values.pop(key)
        return DatabaseTarget(
            provider=cls.provider,
            host=host,
            instance=instance,
            port=port,
            database=values.get("database") or "master",
            user=values.get("user"),
            password=values.get("password"),
            schema=values.get("schema") or DEFAULT_SCHEMA,
            connect_timeout=timeout,
            options=options,
        )

    def connect(
        self, *, read_only: bool, lock_timeout: int, access_token=None, odbc_driver=None, statement_timeout=None
    ):
        del read_only, lock_timeout
        pyodbc = import_library("pyodbc", "pyodbc", "to connect to SQL Server")
        installed = list(pyodbc.drivers())
        driver = choose_odbc_driver(installed, odbc_driver, None if odbc_driver else find_bundled_driver)
        if os.path.isabs(driver) and not os.path.isfile(driver):
            raise ConnectionFailed(
                f"The ODBC driver library {driver} does not exist.",
                hint="Set odbc_driver to the path of libmsodbcsql-18.*.so or to a registered driver name.",
            )
        extra = {}
        if access_token and is_freetds(driver):
            raise ConnectionFailed(
                "entra_auth needs Microsoft's ODBC driver: FreeTDS cannot send an Entra ID access token.",
                hint="Install ODBC Driver 18 for SQL Server (msodbcsql18, or `pip install mssql-python-odbc`) and set "
                "odbc_driver to it if FreeTDS is registered too.",
            )
        if access_token:
            extra["attrs_before"] = {SQL_COPT_SS_ACCESS_TOKEN: pack_access_token(access_token)}

        def connect(doubled_braces=None):
            text = odbc_connection_string(
                self.target, driver, with_token=bool(access_token), doubled_braces=doubled_braces
            )
            return pyodbc.connect(text, autocommit=False, timeout=self.target.connect_timeout, **extra)

        try:
            connection = connect()
        except pyodbc.Error as exc:
            # FreeTDS releases disagree on `}` inside `{...}`: older ones take it literally, newer ones want `}}`
            # and refuse the older form before anything reaches the server.
            if not (is_freetds(driver) and FREETDS_SYNTAX_ERROR in str(exc)):
                raise
            connection = connect(doubled_braces=True)
        connection.add_output_converter(SQL_SS_TIMESTAMPOFFSET, decode_datetimeoffset)
        if statement_timeout:
            connection.timeout = statement_timeout
        return connection

    @property
    def table(self) -> str:
        return f"{quote(self.target.schema)}.{quote(TABLE)}"

    @property
    def create_table(self) -> str:
        return create_table_statement(self.table, COLUMN_TYPES)

    def table_exists_query(self) -> tuple[str, tuple]:
        return (
            "SELECT 1 FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations'",
            (self.target.schema,),
        )

    @property
    def timestamp_parameter(self) -> str:
        # pyodbc cannot bind an offset-aware datetime; pass text and let the server parse it exactly.
        return f"CAST({self.placeholder} AS DATETIMEOFFSET)"

    def bind_timestamp(self, value):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + " +00:00"

    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        # pyodbc has begun the transaction (autocommit off); the lock is the transaction's. sp_getapplock documents
        # a negative result as not granted, 0 and 1 as granted.
        cursor.execute(
            "SET NOCOUNT ON; DECLARE @result INT; "
            f"EXEC @result = sp_getapplock @Resource = N'{LOCK_NAME}', @LockMode = 'Exclusive', "
            "@LockOwner = 'Transaction', @LockTimeout = ?; SELECT @result",
            (lock_timeout * 1000,),
        )
        # A lock that times out also sends a message, which Microsoft's driver hands over as a result set of its
        # own before the SELECT: step to the first result that has rows.
        while cursor.description is None:
            if not cursor.nextset():
                raise RuntimeError("sp_getapplock returned no result")
        return cursor.fetchone()[0] >= 0

    # Diagnosing a database (prisma_migration_status) ----------------------------------------------------------------

    def classify_connection_error(self, error: BaseException) -> ConnectionProblem | None:
        # ODBC drivers put SQL Server's error number in the text, before the ODBC call: "(40615) (SQLDriverConnect)".
        text = str(error)
        numbers = [int(number) for number in re.findall(r"\((\d+)\) \(SQL\w+\)", text)]
        for number in numbers:
            if number == 40615:
                return ConnectionProblem.of(FIREWALL_CLOSED, client_ip=client_ip_from_40615(text))
            if number == 40613:
                return ConnectionProblem.of(DATABASE_MISSING, RESUMING_HINT, transient=True)
            if number in SERVER_ERROR_KINDS:
                return ConnectionProblem.of(SERVER_ERROR_KINDS[number])
        if re.search(r"SSL|certificate|Encryption not supported|TLS", text, re.IGNORECASE):
            return ConnectionProblem.of(TLS_ERROR)
        sqlstate = error.args[0] if error.args and isinstance(error.args[0], str) else ""
        if sqlstate in ("08001", "08S01", "HYT00") or 20009 in numbers:
            return ConnectionProblem.of(UNREACHABLE)
        return None

    def is_statement_timeout(self, error: BaseException) -> bool:
        return bool(error.args) and error.args[0] == "HYT00"

    def history_columns_query(self) -> tuple[str, tuple]:
        return (
            "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
            "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations'",
            (self.target.schema,),
        )

    def lock_holders(self, cursor) -> list[dict]:
        # sys.dm_tran_locks names the session holding the application lock (its resource is `<principal>:[name]:...`);
        # servers that do not expose it (VIEW SERVER STATE missing, Babelfish) still answer APPLOCK_TEST, which tests
        # the lock without taking it: held, owner unknown.
        try:
            cursor.execute(
                "SELECT l.request_session_id AS session, s.login_name AS [user], s.program_name AS application, "
                # When the lock was granted is not recorded: after the login, by the end of the last request
                # while the session sleeps (its running request may be the one that took it).
                "c.client_net_address AS client_address, NULL AS since, s.login_time AS since_earliest, "
                "CASE WHEN s.status = 'sleeping' THEN s.last_request_end_time ELSE SYSDATETIME() END AS since_latest, "
                "s.status AS state FROM sys.dm_tran_locks AS l "
                "JOIN sys.dm_exec_sessions AS s ON s.session_id = l.request_session_id "
                "LEFT JOIN sys.dm_exec_connections AS c ON c.session_id = l.request_session_id "
                "WHERE l.resource_type = 'APPLICATION' AND l.resource_database_id = DB_ID() "
                f"AND l.request_status = 'GRANT' AND l.resource_description LIKE '%:\\[{LOCK_NAME}\\]:%' ESCAPE '\\'"
            )
            return rows_as_dicts(cursor)
        except Exception:  # any refusal here means: ask the portable way
            # Babelfish has already ended the transaction on this error (its rollback then fails with 3903).
            with suppress(Exception):
                cursor.connection.rollback()
        cursor.execute(f"SELECT APPLOCK_TEST('public', '{LOCK_NAME}', 'Exclusive', 'Session')")
        if cursor.fetchone()[0] == 1:
            return []
        return [{"session": None, "detail": "held by a session this login cannot see (no VIEW SERVER STATE)"}]

    def limit_lock_waits(self, cursor, seconds: int) -> None:
        # Error 1222 (lock request time out) instead of the query timeout's HYT00.
        cursor.execute(f"SET LOCK_TIMEOUT {int(seconds) * 1000}")

    # Preflight (issue 9) -------------------------------------------------------------------------------------------
    sqlglot_dialect = "tsql"
    unique_ignores_nulls = False
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

    def quote_name(self, name: str) -> str:
        return quote(name)

    def default_schema(self) -> str | None:
        return self.target.schema

    def fold(self, name: str) -> str:
        # SQL Server's default collations compare names case-insensitively; Babelfish lowercases its catalog.
        return name.lower()

    def limited_select(self, columns: str, rest: str, limit: int) -> str:
        return f"SELECT TOP ({limit}) {columns} {rest}"

    def error_code(self, error: BaseException) -> str | None:
        match = ODBC_ERROR_NUMBER.search(str(error))
        return match.group(1) if match else None

    def error_text(self, error: BaseException) -> str:
        args = getattr(error, "args", ())
        text = args[1] if len(args) > 1 and isinstance(args[1], str) else str(error)
        text = ODBC_DECORATION.sub("", ODBC_ERROR_NUMBER.sub("", text))
        # 1505 and 2627 quote the duplicated row values: user data, never in our output.
        text = text.split(" The duplicate key value is")[0]
        return " ".join(text.split())

    def catalog_table(self, cursor, table) -> TableInfo | None:
        cursor.execute(
            "SELECT t.object_id FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id "
            "WHERE s.name = ? AND t.name = ?",
            (table.schema or self.target.schema, table.name),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        object_id = row[0]
        cursor.execute(
            "SELECT c.name, ty.name, c.max_length, c.precision, c.scale, c.is_nullable, "
            "c.is_identity | c.is_computed, d.definition FROM sys.columns c "
            "JOIN sys.types ty ON ty.user_type_id = c.user_type_id "
            "LEFT JOIN sys.default_constraints d ON d.parent_object_id = c.object_id "
            "AND d.parent_column_id = c.column_id WHERE c.object_id = ?",
            (object_id,),
        )
        columns = {
            self.fold(name): ColumnInfo(
                sql_server_type(type_name, length, precision, scale),
                bool(nullable),
                self.live_default(default),
                bool(generated),
            )
            for name, type_name, length, precision, scale, nullable, generated, default in cursor.fetchall()
        }
        cursor.execute(
            "SELECT i.name, i.is_unique, i.is_primary_key, i.is_unique_constraint, i.is_disabled, i.has_filter, "
            "c.name FROM sys.indexes i "
            "JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id "
            "JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id "
            "WHERE i.object_id = ? AND i.name IS NOT NULL AND ic.key_ordinal > 0 ORDER BY i.name, ic.key_ordinal",
            (object_id,),
        )
        found = {}
        for name, unique, primary, constraint, disabled, filtered, column in cursor.fetchall():
            kind = "primary_key" if primary else "unique" if constraint else "index"
            entry = found.setdefault(self.fold(name), [kind, bool(unique), not disabled, bool(filtered), []])
            entry[4].append(self.fold(column))
        indexes = {
            name: ObjectInfo(kind, None if filtered else tuple(keys), unique, valid, partial=filtered)
            for name, (kind, unique, valid, filtered, keys) in found.items()
        }
        primary_key = next((info.columns or () for info in indexes.values() if info.kind == "primary_key"), ())
        constraints = self._constraints(cursor, object_id)
        cursor.execute("SELECT name FROM sys.triggers WHERE parent_id = ?", (object_id,))
        triggers = frozenset(self.fold(name) for (name,) in cursor.fetchall())
        return TableInfo(columns, indexes, constraints, primary_key, triggers)

    def _constraints(self, cursor, object_id) -> dict:
        cursor.execute(
            "SELECT f.name, f.is_disabled, f.is_not_trusted, rs.name, rt.name, pc.name, rc.name "
            "FROM sys.foreign_keys f JOIN sys.foreign_key_columns fc ON fc.constraint_object_id = f.object_id "
            "JOIN sys.columns pc ON pc.object_id = fc.parent_object_id AND pc.column_id = fc.parent_column_id "
            "JOIN sys.columns rc ON rc.object_id = fc.referenced_object_id AND rc.column_id = fc.referenced_column_id "
            "JOIN sys.tables rt ON rt.object_id = f.referenced_object_id "
            "JOIN sys.schemas rs ON rs.schema_id = rt.schema_id "
            "WHERE f.parent_object_id = ? ORDER BY f.name, fc.constraint_column_id",
            (object_id,),
        )
        keys = {}
        for name, disabled, untrusted, ref_schema, ref_table, column, ref_column in cursor.fetchall():
            entry = keys.setdefault(
                self.fold(name), [not (disabled or untrusted), (self.fold(ref_schema), self.fold(ref_table)), [], []]
            )
            entry[2].append(self.fold(column))
            entry[3].append(self.fold(ref_column))
        constraints = {
            name: ObjectInfo(
                "foreign_key", tuple(columns), validated=validated, ref_table=reference, ref_columns=tuple(refs)
            )
            for name, (validated, reference, columns, refs) in keys.items()
        }
        cursor.execute(
            "SELECT name, is_disabled, is_not_trusted FROM sys.check_constraints WHERE parent_object_id = ?",
            (object_id,),
        )
        for name, disabled, untrusted in cursor.fetchall():
            constraints[self.fold(name)] = ObjectInfo("check", validated=not (disabled or untrusted))
        cursor.execute(
            "SELECT d.name, c.name FROM sys.default_constraints d JOIN sys.columns c "
            "ON c.object_id = d.parent_object_id AND c.column_id = d.parent_column_id WHERE d.parent_object_id = ?",
            (object_id,),
        )
        for name, column in cursor.fetchall():
            constraints[self.fold(name)] = ObjectInfo("default", (self.fold(column),))
        return constraints

    def catalog_thing(self, cursor, kind: str, schema: str | None, name: str):
        types = {"view": ("V",), "procedure": ("P",), "function": ("FN", "IF", "TF"), "sequence": ("SO",)}
        if kind in types:
            marks = ", ".join("?" for _type in types[kind])
            cursor.execute(
                "SELECT 1 FROM sys.objects o JOIN sys.schemas s ON s.schema_id = o.schema_id "
                f"WHERE s.name = ? AND o.name = ? AND o.type IN ({marks})",
                (schema or self.target.schema, name, *types[kind]),
            )
        elif kind == "schema":
            cursor.execute("SELECT 1 FROM sys.schemas WHERE name = ?", (name,))
        else:
            return UNREADABLE
        return cursor.fetchone() is not None

    def classify_error(self, code: str | None, message: str) -> str:
        if str(code) == "547":
            return "check_violation" if "CHECK" in message.upper() else "foreign_key_violation"
        return super().classify_error(code, message)

    def rehearsal_blocker(self, connection, statements) -> str | None:
        del connection
        # The script runs as one batch with Prisma's wrapper (BEGIN TRAN ... COMMIT TRAN inside our transaction only
        # lowers @@TRANCOUNT to ours); any other transaction control could commit ours.
        for statement in statements:
            if statement.transaction_control:
                return (
                    f"statement {statement.index} ({statement.transaction_control}) controls the transaction itself "
                    "beyond Prisma's wrapper; a rehearsal could not roll it back."
                )
        return None

    def begin_rehearsal(self, connection, cursor, *, statement_timeout: int, lock_wait: int) -> bool:
        # pyodbc has begun our transaction (autocommit off). The batch's own BEGIN TRAN nests in it, its COMMIT TRAN
        # only lowers @@TRANCOUNT back to ours, and its CATCH's ROLLBACK TRAN undoes everything: our rollback (or
        # that one) leaves nothing behind.
        connection.timeout = statement_timeout
        cursor.execute(f"SET LOCK_TIMEOUT {int(lock_wait) * 1000}")
        return self.begin_locked(cursor, lock_wait)

    def rehearsal_batches(self, script: str, statements) -> list[tuple[int | None, str]]:
        # Exactly what Prisma sends: the whole file as one batch, wrapper included.
        del statements
        return [(None, script)]

    def end_rehearsal(self, connection) -> None:
        connection.timeout = 0

    # Rehearsal bounds and lock impact (issue 15) --------------------------------------------------------------------

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        # pyodbc's Cursor.cancel() is ODBC's SQLCancel, meant to be called from another thread while the statement
        # runs: the driver sends an attention, the server ends the batch, and T-SQL's TRY/CATCH (Prisma's wrapper)
        # cannot catch it. Ending the session (KILL) needs ALTER ANY CONNECTION, which a migration login lacks.
        del connection
        return cursor.cancel, None

    def bound_rehearsal(
        self, connection, cursor, *, seconds_left: float, lock_wait: int, statement_timeout: int
    ) -> None:
        # The driver's query timeout (whole seconds) also sends an attention when it runs out.
        with_margin = seconds_left + REHEARSAL_ENGINE_MARGIN
        connection.timeout = max(1, math.ceil(min(statement_timeout, with_margin)))
        cursor.execute(f"SET LOCK_TIMEOUT {max(1, int(min(lock_wait, with_margin) * 1000))}")
        cursor.execute("SELECT CASE WHEN @@VERSION LIKE 'Babelfish%' THEN 1 ELSE 0 END")
        if cursor.fetchone()[0] == 1:
            # Babelfish (SQL Server's protocol on PostgreSQL) reads an attention only once the running statement has
            # ended (measured on 4.3), so neither the watchdog nor the query timeout can stop it; PostgreSQL's own
            # statement_timeout, which Babelfish honours for the batch, does, and lock waits end at the deadline too.
            # (A T-SQL WHILE loop never checks for either on 4.3.)
            cursor.execute(f"SET LOCK_TIMEOUT {max(1, int(min(lock_wait, seconds_left) * 1000))}")
            cursor.execute(
                "SELECT set_config('statement_timeout', ?, 'true')",
                (f"{max(1, int(min(statement_timeout, seconds_left) * 1000))}ms",),
            )
            cursor.fetchall()

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        cursor.execute(
            "SELECT t.object_id FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id "
            "WHERE s.name = ? AND t.name = ?",
            (table.schema or self.target.schema, table.name),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        object_id = row[0]
        rows = size = None
        # Row counts of the heap or clustered index, and the pages used; a server that hides either (permissions,
        # Babelfish) gives no estimate rather than an error, whose rollback ends nothing of value here.
        try:
            cursor.execute(
                "SELECT SUM(rows) FROM sys.partitions WHERE object_id = ? AND index_id IN (0, 1)", (object_id,)
            )
            rows = cursor.fetchone()[0]
            cursor.execute(
                "SELECT SUM(used_page_count) * 8192 FROM sys.dm_db_partition_stats WHERE object_id = ?", (object_id,)
            )
            size = cursor.fetchone()[0]
        except Exception:  # the drivers share no base class
            with suppress(Exception):
                cursor.connection.rollback()
        return (None if rows is None else int(rows)), (None if size is None else int(size))


def sql_server_type(name: str, length: int, precision: int, scale: int) -> str:
    """A column's type as migration.sql would write it, from sys.columns (lengths are in bytes, -1 is MAX)."""
    name = name.lower()
    if name in ("nvarchar", "nchar", "varchar", "char", "varbinary", "binary"):
        size = "max" if length == -1 else length // 2 if name.startswith("n") else length
        return f"{name}({size})"
    if name in ("decimal", "numeric"):
        return f"{name}({precision},{scale})"
    if name in ("datetime2", "datetimeoffset", "time"):
        return f"{name}({scale})"
    return name


# pyodbc's text ends with "(number) (SQLExecDirectW)" and starts with "[state] [driver][SQL Server]".
ODBC_ERROR_NUMBER = re.compile(r"\((\d+)\) \(SQL\w+\)")
ODBC_DECORATION = re.compile(r"^(\[[^\]]*\]\s*)+")


def _encrypt_mode(value: str) -> str:
    if value == "DANGER_PLAINTEXT":
        return "danger_plaintext"
    word = value.strip().lower()
    if word in BOOLEAN_WORDS:
        return "true" if BOOLEAN_WORDS[word] else "false"
    if word == "strict":
        return "strict"
    raise DatabaseUrlError("SQL Server property 'encrypt' must be true, false, strict or DANGER_PLAINTEXT.")


def split_outside_braces(text: str, separator: str, limit: int = -1) -> list[str]:
    """Split on `separator` where it is not inside `{...}`; a brace group ends at the first `}`."""
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "{":
            end = text.find("}", index + 1)
            if end == -1:
                raise DatabaseUrlError("A SQL Server connection string value opens '{' but never closes it.")
            current.append(text[index : end + 1])
            index = end + 1
            continue
        if char == separator and limit != 0:
            parts.append("".join(current))
            current = []
            limit -= 1
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    """Drop the braces of every `{...}` group; what is inside is literal (Prisma's JDBC string rule)."""
    out, index = [], 0
    while index < len(text):
        if text[index] == "{":
            end = text.index("}", index + 1)
            out.append(text[index + 1 : end])
            index = end + 1
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def split_properties(text: str) -> list[tuple[str, str]]:
    """`key=value;key={va;lue}` into (lowercased key, literal value) pairs, the way Prisma's JDBC parser reads them.

    A `{...}` group runs to the first `}` and may sit anywhere in a key or value; white space is kept as written.
    """
    pairs = []
    for item in split_outside_braces(text, ";"):
        if not item:
            continue
        pieces = split_outside_braces(item, "=", limit=1)
        if len(pieces) != 2:
            # The text is most likely the tail of a value with an unbraced ';' (a password): never quote it.
            after = f" after '{pairs[-1][0]}'" if pairs and pairs[-1][0] in PROPERTY_MEANINGS else ""
            raise DatabaseUrlError(
                f"SQL Server connection string: the text{after} has no '=value'. A value containing ';' (such as "
                "a password) must be wrapped in {...}, e.g. password={pa;ss}."
            )
        key, value = unescape(pieces[0]).lower(), unescape(pieces[1])
        if not key:
            raise DatabaseUrlError("SQL Server connection string has a property with an empty name.")
        pairs.append((key, value))
    return pairs


def split_server(server: str) -> tuple[str, str | None, int | None]:
    """`host[\\instance][:port]`; without a port, a named instance is found through SQL Browser."""
    name, *port_part = split_outside_braces(server, ":", limit=1)
    port = None
    if port_part:
        port_text = unescape(port_part[0])
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise DatabaseUrlError("The sqlserver URL has an invalid port; expected sqlserver://HOST:1433;...")
        port = int(port_text)
    host_part, *instance_part = split_outside_braces(name, "\\", limit=1)
    host = unescape(host_part).strip()
    instance = unescape(instance_part[0]) if instance_part else None
    if host in ("", "."):
        host = "localhost"
    if port is None and not instance:
        port = DEFAULT_PORT
    return host, instance or None, port


def is_freetds(driver: str) -> bool:
    """Whether a driver name or library path is FreeTDS's ODBC driver (libtdsodbc)."""
    return "freetds" in driver.lower() or os.path.basename(driver).lower().startswith("libtdsodbc")


def odbc_connection_string(
    target: DatabaseTarget, driver: str, *, with_token: bool = False, doubled_braces: bool | None = None
) -> str:
    """The ODBC connection string for SQL Server: pure, so the exact text is unit-tested.

    Every value is wrapped in `{...}`. ODBC escapes a `}` inside as `}}`, as Microsoft's driver and newer FreeTDS
    read it; FreeTDS 1.3 (Debian 12) ends a braced value at the first `};` and keeps everything before it as
    written, so for FreeTDS a `}` stays single unless `doubled_braces`.
    """
    freetds = is_freetds(driver)
    if doubled_braces is None:
        doubled_braces = not freetds

    def braced(value: str) -> str:
        text = str(value)
        if not doubled_braces and "};" in text:
            raise ConnectionFailed(
                "FreeTDS cannot be given a connection value that contains '};'.",
                hint="Use Microsoft's ODBC Driver 18 for SQL Server (odbc_driver), or change that value.",
            )
        return "{" + (text.replace("}", "}}") if doubled_braces else text) + "}"

    server = target.host + (f"\\{target.instance}" if target.instance else "")
    parts = [f"DRIVER={braced(driver)}"]
    if freetds:
        parts += [f"SERVER={braced(server)}", f"PORT={target.port or DEFAULT_PORT}", "TDS_Version=7.4"]
    else:
        parts.append(f"SERVER={braced('tcp:' + server + (f',{target.port}' if target.port else ''))}")
    parts.append(f"DATABASE={braced(target.database)}")
    if not with_token:
        if target.user is not None:
            parts.append(f"UID={braced(target.user)}")
        if target.password is not None:
            parts.append(f"PWD={braced(target.password)}")
    encrypt = target.options.get("encrypt", "true")
    trust = target.options.get("trust_server_certificate", False)
    if freetds:
        parts.append("Encryption=" + ("off" if encrypt in ("false", "danger_plaintext") else "require"))
    else:
        parts.append("Encrypt=" + {"strict": "strict", "false": "no", "danger_plaintext": "no"}.get(encrypt, "yes"))
        parts.append("TrustServerCertificate=" + ("yes" if trust else "no"))
    if target.options.get("application_name"):
        parts.append(f"APP={braced(target.options['application_name'])}")
    return ";".join(parts) + ";"


def pack_access_token(token: str) -> bytes:
    """An Entra ID token as the SQL Server ODBC driver takes it: UTF-16-LE bytes after a 4-byte length."""
    encoded = token.encode("utf-16-le")
    return struct.pack(f"<I{len(encoded)}s", len(encoded), encoded)


def decode_datetimeoffset(raw: bytes) -> datetime:
    """SQL Server DATETIMEOFFSET as pyodbc returns it (SQL_SS_TIMESTAMPOFFSET_STRUCT), in UTC."""
    year, month, day, hour, minute, second, fraction, tz_hour, tz_minute = struct.unpack("<6hI2h", raw)
    offset = timezone(timedelta(hours=tz_hour, minutes=tz_minute))
    return datetime(year, month, day, hour, minute, second, fraction // 1000, tzinfo=offset).astimezone(UTC)


def choose_odbc_driver(installed: list[str], requested: str | None, bundled=None) -> str:
    """The driver to connect with: `requested` (a registered name, or the absolute path of a driver library), else
    the first registered of ODBC_DRIVER_PREFERENCE, else what `bundled()` finds (Driver 18 from PyPI)."""
    if requested:
        if os.path.isabs(requested):
            return requested
        if requested not in installed:
            raise ConnectionFailed(
                f"ODBC driver '{requested}' is not installed (installed: {', '.join(installed) or 'none'}).",
                hint="Install Microsoft's ODBC Driver 18 for SQL Server or FreeTDS, or set odbc_driver to one listed "
                "or to the absolute path of a driver library.",
            )
        return requested
    for name in ODBC_DRIVER_PREFERENCE:
        if name in installed:
            return name
    found = bundled() if bundled else None
    if found:
        return found
    raise ConnectionFailed(
        f"No SQL Server ODBC driver is installed (installed: {', '.join(installed) or 'none'}).",
        hint="Install Microsoft's ODBC Driver 18 for SQL Server (msodbcsql18, or `pip install mssql-python-odbc` "
        "beside pyodbc) or FreeTDS (tdsodbc).",
    )


def bundled_driver_folder(os_release: str) -> str | None:
    """The folder of mssql-python-odbc's Linux builds for this distribution, from /etc/os-release's text."""
    words = []
    for line in os_release.splitlines():
        key, _equals, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            words += value.strip().strip("\"'").lower().split()
    return next((BUNDLED_DRIVER_DISTROS[word] for word in words if word in BUNDLED_DRIVER_DISTROS), None)


def bundled_driver_pattern(libs_dir: str, folder: str, machine: str) -> str:
    """Where mssql-python-odbc keeps Driver 18's library for one distribution folder and CPU."""
    return os.path.join(libs_dir, "linux", folder, machine, "lib", "libmsodbcsql-18.*.so*")


def find_bundled_driver() -> str | None:
    """The library of Driver 18 installed from PyPI (`mssql-python-odbc`), or None."""
    try:
        package = importlib.import_module(BUNDLED_DRIVER_MODULE)
    except ImportError:
        return None
    try:
        with open("/etc/os-release", encoding="utf-8") as handle:
            folder = bundled_driver_folder(handle.read())
    except OSError:
        return None
    if folder is None:
        return None
    libraries = sorted(glob.glob(bundled_driver_pattern(package.get_libs_dir(), folder, platform.machine())))
    return libraries[-1] if libraries else None
