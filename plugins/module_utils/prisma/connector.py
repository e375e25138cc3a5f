# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a DATABASE_URL to a flavour and an open connection: the only place that picks a database by its URL.

Adding a database means adding its flavour module and listing it in FLAVOURS.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.database_url import DatabaseTarget, scheme_of
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import ConnectionFailed, DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.base import Flavour
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.mssql import MssqlFlavour
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.mysql import MysqlFlavour
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.postgres import PostgresFlavour
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.sqlite import SqliteFlavour

FLAVOURS: tuple[type[Flavour], ...] = (PostgresFlavour, MysqlFlavour, SqliteFlavour, MssqlFlavour)
PROVIDERS = tuple(flavour.provider for flavour in FLAVOURS)
_BY_SCHEME = {scheme: flavour for flavour in FLAVOURS for scheme in flavour.schemes}
_BY_PROVIDER = {flavour.provider: flavour for flavour in FLAVOURS}


def parse_database_url(url: str, project_dir: str | None = None) -> DatabaseTarget:
    """Prisma's DATABASE_URL as connection parameters; a relative SQLite path resolves against `project_dir`."""
    if not isinstance(url, str) or not url.strip():
        raise DatabaseUrlError("database_url is empty; pass the DATABASE_URL of the Prisma app.")
    url = url.strip()
    scheme = scheme_of(url)
    flavour = _BY_SCHEME.get(scheme)
    if flavour is None:
        what = f"Unsupported database URL scheme '{scheme}'" if scheme.isalnum() else "The database URL has no scheme"
        schemes = ", ".join(f"{name}:" + ("" if name == "file" else "//") for name in _BY_SCHEME)
        raise DatabaseUrlError(f"{what}. Use the DATABASE_URL of the Prisma app: {schemes}.")
    return flavour.parse_url(url, project_dir)


def flavour_for(target: DatabaseTarget) -> Flavour:
    return _BY_PROVIDER[target.provider](target)


GENERIC_CONNECTION_HINT = "Check the host is reachable from this runner, the credentials, and the database name."


def open_connection(flavour: Flavour, *, read_only: bool, lock_timeout: int, secrets=(), **options):
    """A connection through the flavour; a failure names the target and never a credential, and says which kind of
    failure it is (error_kind) and what to do about it (hint)."""
    try:
        return flavour.connect(read_only=read_only, lock_timeout=lock_timeout, **options)
    except DbopsError:
        raise
    except Exception as exc:  # the drivers share no exception base class
        detail = redact(one_line(exc), [flavour.target.password, *secrets])
        problem = flavour.classify_connection_error(exc)
        raise ConnectionFailed(
            f"Cannot connect to {flavour.target.describe()}: {detail}",
            hint=problem.hint if problem else GENERIC_CONNECTION_HINT,
            error_kind=problem.kind if problem else None,
            facts=problem.facts if problem else None,
            transient=problem.transient if problem else None,
        ) from None
