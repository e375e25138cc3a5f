# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a DATABASE_URL lives in Azure: a Key Vault secret, or the API's App Service configuration.

`pick_setting` is pure; the readers only call the SDKs (imported lazily) and turn their errors into
messages that name what is missing, never a value.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.errors import AzureError
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import AzureSession
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library

SETTING_KINDS = ("app_setting", "connection_string")


def pick_setting(values: dict, name: str, kind: str, app: str) -> tuple[str, str | None]:
    """The value (and, for a connection string, its type) of `name`; a miss lists the names that exist."""
    label = "application setting" if kind == "app_setting" else "connection string"
    if name not in values:
        known = ", ".join(sorted(values)) or "none"
        raise AzureError(
            f"App Service {app} has no {label} named {name}.",
            code="SettingNotFound",
            hint=f"Its {label}s are: {known}.",
        )
    value = values[name]
    if kind == "app_setting":
        return value, None
    return value.value, getattr(value.type, "value", value.type)


def read_keyvault_secret(session: AzureSession, vault_url: str, name: str, version: str | None) -> str:
    secrets = import_library("azure.keyvault.secrets", "azure-keyvault-secrets", "to read a Key Vault secret")
    client = session.data_plane_client(secrets.SecretClient, vault_url)
    missing = AzureError(
        f"Key Vault {vault_url} has no secret named {name}" + (f" (version {version})." if version else "."),
        code="SecretNotFound",
        hint="Store the DATABASE_URL there first (az keyvault secret set), or fix the secret name.",
    )
    with session.errors(f"read secret {name} of Key Vault {vault_url}", not_found=missing):
        value = client.get_secret(name, version).value
    if value is None:
        raise AzureError(f"The secret {name} of Key Vault {vault_url} has no value.", code="SecretNotFound")
    return value


def read_app_setting(
    session: AzureSession, resource_group: str, app: str, name: str, kind: str, slot: str | None
) -> tuple[str, str | None]:
    web = import_library("azure.mgmt.web", "azure-mgmt-web", "to read App Service settings")
    operations = session.management_client(web.WebSiteManagementClient).web_apps
    reader = {
        "app_setting": operations.list_application_settings,
        "connection_string": operations.list_connection_strings,
    }[kind]
    arguments = (resource_group, app)
    if slot:
        reader = getattr(operations, reader.__name__ + "_slot")
        arguments += (slot,)
    shown = f"{app} (slot {slot})" if slot else app
    with session.errors(
        f"read the configuration of App Service {shown} in resource group {resource_group}",
        not_found_hint="Check subscription_id, resource_group, app_name and slot.",
    ):
        values = reader(*arguments).properties or {}
    return pick_setting(values, name, kind, shown)
