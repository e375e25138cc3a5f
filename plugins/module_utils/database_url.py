# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse the DATABASE_URL a Prisma application uses into connection parameters.

Pure: no driver is imported and nothing is opened here. Errors never quote the password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

PROVIDERS = ("postgresql", "mysql", "sqlite", "sqlserver")

# Prisma's defaults: PostgreSQL keeps the history in `public`, SQL Server in `dbo`.
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "sqlserver": 1433}
DEFAULT_CONNECT_TIMEOUT = 5


class DatabaseUrlError(ValueError):
    """The URL cannot be used; the message is safe to show (it never holds the password)."""


@dataclass(frozen=True)
class DatabaseTarget:
    """Everything needed to open a connection, independent of the driver."""

    provider: str
    database: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    schema: str | None = None
    path: str | None = None
    socket: str | None = None
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT
    instance: str | None = None
    options: dict = field(default_factory=dict)

    def describe(self) -> str:
        """A human description of where we connect, without credentials."""
        if self.provider == "sqlite":
            return f"SQLite database {self.path}"
        where = self.socket or f"{self.host}:{self.port}"
        if self.instance:
            where = f"{self.host}\\{self.instance}" + (f":{self.port}" if self.port else "")
        user = f"{self.user}@" if self.user else ""
        schema = f" (schema {self.schema})" if self.schema else ""
        return f"{self.provider} {user}{where}/{self.database or ''}{schema}"


def provider_of(url: str) -> str:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    if scheme == "mysql":
        return "mysql"
    if scheme == "file":
        return "sqlite"
    if scheme == "sqlserver" or url.lower().startswith("jdbc:sqlserver://"):
        return "sqlserver"
    what = f"Unsupported database URL scheme '{scheme}'" if scheme.isalnum() else "The database URL has no scheme"
    raise DatabaseUrlError(
        f"{what}. Use the DATABASE_URL of the Prisma app: postgresql://, postgres://, mysql://, sqlserver:// or file:."
    )


def parse_database_url(url: str, project_dir: str | None = None) -> DatabaseTarget:
    if not isinstance(url, str) or not url.strip():
        raise DatabaseUrlError("database_url is empty; pass the DATABASE_URL of the Prisma app.")
    url = url.strip()
    provider = provider_of(url)
    if provider == "postgresql":
        return _parse_postgresql(url)
    if provider == "mysql":
        return _parse_mysql(url)
    if provider == "sqlite":
        return _parse_sqlite(url, project_dir)
    return _parse_sqlserver(url)


