# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every Prisma history module shares: options, opening the store, and reporting failures."""

from __future__ import annotations

from contextlib import contextmanager

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.backoffice.dbops.plugins.module_utils.connections import (
    MissingDriverError,
    entra_access_token,
    redact,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.database_url import (
    DatabaseUrlError,
    parse_database_url,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.history_store import HistoryStore
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma_errors import DbopsError


def database_argument_spec(**extra) -> dict:
    """The options of the `backoffice.dbops.database` doc fragment, plus a module's own."""
    spec = {
        "database_url": {"type": "str", "required": True, "no_log": True},
        "project_dir": {"type": "path"},
        "migrations_dir": {"type": "path"},
        "odbc_driver": {"type": "str"},
        "entra_auth": {"type": "str", "default": "none", "choices": ["none", "default", "cli", "managed_identity"]},
    }
    spec.update(extra)
    return spec


@contextmanager
def reported_failures(module):
    """Turn our errors into `fail_json` with Prisma's code; a missing driver into `missing_required_lib`."""
    try:
        yield
    except MissingDriverError as error:
        module.fail_json(msg=missing_required_lib(error.library), exception=None, error=error.message)
    except DatabaseUrlError as error:
        module.fail_json(msg=f"Invalid database_url: {error}", code=None)
    except DbopsError as error:
        result = {"msg": str(error), "code": error.code}
        if error.hint:
            result["hint"] = error.hint
        module.fail_json(**result)


def open_history_store(module, **store_options) -> HistoryStore:
    params = module.params
    target = parse_database_url(params["database_url"], params.get("project_dir"))
    if target.password:
        # Ansible masks no_log values it knows; the URL is one, the password inside it is another.
        module.no_log_values.add(target.password)
    access_token = None
    if params.get("entra_auth", "none") != "none":
        if target.provider != "sqlserver":
            raise DbopsError("entra_auth applies only to sqlserver:// URLs.", hint="Set entra_auth to none.")
        kind = {"managed_identity": "msi"}.get(params["entra_auth"], params["entra_auth"])
        try:
            access_token = entra_access_token(kind)
        except MissingDriverError:
            raise
        except Exception as exc:  # azure-identity raises several unrelated classes
            raise DbopsError(
                f"Could not get an Entra ID token for Azure SQL: {redact(str(exc), [target.password])}",
                hint="Log in (az login), run where a managed identity exists, or set AZURE_CLIENT_ID/"
                "AZURE_TENANT_ID/AZURE_CLIENT_SECRET.",
            ) from None
        module.no_log_values.add(access_token)
    return HistoryStore(target, odbc_driver=params.get("odbc_driver"), access_token=access_token, **store_options)
