# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open a DB-API connection for a parsed DATABASE_URL.

Drivers are imported here, lazily, so a module that never reaches this point never pays for them
and a missing driver becomes a clear `missing_required_lib` message.
"""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime, timedelta, timezone

from ansible_collections.backoffice.dbops.plugins.module_utils.database_url import DatabaseTarget
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma_errors import DbopsError

# ODBC drivers in order of preference; FreeTDS is the fallback Debian ships.
ODBC_DRIVER_PREFERENCE = ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server", "FreeTDS")
SQL_COPT_SS_ACCESS_TOKEN = 1256
AZURE_SQL_SCOPE = "https://database.windows.net/.default"
# pyodbc hands DATETIMEOFFSET over as raw bytes under this SQL type code.
SQL_SS_TIMESTAMPOFFSET = -155


class MissingDriverError(DbopsError):
    def __init__(self, library: str, provider: str, error: Exception):
        super().__init__(f"The {library} library is needed to connect to {provider}: {error}")
        self.library = library


class ConnectionFailed(DbopsError):
    pass


def redact(text: str, secrets) -> str:
    """Replace every secret (and its URL-encoded form) in a message by asterisks."""
    from urllib.parse import quote

    for secret in secrets:
        if secret:
            for form in dict.fromkeys((secret, quote(secret, safe=""), quote(secret))):
                text = text.replace(form, "********")
    return text


def connect(target: DatabaseTarget, *, read_only: bool, lock_timeout: int, secrets=(), **options):
    """A DB-API connection in manual-commit mode; errors name the target but never a credential."""
    secrets = [target.password, *secrets]
    try:
        if target.provider == "postgresql":
            return _connect_postgresql(target)
        if target.provider == "mysql":
            return _connect_mysql(target)
        if target.provider == "sqlite":
            return _connect_sqlite(target, read_only=read_only, lock_timeout=lock_timeout)
        return _connect_sqlserver(target, **options)
    except (MissingDriverError, ConnectionFailed):
        raise
    except Exception as exc:  # the drivers share no exception base class
        raise ConnectionFailed(
            f"Cannot connect to {target.describe()}: {redact(_first_line(exc), secrets)}",
            hint="Check the host is reachable from this runner (firewall), the credentials, and the database name.",
        ) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def _import(name: str, library: str, provider: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingDriverError(library, provider, exc) from None


def _connect_postgresql(target: DatabaseTarget):
    psycopg = _import("psycopg", "psycopg", "PostgreSQL")
    params = {
        "host": target.socket or target.host,
        "port": target.port,
        "dbname": target.database,
        "connect_timeout": target.connect_timeout or None,
        "application_name": target.options.get("application_name", "backoffice.dbops"),
    }
    if target.user:
        params["user"] = target.user
    if target.password is not None:
        params["password"] = target.password
    params.update(postgres_tls(target.options))
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=False)


def postgres_tls(options: dict) -> dict:
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


def _connect_mysql(target: DatabaseTarget):
    pymysql = _import("pymysql", "PyMySQL", "MySQL")
    params = {
        "host": target.host,
        "port": target.port,
        "user": target.user,
        "password": target.password or "",
        "database": target.database,
        "connect_timeout": target.connect_timeout or 10,
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
    return pymysql.connect(**params)


def _connect_sqlite(target: DatabaseTarget, *, read_only: bool, lock_timeout: int):
    import sqlite3
    from urllib.parse import quote

    if not os.path.isfile(target.path):
        raise ConnectionFailed(
            f"SQLite database file {target.path} does not exist.",
            hint="A relative file: URL resolves against project_dir (the folder of schema.prisma); set project_dir.",
        )
    # mode=ro guarantees a read cannot write; mode=rw never creates a file by accident.
    mode = "ro" if read_only else "rw"
    uri = f"file:{quote(target.path)}?mode={mode}"
    connection = sqlite3.connect(uri, uri=True, timeout=lock_timeout, isolation_level=None)
    return connection


def odbc_connection_string(target: DatabaseTarget, driver: str, *, with_token: bool = False) -> str:
    """The ODBC connection string for SQL Server: pure, so the exact text is unit-tested."""

    def braced(value: str) -> str:
        return "{" + str(value).replace("}", "}}") + "}"

    freetds = "freetds" in driver.lower()
    server = target.host + (f"\\{target.instance}" if target.instance else "")
    parts = [f"DRIVER={braced(driver)}"]
    if freetds:
        parts += [f"SERVER={braced(server)}", f"PORT={target.port or 1433}", "TDS_Version=7.4"]
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
    local = datetime(
        year,
        month,
        day,
        hour,
        minute,
        second,
        fraction // 1000,
        tzinfo=timezone(timedelta(hours=tz_hour, minutes=tz_minute)),
    )
    return local.astimezone(UTC)


def choose_odbc_driver(installed: list[str], requested: str | None) -> str:
    if requested:
        if requested not in installed:
            raise ConnectionFailed(
                f"ODBC driver '{requested}' is not installed (installed: {', '.join(installed) or 'none'}).",
                hint="Install Microsoft's ODBC Driver 18 for SQL Server or FreeTDS, or set odbc_driver to one listed.",
            )
        return requested
    for name in ODBC_DRIVER_PREFERENCE:
        if name in installed:
            return name
    raise ConnectionFailed(
        f"No SQL Server ODBC driver is installed (installed: {', '.join(installed) or 'none'}).",
        hint="Install Microsoft's ODBC Driver 18 for SQL Server (msodbcsql18) or FreeTDS (tdsodbc).",
    )


def _connect_sqlserver(target: DatabaseTarget, odbc_driver: str | None = None, access_token: str | None = None):
    pyodbc = _import("pyodbc", "pyodbc", "SQL Server")
    driver = choose_odbc_driver(list(pyodbc.drivers()), odbc_driver)
    extra = {}
    if access_token:
        extra["attrs_before"] = {SQL_COPT_SS_ACCESS_TOKEN: pack_access_token(access_token)}
    connection = pyodbc.connect(
        odbc_connection_string(target, driver, with_token=bool(access_token)),
        autocommit=False,
        timeout=target.connect_timeout,
        **extra,
    )
    connection.add_output_converter(SQL_SS_TIMESTAMPOFFSET, decode_datetimeoffset)
    return connection


def entra_access_token(credential_kind: str = "default") -> str:
    """A token for Azure SQL from azure-identity (environment, managed identity, workload identity, CLI)."""
    identity = _import("azure.identity", "azure-identity", "Azure SQL with Entra ID")
    if credential_kind == "cli":
        credential = identity.AzureCliCredential()
    elif credential_kind == "msi":
        credential = identity.ManagedIdentityCredential()
    else:
        credential = identity.DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return credential.get_token(AZURE_SQL_SCOPE).token