def _timeout(value: str, key: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        raise DatabaseUrlError(f"'{key}' must be a whole number of seconds, got '{value}'.") from None
    if seconds < 0:
        raise DatabaseUrlError(f"'{key}' must not be negative.")
    return seconds


def _split_network_url(url: str, provider: str):
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        # urllib's messages may echo the netloc, which holds the password: keep only the kind.
        reason = "invalid port" if "port" in str(exc).lower() else "malformed authority"
        raise DatabaseUrlError(f"Malformed {provider} URL ({reason}); expected {_shape(provider)}.") from None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    database = unquote(parts.path.lstrip("/")) or None
    return parts, port, query, database


def _shape(provider: str) -> str:
    return {
        "postgresql": "postgresql://USER:PASSWORD@HOST:PORT/DATABASE?schema=SCHEMA",
        "mysql": "mysql://USER:PASSWORD@HOST:PORT/DATABASE",
    }[provider]


def _parse_postgresql(url: str) -> DatabaseTarget:
    parts, port, query, database = _split_network_url(url, "postgresql")
    socket = query.pop("host", None)
    host = parts.hostname or ("localhost" if socket else None)
    if not host:
        raise DatabaseUrlError(f"The postgresql URL has no host; expected {_shape('postgresql')}.")
    timeout = _timeout(query.pop("connect_timeout", str(DEFAULT_CONNECT_TIMEOUT)), "connect_timeout")
    options = {}
    for key in (
        "sslmode",
        "sslcert",
        "sslrootcert",
        "sslkey",
        "sslidentity",
        "sslpassword",
        "sslaccept",
        "application_name",
        "options",
    ):
        if key in query:
            options[key] = query.pop(key)
    if "sslmode" in options and options["sslmode"] not in (
        "disable",
        "prefer",
        "require",
        "verify-ca",
        "verify-full",
        "allow",
    ):
        raise DatabaseUrlError(f"Unknown sslmode '{options['sslmode']}' (use disable, prefer or require).")
    return DatabaseTarget(
        provider="postgresql",
        host=host,
        port=port or DEFAULT_PORTS["postgresql"],
        database=database or "postgres",
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        schema=query.pop("schema", None) or "public",
        socket=socket,
        connect_timeout=timeout,
        options=options,
    )


def _parse_mysql(url: str) -> DatabaseTarget:
    parts, port, query, database = _split_network_url(url, "mysql")
    socket = query.pop("socket", None)
    if socket:
        # Prisma allows the socket path in parentheses and strips them.
        socket = socket.replace("(", "").replace(")", "")
    host = parts.hostname or ("localhost" if socket else None)
    if not host:
        raise DatabaseUrlError(f"The mysql URL has no host; expected {_shape('mysql')}.")
    if not database:
        raise DatabaseUrlError(
            f"The mysql URL names no database; the database holds _prisma_migrations. Expected {_shape('mysql')}."
        )
    timeout = _timeout(query.pop("connect_timeout", str(DEFAULT_CONNECT_TIMEOUT)), "connect_timeout")
    options = {}
    for key in ("sslaccept", "sslcert", "sslidentity", "sslpassword"):
        if key in query:
            options[key] = query.pop(key)
    if options.get("sslaccept", "strict") not in ("strict", "accept_invalid_certs"):
        raise DatabaseUrlError(f"Unknown sslaccept '{options['sslaccept']}' (use strict or accept_invalid_certs).")
    return DatabaseTarget(
        provider="mysql",
        host=host,
        port=port or DEFAULT_PORTS["mysql"],
        database=database,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        socket=socket,
        connect_timeout=timeout,
        options=options,
    )


def _parse_sqlite(url: str, project_dir: str | None) -> DatabaseTarget:
    location = url[len("file:") :]
    location = location.split("?", 1)[0]
    if location.startswith("//"):
        location = location[2:]
    location = unquote(location)
    if not location:
        raise DatabaseUrlError("The SQLite URL names no file; expected file:./dev.db or file:/absolute/path.db.")
    if not os.path.isabs(location):
        # Prisma resolves a relative SQLite path against the schema's folder.
        location = os.path.join(project_dir or os.getcwd(), location)
    return DatabaseTarget(provider="sqlite", path=os.path.normpath(location))


# SQL Server keys as Prisma reads them (lowercased; several aliases mean one thing).
_SQLSERVER_KEYS = {
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

_BOOLEAN_WORDS = {"true": True, "yes": True, "false": False, "no": False}


def _split_outside_braces(text: str, separator: str, limit: int = -1) -> list[str]:
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


def _unescape(text: str) -> str:
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


def split_sqlserver_properties(text: str) -> list[tuple[str, str]]:
    """`key=value;key={va;lue}` into (lowercased key, literal value) pairs, the way Prisma's JDBC parser reads them.

    A `{...}` group runs to the first `}` and may sit anywhere in a key or value; white space is kept as written.
    """
    pairs = []
    for item in _split_outside_braces(text, ";"):
        if not item:
            continue
        pieces = _split_outside_braces(item, "=", limit=1)
        if len(pieces) != 2:
            key = _unescape(pieces[0])
            raise DatabaseUrlError(f"SQL Server connection string property '{key}' has no '=value'.")
        key, value = _unescape(pieces[0]).lower(), _unescape(pieces[1])
        if not key:
            raise DatabaseUrlError("SQL Server connection string has a property with an empty name.")
        pairs.append((key, value))
    return pairs


def _parse_sqlserver(url: str) -> DatabaseTarget:
    body = url[len("jdbc:") :] if url.lower().startswith("jdbc:") else url
    if not body.lower().startswith("sqlserver://"):
        raise DatabaseUrlError(
            "Malformed sqlserver URL; expected sqlserver://HOST:PORT;database=DB;user=USER;password=PWD"
        )
    body = body[len("sqlserver://") :]
    server, *rest = _split_outside_braces(body, ";", limit=1)
    host, instance, port = _split_sqlserver_server(server)
    values: dict[str, str] = {}
    for key, value in split_sqlserver_properties(rest[0] if rest else ""):
        meaning = _SQLSERVER_KEYS.get(key)
        # Prisma ignores properties it does not use; never echo them, they may be secrets.
        if meaning is not None:
            values[meaning] = value
    options: dict[str, object] = {}
    for flag in ("trust_server_certificate", "integrated_security"):
        if flag in values:
            word = values.pop(flag).strip().lower()
            if word not in _BOOLEAN_WORDS:
                raise DatabaseUrlError(f"SQL Server property '{flag.replace('_', '')}' must be true or false.")
            options[flag] = _BOOLEAN_WORDS[word]
    encrypt = values.pop("encrypt", "true")
    if encrypt == "DANGER_PLAINTEXT":
        options["encrypt"] = "danger_plaintext"
    elif encrypt.strip().lower() in _BOOLEAN_WORDS:
        options["encrypt"] = "true" if _BOOLEAN_WORDS[encrypt.strip().lower()] else "false"
    elif encrypt.strip().lower() == "strict":
        options["encrypt"] = "strict"
    else:
        raise DatabaseUrlError("SQL Server property 'encrypt' must be true, false, strict or DANGER_PLAINTEXT.")
    timeout = _timeout(values.pop("connect_timeout", str(DEFAULT_CONNECT_TIMEOUT)), "connectTimeout")
    for key in ("trust_server_certificate_ca", "authentication", "application_name"):
        if key in values:
            options[key] = values.pop(key)
    return DatabaseTarget(
        provider="sqlserver",
        host=host,
        instance=instance,
        port=port,
        database=values.get("database") or "master",
        user=values.get("user"),
        password=values.get("password"),
        schema=values.get("schema") or "dbo",
        connect_timeout=timeout,
        options=options,
    )


def _split_sqlserver_server(server: str) -> tuple[str, str | None, int | None]:
    """`host[\\instance][:port]`; without a port, a named instance is found through SQL Browser."""
    name, *port_part = _split_outside_braces(server, ":", limit=1)
    port = None
    if port_part:
        port_text = _unescape(port_part[0])
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise DatabaseUrlError("The sqlserver URL has an invalid port; expected sqlserver://HOST:1433;...")
        port = int(port_text)
    host_part, *instance_part = _split_outside_braces(name, "\\", limit=1)
    host = _unescape(host_part).strip()
    instance = _unescape(instance_part[0]) if instance_part else None
    if host in ("", "."):
        host = "localhost"
    if port is None and not instance:
        port = DEFAULT_PORTS["sqlserver"]
    return host, instance or None, port
