# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every Prisma history module shares: its options, their validation, and opening the history store."""

from __future__ import annotations

import os

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import (
    open_session,
    params_from_environment,
    secret_values,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.validation import migration_name, require_range
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connector import flavour_for, parse_database_url
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.database_url import DatabaseTarget
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.store import HistoryStore

DEFAULT_LOCK_TIMEOUT = 10
# PostgreSQL's lock_timeout holds milliseconds in a 32-bit integer (24.8 days); a day is more than any deploy.
MAX_LOCK_TIMEOUT = 86400
DEFAULT_HISTORY_LIMIT = 500
# entra_auth's choices in the vocabulary of the Azure modules' auth_source.
ENTRA_AUTH_SOURCES = {"default": "auto", "cli": "cli", "managed_identity": "msi"}


def connection_argument_spec(**extra) -> dict:
    """The options of the `backoffice.dbops.database.connection` doc fragment, plus a module's own."""
    return {
        "odbc_driver": {"type": "str"},
        "entra_auth": {"type": "str", "default": "none", "choices": ["none", *ENTRA_AUTH_SOURCES]},
        **extra,
    }


def database_argument_spec(**extra) -> dict:
    """The options of the `backoffice.dbops.database` and `.connection` doc fragments, plus a module's own."""
    # A module may tighten a shared option (the preflight requires migrations_dir).
    shared = {
        "database_url": {"type": "str", "required": True, "no_log": True},
        "project_dir": {"type": "path"},
        "migrations_dir": {"type": "path"},
    }
    return connection_argument_spec(**{**shared, **extra})


def history_limit(params: dict) -> int:
    return require_range(
        "history_limit",
        params["history_limit"],
        minimum=0,
        hint="Pass how many of the most recent rows to list (0 lists them all).",
    )


def lock_timeout(params: dict) -> int:
    # 0 would mean "wait forever" to PostgreSQL and "do not wait" to MySQL: not a value to guess about.
    return require_range(
        "lock_timeout",
        params["lock_timeout"],
        minimum=1,
        maximum=MAX_LOCK_TIMEOUT,
        unit=" s",
        hint="Pass how many seconds to wait for Prisma's migrate lock (the default is 10).",
    )


def requested_migration(module, secrets) -> str | None:
    """The `migration` option, refused unless it is one folder name; it is never masked in the result."""
    value = module.params.get("migration")
    if value is None:
        return None
    name = migration_name(value)
    secrets.keep([name])
    return name


def database_connection(module, secrets) -> tuple[DatabaseTarget, dict]:
    """The target of `database_url` and what connecting to it needs beyond the URL (ODBC driver, Entra token); the
    password and the token go to the module's `secrets` (Ansible masks the URL itself: its option is no_log)."""
    params = module.params
    target = parse_database_url(params["database_url"], params.get("project_dir"))
    secrets.add(target.password, "The database password")
    secrets.keep([target.database, params.get("migration")])
    access_token = access_token_for(module, [target], secrets)
    return target, {"odbc_driver": params.get("odbc_driver"), "access_token": access_token}


def open_history_store(module, secrets, lock_timeout: int = DEFAULT_LOCK_TIMEOUT) -> HistoryStore:
    target, options = database_connection(module, secrets)
    return HistoryStore(target, lock_timeout=lock_timeout, secrets=secrets, **options)


def access_token_for(module, targets, secrets) -> str | None:
    """The Entra ID token entra_auth asks for (None for password sign-in); only SQL Server takes one."""
    if module.params.get("entra_auth", "none") == "none":
        return None
    if not all(flavour_for(target).azure_sql for target in targets):
        raise DbopsError("entra_auth applies only to sqlserver:// URLs.", hint="Set entra_auth to none.")
    return entra_access_token(ENTRA_AUTH_SOURCES[module.params["entra_auth"]], secrets)


def entra_access_token(auth_source: str, secrets) -> str:
    """An Azure SQL token from the collection's one Azure sign-in (AWX's Azure credential works as is)."""
    params = params_from_environment(os.environ, auth_source=auth_source)
    for secret in secret_values(params, os.environ):
        secrets.add(secret, "An Azure secret")
    token = open_session(params, os.environ, needs_subscription=False).sql_access_token()
    secrets.add(token, "The Entra ID access token")
    return token
