# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module that takes a DATABASE_URL shares: the options of the `backoffice.dbops.database` doc fragments,
and opening the Database once where the module starts, with its credentials in the module's Secrets."""

from __future__ import annotations

import os

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    ConnectOptions,
    Database,
    parse_database_url,
)

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


def open_module_database(module, secrets, kind=Database) -> Database:
    """The Database of `database_url`, with what connecting needs beyond the URL (ODBC driver, Entra token); the
    password and the token go to the module's `secrets` (Ansible masks the URL itself: its option is no_log). `kind`:
    another class of it (preflight_parts.PreflightDatabase for the modules that use the preflight's parts)."""
    params = module.params
    target = parse_database_url(params["database_url"], params.get("project_dir"))
    secrets.add(target.password, "The database password")
    secrets.keep([target.database, params.get("migration")])
    options = ConnectOptions(params.get("odbc_driver"), access_token_for(module, [target], secrets))
    return kind(target, options, secrets)


def access_token_for(module, targets, secrets) -> str | None:
    """The Entra ID token entra_auth asks for (None for password sign-in); only Azure SQL takes one."""
    if module.params.get("entra_auth", "none") == "none":
        return None
    if not all(Database(target).driver.azure_sql for target in targets):
        raise DbopsError("entra_auth applies only to sqlserver:// URLs.", hint="Set entra_auth to none.")
    return entra_access_token(ENTRA_AUTH_SOURCES[module.params["entra_auth"]], secrets)


def entra_access_token(auth_source: str, secrets) -> str:
    """An Azure SQL token from the collection's one Azure sign-in (AWX's Azure credential works as is). Azure's
    code is imported here, for the runs that sign in only."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import (
        open_session,
        params_from_environment,
        secret_values,
    )

    params = params_from_environment(os.environ, auth_source=auth_source)
    for secret in secret_values(params, os.environ):
        secrets.add(secret, "An Azure secret")
    token = open_session(params, os.environ, needs_subscription=False).sql_access_token()
    secrets.add(token, "The Entra ID access token")
    return token
