# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: its DATABASE_URL, as Prisma reads it."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import (
    DatabaseUrlError,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import (
    DatabaseTarget,
    split_network_url,
    take_options,
)

SHAPE = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE?schema=SCHEMA"


DEFAULT_PORT = 5432


# Prisma keeps the history in `public` unless the URL names a schema.
DEFAULT_SCHEMA = "public"


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

# Prisma's name for this database (`provider` in schema.prisma).
PROVIDER = "postgresql"


def parse_url(url: str, project_dir: str | None) -> DatabaseTarget:
    """Prisma's DATABASE_URL of this database as connection parameters."""
    del project_dir
    parts = split_network_url(url, "postgresql", SHAPE, socket_parameter="host")
    query = dict(parts.query)
    options = take_options(query, URL_OPTIONS)
    if options.get("sslmode", "prefer") not in SSL_MODES:
        raise DatabaseUrlError(f"Unknown sslmode '{options['sslmode']}' (use disable, prefer or require).")
    schema = query.pop("schema", None) or DEFAULT_SCHEMA
    return parts.target(PROVIDER, DEFAULT_PORT, options, database=parts.database or "postgres", schema=schema)
