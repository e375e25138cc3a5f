# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: its DATABASE_URL, as Prisma reads it."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import (
    DatabaseTarget,
    split_network_url,
    take_options,
)

# Prisma's name for this database (`provider` in schema.prisma).
PROVIDER = "mysql"


SHAPE = "mysql://USER:PASSWORD@HOST:PORT/DATABASE"


DEFAULT_PORT = 3306


SSL_ACCEPT = ("strict", "accept_invalid_certs")


def parse_url(url: str, project_dir: str | None) -> DatabaseTarget:
    """Prisma's DATABASE_URL of this database as connection parameters."""
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
    # Prisma allows the socket path in parentheses and strips them.
    socket = parts.socket.replace("(", "").replace(")", "") if parts.socket else None
    return parts.target(PROVIDER, DEFAULT_PORT, options, socket=socket)
