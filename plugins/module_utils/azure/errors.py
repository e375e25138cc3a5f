# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure failures, and the one mapper from Azure SDK exceptions to them (in the spirit of amazon.aws's
`common_error_handler`): every SDK call of the collection runs inside `azure_errors`."""

from __future__ import annotations

from contextlib import contextmanager

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line, redact

# What to do about the ARM error codes an operator meets with these modules.
ARM_HINTS = {
    "DenyPublicEndpointEnabled": "Public network access is disabled: reach the server through its private endpoint "
    "or a VPN instead of a firewall rule.",
    "TooManyFirewallRules": "Set purge_expired: true to remove our expired rules, or delete unused rules.",
    "AuthorizationFailed": "The identity needs the role for this call: SQL Server Contributor on the server for "
    "firewall rules, Key Vault Secrets User on the vault, Website Contributor on the App Service.",
    "Forbidden": "The identity needs read access: Key Vault Secrets User on the vault, or Website Contributor on the "
    "App Service.",
}
CREDENTIALS_HINT = (
    "Check auth_source, client_id, tenant and the secret (AZURE_CLIENT_ID, AZURE_TENANT, AZURE_SECRET), and the "
    "cloud_environment."
)


class AzureError(DbopsError):
    """A failure to show as is; never holds a secret."""


def arm_code(error) -> str | None:
    return getattr(getattr(error, "error", None), "code", None)


def arm_message(error) -> str:
    return getattr(getattr(error, "error", None), "message", None) or one_line(error)


@contextmanager
def azure_errors(what: str, *, not_found: AzureError | None = None, not_found_hint: str | None = None, secrets=()):
    """Run SDK calls that `what` (e.g. "read server X") names, turning Azure's exceptions into AzureError.

    `not_found` replaces a 404 by a more precise error; `not_found_hint` only adds what to check. Every form of the
    `secrets` is redacted from the messages: a token endpoint may echo the form body it got, URL-encoded.
    """
    errors = import_library("azure.core.exceptions", "azure-core", "to talk to Azure")
    try:
        yield
    except errors.ClientAuthenticationError as exc:
        raise AzureError(
            f"Azure did not accept the credentials to {what}: {redact(one_line(exc), secrets)}",
            code="AuthenticationFailed",
            hint=CREDENTIALS_HINT,
        ) from None
    except errors.ResourceNotFoundError as exc:
        if not_found is not None:
            raise not_found from None
        code = arm_code(exc) or "ResourceNotFound"
        message = redact(arm_message(exc), secrets)
        raise AzureError(f"Cannot {what}: {message}", code=code, hint=not_found_hint) from None
    except errors.HttpResponseError as exc:
        code = arm_code(exc)
        message = redact(arm_message(exc), secrets)
        raise AzureError(f"Cannot {what}: {message}", code=code, hint=ARM_HINTS.get(code)) from None
    except errors.AzureError as exc:
        raise AzureError(f"Cannot {what}: {redact(one_line(exc), secrets)}") from None
