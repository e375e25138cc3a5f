# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: its DATABASE_URL, as Prisma reads it."""

from __future__ import annotations

import os
from urllib.parse import unquote

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import (
    DatabaseUrlError,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import DatabaseTarget

# Prisma's name for this database (`provider` in schema.prisma).
PROVIDER = "sqlite"


def parse_url(url: str, project_dir: str | None) -> DatabaseTarget:
    """Prisma's DATABASE_URL of this database as connection parameters."""
    location = url[len("file:") :].split("?", 1)[0]
    if location.startswith("//"):
        location = location[2:]
    location = unquote(location)
    if not location:
        raise DatabaseUrlError("The SQLite URL names no file; expected file:./dev.db or file:/absolute/path.db.")
    if not os.path.isabs(location):
        # Prisma resolves a relative SQLite path against the schema's folder.
        location = os.path.join(project_dir or os.getcwd(), location)
    return DatabaseTarget(provider=PROVIDER, path=os.path.normpath(location))
