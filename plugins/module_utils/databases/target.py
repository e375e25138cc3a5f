# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a parsed DATABASE_URL holds, and the parsing rules the URL forms share.

Pure: no driver is imported and nothing is opened here. Each database parses its own URL form with these helpers
(databases/<name>/url.py); `database.parse_database_url` picks the database by scheme. Errors never quote the URL or
its password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseUrlError

DEFAULT_CONNECT_TIMEOUT = 5


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
        if self.path is not None:
            return f"SQLite database {self.path}"
        where = self.socket or f"{self.host}:{self.port}"
        if self.instance:
            where = f"{self.host}\\{self.instance}" + (f":{self.port}" if self.port else "")
        user = f"{self.user}@" if self.user else ""
        schema = f" (schema {self.schema})" if self.schema else ""
        return f"{self.provider} {user}{where}/{self.database or ''}{schema}"


def scheme_of(url: str) -> str:
    """The lowercased scheme (Prisma also takes `jdbc:sqlserver://`), or '' when there is none."""
    lowered = url.lower()
    if lowered.startswith("jdbc:sqlserver://"):
        return "sqlserver"
    return lowered.split(":", 1)[0] if ":" in lowered else ""


def parse_timeout(value: str, key: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        raise DatabaseUrlError(f"'{key}' must be a whole number of seconds, got '{value}'.") from None
    if seconds < 0:
        raise DatabaseUrlError(f"'{key}' must not be negative.")
    return seconds


@dataclass(frozen=True)
class NetworkUrl:
    """A `scheme://user:password@host:port/database?query` URL, split and decoded; `query` holds the parameters
    not read here."""

    host: str
    port: int | None
    user: str | None
    password: str | None
    database: str | None
    socket: str | None
    connect_timeout: int
    query: dict

    def target(self, provider: str, default_port: int, options: dict, **fields) -> DatabaseTarget:
        """The DatabaseTarget of this URL: its host, port (else `default_port`), credentials, socket and timeout,
        with `fields` (database, schema, socket...) as the database reads them."""
        split = {
            "host": self.host,
            "port": self.port or default_port,
            "database": self.database,
            "user": self.user,
            "password": self.password,
            "socket": self.socket,
            "connect_timeout": self.connect_timeout,
        }
        return DatabaseTarget(provider=provider, options=options, **{**split, **fields})


def split_network_url(url: str, provider: str, shape: str, *, socket_parameter: str) -> NetworkUrl:
    """Split the URL; a socket path (in `socket_parameter`) stands for the host, which is then localhost."""
    refuse_misplaced_at(url, provider)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        # urllib's messages may echo the netloc, which holds the password: keep only the kind.
        reason = "invalid port" if "port" in str(exc).lower() else "malformed authority"
        raise DatabaseUrlError(f"Malformed {provider} URL ({reason}); expected {shape}.") from None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    socket = query.pop(socket_parameter, None)
    host = parts.hostname or ("localhost" if socket else None)
    if not host:
        raise DatabaseUrlError(f"The {provider} URL has no host; expected {shape}.")
    return NetworkUrl(
        host=host,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        database=unquote(parts.path.lstrip("/")) or None,
        socket=socket,
        connect_timeout=parse_timeout(query.pop("connect_timeout", str(DEFAULT_CONNECT_TIMEOUT)), "connect_timeout"),
        query=query,
    )


def refuse_misplaced_at(url: str, provider: str) -> None:
    """An '@' after the host part means credentials with an unencoded '/', '?' or '#': the URL then splits at the
    wrong place (`postgresql://u:4711/secret@host/db` reads as host `u`, port 4711, database `secret@host/db`), and
    every part of it may hold a piece of the password, so none is quoted."""
    authority_end = len(url)
    start = url.find("//") + 2 if "//" in url else len(url)
    for separator in "/?#":
        found = url.find(separator, start)
        if found != -1:
            authority_end = min(authority_end, found)
    rest = url[authority_end:]
    if "@" not in rest:
        return
    at = rest.index("@")
    where = "after '#'" if "#" in rest[:at] else "in the query" if "?" in rest[:at] else "in the database path"
    raise DatabaseUrlError(
        f"Malformed {provider} URL: an '@' follows the host part ({where}), so the user name or password holds a "
        "'/', '?' or '#' that is not percent-encoded and the URL cannot be split safely. Percent-encode special "
        "characters in the credentials ('/' as %2F, '?' as %3F, '#' as %23, '@' as %40), as Prisma requires."
    )


def take_options(query: dict, keys) -> dict:
    """Remove `keys` from the query and return those present."""
    return {key: query.pop(key) for key in keys if key in query}
