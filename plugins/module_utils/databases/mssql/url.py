# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: its DATABASE_URL, as Prisma reads it."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import (
    DatabaseUrlError,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import (
    DEFAULT_CONNECT_TIMEOUT,
    DatabaseTarget,
    parse_timeout,
)

# Prisma's name for this database (`provider` in schema.prisma).
PROVIDER = "sqlserver"


SHAPE = "sqlserver://HOST:PORT;database=DB;user=USER;password=PWD"


DEFAULT_PORT = 1433


# Prisma keeps the history in `dbo` unless the URL names a schema.
DEFAULT_SCHEMA = "dbo"


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


def quote(identifier: str) -> str:
    return "[" + identifier.replace("]", "]]") + "]"


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


def parse_url(url: str, project_dir: str | None) -> DatabaseTarget:
    """Prisma's DATABASE_URL of this database as connection parameters."""
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
        provider=PROVIDER,
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
