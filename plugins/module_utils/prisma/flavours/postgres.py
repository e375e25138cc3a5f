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
    TABLE,
    Flavour,
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
        cursor.execute(
            "SELECT l.pid AS session, a.usename AS user, a.application_name AS application, "
            "host(a.client_addr) AS client_address, a.state_change AS since, a.backend_start AS connected_since, "
            "a.state AS state FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = %s AND l.objsubid = 1 ORDER BY l.pid",
            (ADVISORY_LOCK_KEY,),
        )
        return rows_as_dicts(cursor)


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
