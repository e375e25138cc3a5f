# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a DATABASE_URL lives in Azure: a Key Vault secret, or the API's App Service configuration.

`pick_setting` is pure; the readers only call the SDKs (imported lazily) and turn their errors into
messages that name what is missing, never a value.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.azure_auth import (
    RETRY_OPTIONS,
    AzureError,
    AzureSession,
    import_sdk,
)

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


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def _message(error: Exception) -> str:
    return getattr(getattr(error, "error", None), "message", None) or _one_line(error)


def _failure(what: str, error: Exception, errors) -> AzureError:
    if isinstance(error, errors.ClientAuthenticationError):
        return AzureError(
            f"Azure did not accept the credentials to read {what}: {_one_line(error)}",
            code="AuthenticationFailed",
            hint="Check auth_source, client_id, tenant and the secret, and the cloud_environment.",
        )
    code = getattr(getattr(error, "error", None), "code", None)
    message = _message(error)
    hint = None
    if code in ("Forbidden", "AuthorizationFailed"):
        hint = "The identity needs read access: Key Vault Secrets User, or Website Contributor on the app."
    return AzureError(f"Cannot read {what}: {message}", code=code, hint=hint)


def read_keyvault_secret(session: AzureSession, vault_url: str, name: str, version: str | None) -> str:
    secrets = import_sdk("azure.keyvault.secrets", "azure-keyvault-secrets")
    errors = import_sdk("azure.core.exceptions", "azure-core")
    client = secrets.SecretClient(vault_url, session.credential, **RETRY_OPTIONS)
    what = f"secret {name} of Key Vault {vault_url}"
    try:
        value = client.get_secret(name, version).value
    except errors.ResourceNotFoundError:
        raise AzureError(
            f"Key Vault {vault_url} has no secret named {name}" + (f" (version {version})." if version else "."),
            code="SecretNotFound",
            hint="Store the DATABASE_URL there first (az keyvault secret set), or fix the secret name.",
        ) from None
    except errors.AzureError as exc:
        raise _failure(what, exc, errors) from None
    if value is None:
        raise AzureError(f"The {what} has no value.", code="SecretNotFound")
    return value


def read_app_setting(
    session: AzureSession, resource_group: str, app: str, name: str, kind: str, slot: str | None
) -> tuple[str, str | None]:
    web = import_sdk("azure.mgmt.web", "azure-mgmt-web")
    errors = import_sdk("azure.core.exceptions", "azure-core")
    client = session.management_client(web.WebSiteManagementClient)
    operations = client.web_apps
    reader = {
        "app_setting": operations.list_application_settings,
        "connection_string": operations.list_connection_strings,
    }[kind]
    arguments = (resource_group, app)
    if slot:
        reader = getattr(operations, reader.__name__ + "_slot")
        arguments += (slot,)
    shown = f"{app} (slot {slot})" if slot else app
    try:
        values = reader(*arguments).properties or {}
    except errors.ResourceNotFoundError as exc:
        raise AzureError(
            f"Cannot read the configuration of App Service {shown} in resource group {resource_group}: {_message(exc)}",
            code="ResourceNotFound",
            hint="Check subscription_id, resource_group, app_name and slot.",
        ) from None
    except errors.AzureError as exc:
        raise _failure(f"the configuration of App Service {shown}", exc, errors) from None
    return pick_setting(values, name, kind, shown)
