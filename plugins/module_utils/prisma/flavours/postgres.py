# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL as Prisma's `postgresql` provider uses it (psycopg 3)."""

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
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import ConnectionFailed, DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.base import (
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

SHAPE = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE?schema=SCHEMA"
DEFAULT_PORT = 5432
# Prisma keeps the history in `public` unless the URL names a schema.
DEFAULT_SCHEMA = "public"
# The key of Prisma's advisory lock (`pg_advisory_lock(72707369)` in its schema engine).
ADVISORY_LOCK_KEY = 72707369
SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full", "allow")
URL_OPTIONS = (
    "sslmode",
    "sslcert",
    "sslrootcert",
    "sslkey",
    "sslidentity",
    "sslpassword",
    "sslaccept",
    "application_name",
    "options",
)
LOCK_NOT_AVAILABLE = "55P03"
# When a lock holder of pg_stat_activity `a` took its lock, at the latest: the end of its last statement while it
# idles, else now (its running statement may be the one that took it). At the earliest: when its session started.
HOLD_BOUNDS = (
    "a.backend_start AS since_earliest, "
    "CASE WHEN a.state = 'active' THEN statement_timestamp() ELSE a.state_change END AS since_latest"
)
QUERY_CANCELED = "57014"
# libpq's words for each kind of connection failure (the server's FATAL text, then the client's own).
CONNECTION_FAILURES = (
    (AUTH_FAILED, re.compile(r"password authentication failed|no pg_hba\.conf entry|role \"[^\"]*\" does not exist")),
    (DATABASE_MISSING, re.compile(r"database \"[^\"]*\" does not exist")),
    (TLS_ERROR, re.compile(r"SSL|certificate|TLS", re.IGNORECASE)),
    (
        UNREACHABLE,
        re.compile(
            r"Connection refused|could not translate host name|failed to resolve host|Name or service not known|"
            r"No route to host|Network is unreachable|timeout expired|Connection timed out|server closed the connection"
        ),
    ),
)
SQLSTATES = {AUTH_FAILED: ("28P01", "28000"), DATABASE_MISSING: ("3D000",)}
COLUMN_TYPES = (
    ("id", "VARCHAR(36) PRIMARY KEY NOT NULL"),
    ("checksum", "VARCHAR(64) NOT NULL"),
    ("finished_at", "TIMESTAMPTZ"),
    ("migration_name", "VARCHAR(255) NOT NULL"),
    ("logs", "TEXT"),
    ("rolled_back_at", "TIMESTAMPTZ"),
    ("started_at", "TIMESTAMPTZ NOT NULL DEFAULT now()"),
    ("applied_steps_count", "INTEGER NOT NULL DEFAULT 0"),
)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class PostgresFlavour(Flavour):
    provider = "postgresql"
    schemes = ("postgresql", "postgres")
    lockfile_providers = ("postgresql",)

    @classmethod
    def parse_url(cls, url: str, project_dir: str | None) -> DatabaseTarget:
        del project_dir
        parts = split_network_url(url, "postgresql", SHAPE, socket_parameter="host")
        query = dict(parts.query)
        options = take_options(query, URL_OPTIONS)
        if options.get("sslmode", "prefer") not in SSL_MODES:
            raise DatabaseUrlError(f"Unknown sslmode '{options['sslmode']}' (use disable, prefer or require).")
        return DatabaseTarget(
            provider=cls.provider,
            host=parts.host,
            port=parts.port or DEFAULT_PORT,
            database=parts.database or "postgres",
            user=parts.user,
            password=parts.password,
            schema=query.pop("schema", None) or DEFAULT_SCHEMA,
            socket=parts.socket,
            connect_timeout=parts.connect_timeout,
            options=options,
        )

    def connect(
        self, *, read_only: bool, lock_timeout: int, access_token=None, odbc_driver=None, statement_timeout=None
    ):
        del read_only, lock_timeout, access_token, odbc_driver
        psycopg = import_library("psycopg", "psycopg", "to connect to PostgreSQL")
        target = self.target
        params = {
            "host": target.socket or target.host,
            "port": target.port,
            "dbname": target.database,
            "connect_timeout": target.connect_timeout or None,
            "application_name": target.options.get("application_name", "backoffice.dbops"),
            "user": target.user,
            "password": target.password,
            **tls_parameters(target.options),
        }
        if statement_timeout:
            params["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
        return psycopg.connect(**{key: value for key, value in params.items() if value is not None}, autocommit=False)

    @property
    def table(self) -> str:
        return f"{quote(self.target.schema)}.{quote(TABLE)}"

    @property
    def create_table(self) -> str:
        return create_table_statement(self.table, COLUMN_TYPES, quote=lambda name: f'"{name}"')

    @property
    def prepare_table(self) -> tuple[str, ...]:
        # Prisma creates a missing schema when it connects.
        return (f"CREATE SCHEMA IF NOT EXISTS {quote(self.target.schema)}",)

    def table_exists_query(self) -> tuple[str, tuple]:
        return (
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = '_prisma_migrations'",
            (self.target.schema,),
        )

    def begin_locked(self, cursor, lock_timeout: int) -> bool:
        # A transaction-scoped lock on Prisma's key: released at commit or rollback, whatever happens to us.
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", (f"{lock_timeout * 1000}ms",))
        cursor.execute(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        return True

    def is_lock_timeout(self, error: BaseException) -> bool:
        return getattr(error, "sqlstate", None) == LOCK_NOT_AVAILABLE

    # Diagnosing a database (prisma_migration_status) ----------------------------------------------------------------

    def classify_connection_error(self, error: BaseException) -> ConnectionProblem | None:
        # libpq reports connection failures as text (psycopg gives no SQLSTATE before the session exists).
        text = str(error)
        for kind, pattern in CONNECTION_FAILURES:
            if pattern.search(text) or getattr(error, "sqlstate", None) in SQLSTATES.get(kind, ()):
                return ConnectionProblem.of(kind)
        if type(error).__name__ == "ConnectionTimeout":
            return ConnectionProblem.of(UNREACHABLE)
        return None

    def is_statement_timeout(self, error: BaseException) -> bool:
        return getattr(error, "sqlstate", None) == QUERY_CANCELED

    def history_columns_query(self) -> tuple[str, tuple]:
        return (
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = '_prisma_migrations'",
            (self.target.schema,),
        )

    def prisma_next_tables_query(self) -> tuple[str, tuple]:
        return (
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema = 'prisma_contract' AND table_name IN ('marker', 'ledger') ORDER BY table_name",
            (),
        )

    def lock_holders(self, cursor) -> list[dict]:
        # An advisory lock on a bigint key shows as classid = key >> 32, objid = key & 0xFFFFFFFF, objsubid = 1,
        # in the database it was taken in. Reading pg_locks never takes the lock (pg_try_advisory_lock would).
        # PostgreSQL does not record when a lock was granted (pg_locks.waitstart is null once it is): Prisma's
        # session-level lock was taken after the session started, and no later than the end of its last statement
        # while the session idles (or than now while it runs one).
        cursor.execute(
            "SELECT l.pid AS session, a.usename AS user, a.application_name AS application, "
            f"host(a.client_addr) AS client_address, NULL::timestamptz AS since, {HOLD_BOUNDS}, a.state AS state "
            "FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = %s AND l.objsubid = 1 ORDER BY l.pid",
            (ADVISORY_LOCK_KEY,),
        )
        return rows_as_dicts(cursor)

    def limit_lock_waits(self, cursor, seconds: int) -> None:
        # Session-level for the reads that follow; the transaction they run in is rolled back, which undoes it too.
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", (f"{seconds * 1000}ms",))

    def history_lock_holders(self, cursor) -> list[dict]:
        # Reading a table conflicts only with ACCESS EXCLUSIVE (ALTER/DROP/LOCK TABLE, VACUUM FULL), granted or queued
        # ahead of the read. A table lock lives as long as its transaction: taken after the transaction began.
        cursor.execute(
            "SELECT l.pid AS session, a.usename AS user, a.application_name AS application, "
            "host(a.client_addr) AS client_address, l.granted AS granted, l.waitstart AS since, "
            "a.xact_start AS since_earliest, "
            "CASE WHEN NOT l.granted THEN NULL WHEN a.state = 'active' THEN statement_timestamp() "
            "ELSE a.state_change END AS since_latest, a.state AS state "
            "FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'relation' AND l.relation = to_regclass(%s) AND l.mode = 'AccessExclusiveLock' "
            "AND l.pid <> pg_backend_pid() ORDER BY l.granted DESC, l.pid",
            (self.table,),
        )
        return rows_as_dicts(cursor)

    # Preflight (issue 9) -------------------------------------------------------------------------------------------
    sqlglot_dialect = "postgres"
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

    def quote_name(self, name: str) -> str:
        return quote(name)

    def default_schema(self) -> str | None:
        return self.target.schema

    def error_code(self, error: BaseException) -> str | None:
        return getattr(error, "sqlstate", None)

    def error_text(self, error: BaseException) -> str:
        # The primary message only: DETAIL quotes row values ("Key (bio)=(x) is duplicated").
        diag = getattr(error, "diag", None)
        primary = getattr(diag, "message_primary", None) if diag is not None else None
        text = primary or (str(error).splitlines() or [type(error).__name__])[0]
        return " ".join(text.split())

    type_synonyms = {"SERIAL": "INT", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}

    def catalog_table(self, cursor, table) -> TableInfo | None:
        cursor.execute(
            "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')",
            (table.schema or self.target.schema, table.name),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        oid = row[0]
        cursor.execute(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, "
            "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '' OR a.attgenerated <> '' "
            "FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d "
            "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped",
            (oid,),
        )
        columns = {
            name: ColumnInfo(type_name, bool(nullable), self.live_default(default), bool(generated))
            for name, type_name, nullable, default, generated in cursor.fetchall()
        }
        # Key columns in order; an expression is a NULL name. A unique or primary key constraint shows as its index.
        cursor.execute(
            "SELECT i.relname, x.indisunique, x.indisprimary, x.indisvalid AND x.indisready, "
            "x.indexprs IS NOT NULL OR x.indpred IS NOT NULL, "
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype = 'u'), "
            "ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) "
            "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
            "WHERE k.position <= x.indnkeyatts ORDER BY k.position) "
            "FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s",
            (oid,),
        )
        indexes, primary_key = {}, ()
        for name, unique, primary, valid, partial, constraint, keys in cursor.fetchall():
            kind = "primary_key" if primary else "unique" if constraint else "index"
            expression = partial or any(key is None for key in keys)
            indexes[name] = ObjectInfo(
                kind, None if expression else tuple(keys), bool(unique), bool(valid), partial=bool(expression)
            )
            if primary:
                primary_key = tuple(keys)
        cursor.execute(
            "SELECT k.conname, k.contype, k.convalidated, "
            "ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS c(attnum, position) "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.attnum ORDER BY c.position), "
            "rn.nspname, r.relname, "
            "ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY AS c(attnum, position) "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c.attnum ORDER BY c.position) "
            "FROM pg_catalog.pg_constraint k LEFT JOIN pg_catalog.pg_class r ON r.oid = k.confrelid "
            "LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace "
            "WHERE k.conrelid = %s AND k.contype IN ('f', 'c')",
            (oid,),
        )
        constraints = {}
        for name, kind, validated, keys, ref_schema, ref_table, ref_keys in cursor.fetchall():
            constraints[name] = ObjectInfo(
                "foreign_key" if kind == "f" else "check",
                tuple(keys) if kind == "f" else None,
                validated=bool(validated),
                ref_table=(ref_schema, ref_table) if ref_table else None,
                ref_columns=tuple(ref_keys or ()),
            )
        cursor.execute("SELECT tgname FROM pg_catalog.pg_trigger WHERE tgrelid = %s AND NOT tgisinternal", (oid,))
        triggers = frozenset(name for (name,) in cursor.fetchall())
        return TableInfo(
            columns, indexes, constraints, primary_key, triggers, frozenset(indexes).intersection(constraints)
        )

    def catalog_type(self, cursor, schema: str | None, name: str):
        # A table's row type is a type of the same name: only types of their own count.
        cursor.execute(
            "SELECT t.typtype, ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid "
            "ORDER BY e.enumsortorder) FROM pg_catalog.pg_type t "
            "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
            "LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid "
            "WHERE n.nspname = %s AND t.typname = %s AND (t.typrelid = 0 OR c.relkind = 'c')",
            (schema or self.target.schema, name),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return tuple(row[1]) if row[0] == "e" else ()

    def catalog_thing(self, cursor, kind: str, schema: str | None, name: str):
        queries = {
            "function": "SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s AND p.proname = %s AND p.prokind = 'f'",
            "procedure": "SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.proname = %s AND p.prokind = 'p'",
            "view": _RELATION.format(kind="v"),
            "materialized_view": _RELATION.format(kind="m"),
            "sequence": _RELATION.format(kind="S"),
        }
        if kind in queries:
            cursor.execute(queries[kind], (schema or self.target.schema, name))
        elif kind == "extension":
            cursor.execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = %s", (name,))
        elif kind == "schema":
            cursor.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (name,))
        else:
            return UNREADABLE
        return cursor.fetchone() is not None

    def catalog_index_table(self, cursor, schema: str | None, index: str) -> str | None:
        cursor.execute(
            "SELECT t.relname FROM pg_catalog.pg_index x "
            "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace WHERE n.nspname = %s AND i.relname = %s",
            (schema or self.target.schema, index),
        )
        row = cursor.fetchone()
        return row[0] if row else None

    def rehearsal_blocker(self, connection, statements) -> str | None:
        for statement in statements:
            if statement.concurrently:
                return (
                    f"statement {statement.index} builds an index CONCURRENTLY, which PostgreSQL cannot run inside "
                    "a transaction."
                )
            words = statement.text.upper().split()
            if words[:2] == ["ALTER", "TYPE"] and "ADD" in words and connection.info.server_version < 120000:
                return (
                    f"statement {statement.index} adds an enum value, which PostgreSQL before 12 cannot do inside "
                    "a transaction."
                )
        return super().rehearsal_blocker(connection, statements)

    def limit_reads(self, cursor, *, statement_timeout: int, lock_wait: int) -> None:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false)",
            (f"{statement_timeout * 1000}ms", f"{lock_wait * 1000}ms"),
        )

    def begin_rehearsal(self, connection, cursor, *, statement_timeout: int, lock_wait: int) -> bool:
        # Prisma's key, transaction-scoped: a running `migrate deploy` holds it; our rollback releases it.
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", (f"{lock_wait * 1000}ms",))
        cursor.execute(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        # As Prisma's connector: unqualified names resolve to the URL's schema. Each statement gets
        # statement_timeout; a table lock is waited for at most lock_wait, so production is never queued behind us
        # for long.
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true), set_config('search_path', %s, true)",
            (f"{statement_timeout * 1000}ms", quote(self.target.schema)),
        )
        return True

    # Rehearsal bounds and lock impact (issue 15) --------------------------------------------------------------------

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        del cursor
        pid = connection.info.backend_pid

        def cancel():
            # PostgreSQL's cancel request: a separate connection carrying this session's key (no login, no
            # privilege), which psycopg lets another thread send while the session is busy. A cancel that lands
            # between two statements is lost: the watchdog repeats it.
            connection.cancel_safe(timeout=1.0)

        def terminate():
            # A DO block can catch query_canceled and carry on; the end of its backend cannot be caught, and rolls
            # its transaction back. A role may end its own sessions (pg_terminate_backend needs no other privilege).
            other = self.connect(read_only=True, lock_timeout=1, statement_timeout=5)
            try:
                other.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
                other.commit()
            finally:
                other.close()

        return cancel, terminate

    def bound_rehearsal(
        self, connection, cursor, *, seconds_left: float, lock_wait: int, statement_timeout: int
    ) -> None:
        del connection
        seconds_left += REHEARSAL_ENGINE_MARGIN
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)",
            (_milliseconds(min(statement_timeout, seconds_left)), _milliseconds(min(lock_wait, seconds_left))),
        )

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        # reltuples is -1 until the table is first vacuumed or analysed (PostgreSQL 14+): no estimate then. The size
        # is relpages (table, TOAST, indexes) as VACUUM/ANALYZE last counted them: pg_total_relation_size would wait
        # for a lock a running deployment holds.
        cursor.execute(
            "SELECT c.reltuples::bigint, (c.relpages::bigint + COALESCE(t.relpages, 0) + COALESCE(("
            "SELECT sum(i.relpages) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = c.oid), 0)) * current_setting('block_size')::bigint "
            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p', 'm')",
            (table.schema or self.target.schema, table.name),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        rows, size = row
        return (None, None) if rows < 0 else (rows, size)


def _milliseconds(seconds: float) -> str:
    # 0 would mean no timeout at all.
    return f"{max(1, int(seconds * 1000))}ms"


_RELATION = (
    "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relname = %s AND c.relkind = '{kind}'"
)


def tls_parameters(options: dict) -> dict:
    """Prisma's TLS parameters in libpq's terms: Prisma's `sslcert` is the CA that signed the server's
    certificate (libpq's sslrootcert), and `sslaccept=strict` asks for the certificate to be verified."""
    if "sslidentity" in options:
        raise ConnectionFailed(
            "sslidentity (a PKCS#12 client identity) cannot be used by libpq.",
            hint="Use a client certificate and key in PEM form through libpq (PGSSLCERT/PGSSLKEY).",
        )
    params = {}
    sslmode = options.get("sslmode")
    if "sslcert" in options:
        params["sslrootcert"] = options["sslcert"]
        if options.get("sslaccept") == "strict" and sslmode == "require":
            sslmode = "verify-full"
    if sslmode:
        params["sslmode"] = sslmode
    return params
