# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: connecting through its driver, and what its errors mean."""

from __future__ import annotations

import re

from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import (
    ConnectionFailed,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Driver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.codes import (
    LOCK_NOT_AVAILABLE,
    QUERY_CANCELED,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import (
    AUTH_FAILED,
    DATABASE_MISSING,
    TLS_ERROR,
    UNREACHABLE,
    ConnectionProblem,
)

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


class PostgresDriver(Driver):
    def connect(self, *, read_only: bool, lock_timeout: int, statement_timeout=None):
        del read_only, lock_timeout
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

    def is_lock_timeout(self, error: BaseException) -> bool:
        return getattr(error, "sqlstate", None) == LOCK_NOT_AVAILABLE

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

    def error_code(self, error: BaseException) -> str | None:
        return getattr(error, "sqlstate", None)

    def error_text(self, error: BaseException) -> str:
        # The primary message only: DETAIL quotes row values ("Key (bio)=(x) is duplicated").
        diag = getattr(error, "diag", None)
        primary = getattr(diag, "message_primary", None) if diag is not None else None
        text = primary or (str(error).splitlines() or [type(error).__name__])[0]
        return " ".join(text.split())
