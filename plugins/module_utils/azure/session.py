# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Azure sign-in of the collection: credentials and clouds for ARM, Key Vault, App Service and Azure SQL.

Importable without the Azure SDKs: azure-identity and requests are imported only by the functions that talk to
Azure, so other modules stay fast and a missing SDK becomes `missing_required_lib`. Choosing the credential and
reading a cloud's metadata document are pure and unit-tested.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.errors import AzureError, azure_errors
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library

AUTH_SOURCES = ("auto", "env", "cli", "msi", "workload_identity")
# The public client id of the Azure CLI: what azure.azcollection uses for user/password logins.
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
# Environment variables that may hold a secret: AWX's credential injection and azure-identity's own.
SECRET_VARIABLES = ("AZURE_SECRET", "AZURE_PASSWORD", "AZURE_CLIENT_SECRET")
METADATA_TIMEOUT = 10
# Options that fall back to what AWX's Azure credential (and azure-identity) put in the environment.
ENVIRONMENT_FALLBACKS = {
    "auth_source": ("ANSIBLE_AZURE_AUTH_SOURCE",),
    "subscription_id": ("AZURE_SUBSCRIPTION_ID",),
    "client_id": ("AZURE_CLIENT_ID",),
    "secret": ("AZURE_SECRET", "AZURE_CLIENT_SECRET"),
    "tenant": ("AZURE_TENANT", "AZURE_TENANT_ID"),
    "cloud_environment": ("AZURE_CLOUD_ENVIRONMENT",),
}


@dataclass(frozen=True)
class AzureCloud:
    name: str
    resource_manager: str
    authority: str
    scope: str
    # The scope of Azure SQL access tokens in this cloud, None when its metadata does not name SQL's host suffix.
    sql_scope: str | None = None
    # Authorities Microsoft does not know (Azure Stack, emulators) cannot pass instance discovery.
    custom: bool = False


BUILTIN_CLOUDS = {
    "azurecloud": AzureCloud(
        "AzureCloud", "https://management.azure.com", "https://login.microsoftonline.com",
        "https://management.azure.com/.default", "https://database.windows.net/.default",
    ),
    "azurechinacloud": AzureCloud(
        "AzureChinaCloud", "https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default", "https://database.chinacloudapi.cn/.default",
    ),
    "azureusgovernment": AzureCloud(
        "AzureUSGovernment", "https://management.usgovcloudapi.net", "https://login.microsoftonline.us",
        "https://management.usgovcloudapi.net/.default", "https://database.usgovcloudapi.net/.default",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class CredentialChoice:
    kind: str
    options: dict = field(default_factory=dict, repr=False)


def azure_argument_spec(**extra) -> dict:
    """The options of the `backoffice.dbops.azure` doc fragment, plus a module's own."""
    spec = {
        "auth_source": {"type": "str", "default": "auto", "choices": list(AUTH_SOURCES)},
        "subscription_id": {"type": "str"},
        "client_id": {"type": "str"},
        "secret": {"type": "str", "no_log": True},
        "tenant": {"type": "str"},
        "cloud_environment": {"type": "str", "default": "AzureCloud"},
    }
    for name, variables in ENVIRONMENT_FALLBACKS.items():
        spec[name]["fallback"] = (env_fallback, list(variables))
    spec.update(extra)
    return spec


def params_from_environment(env, **params) -> dict:
    """The Azure options as their environment fallbacks give them, overridden by `params`."""
    found = {
        name: next((env[variable] for variable in variables if env.get(variable)), None)
        for name, variables in ENVIRONMENT_FALLBACKS.items()
    }
    return {**found, **{name: value for name, value in params.items() if value is not None}}


def secret_values(params: dict, env) -> set[str]:
    return {value for value in [params.get("secret"), *(env.get(name) for name in SECRET_VARIABLES)] if value}


def builtin_cloud(name: str) -> AzureCloud | None:
    return BUILTIN_CLOUDS.get(name.strip().lower())


def cloud_from_metadata(document, url: str) -> AzureCloud:
    """An ARM metadata document as a cloud.

    Two shapes exist: Azure Stack's object (`/metadata/endpoints?api-version=2015-01-01`), which has no
    resourceManager because it is the host that served it, and the array of clouds of
    `?api-version=2022-09-01`, where we take the cloud whose resourceManager is that host.
    """
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    if isinstance(document, list):
        clouds = [entry for entry in document if isinstance(entry, dict)]
        matching = [entry for entry in clouds if _origin(entry.get("resourceManager", "")) == origin]
        if not matching and len(clouds) != 1:
            raise AzureError(f"The metadata document at {url} lists no cloud whose resourceManager is {origin}.")
        entry = (matching or clouds)[0]
    elif isinstance(document, dict):
        entry = document
    else:
        raise AzureError(f"The metadata document at {url} is neither an object nor a list of clouds.")
    authentication = entry.get("authentication") or {}
    login = authentication.get("loginEndpoint")
    audiences = authentication.get("audiences") or []
    if not login or not audiences:
        raise AzureError(f"The metadata document at {url} has no authentication.loginEndpoint or audiences.")
    resource_manager = (entry.get("resourceManager") or origin).rstrip("/")
    sql_host = (entry.get("suffixes") or {}).get("sqlServerHostname")
    for what, endpoint in (("resourceManager", resource_manager), ("loginEndpoint", login)):
        if urlsplit(endpoint).scheme != "https":
            raise AzureError(f"The {what} of {url} must be an https URL, got '{endpoint}'.")
    return AzureCloud(
        name=entry.get("name") or origin,
        resource_manager=resource_manager,
        authority=login.rstrip("/"),
        # As the Azure CLI does: the audience is an AAD v1 resource, its v2 scope is `<resource>/.default`.
        scope=audiences[0] + "/.default",
        sql_scope=f"https://{sql_host.strip('.')}/.default" if sql_host else None,
        custom=True,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def choose_credential(params: dict, env) -> CredentialChoice:
    """Which azure-identity credential the options and AWX's environment ask for."""
    source = params.get("auth_source") or "auto"
    client_id, secret, tenant = params.get("client_id"), params.get("secret"), params.get("tenant")
    if source in ("auto", "env"):
        if secret:
            missing = [name for name, value in (("client_id", client_id), ("tenant", tenant)) if not value]
            if missing:
                raise AzureError(
                    f"A service principal secret is set but {' and '.join(missing)} is not.",
                    hint="Set client_id and tenant (AWX injects AZURE_CLIENT_ID and AZURE_TENANT).",
                )
            return CredentialChoice(
                "client_secret", {"tenant_id": tenant, "client_id": client_id, "client_secret": secret}
            )
        user, password = env.get("AZURE_AD_USER"), env.get("AZURE_PASSWORD")
        if user and password:
            return CredentialChoice(
                "username_password",
                {
                    "client_id": client_id or AZURE_CLI_CLIENT_ID,
                    "username": user,
                    "password": password,
                    "tenant_id": tenant or "organizations",
                },
            )
        if source == "env":
            raise AzureError(
                "auth_source=env but the environment holds no Azure credentials.",
                hint="Set AZURE_CLIENT_ID, AZURE_SECRET and AZURE_TENANT (or AZURE_AD_USER and AZURE_PASSWORD), "
                "e.g. with AWX's Microsoft Azure Resource Manager credential.",
            )
        return CredentialChoice("default")
    if source == "cli":
        return CredentialChoice("cli", {"tenant_id": tenant} if tenant else {})
    if source == "msi":
        return CredentialChoice("managed_identity", {"client_id": client_id} if client_id else {})
    return CredentialChoice(
        "workload_identity", {key: value for key, value in (("tenant_id", tenant), ("client_id", client_id)) if value}
    )


def resolve_cloud(value: str | None) -> AzureCloud:
    """A built-in cloud by name, or the one described by an ARM metadata endpoint URL (fetched over HTTPS)."""
    value = (value or "AzureCloud").strip()
    cloud = builtin_cloud(value)
    if cloud:
        return cloud
    if urlsplit(value).scheme != "https":
        raise AzureError(
            f"Unknown cloud_environment '{value}'.",
            hint="Use AzureCloud, AzureChinaCloud, AzureUSGovernment or an https ARM metadata endpoint URL.",
        )
    requests = import_library("requests", "requests", "to read a cloud's metadata document")
    try:
        # requests honours REQUESTS_CA_BUNDLE, which is how a private CA is trusted here and by azure-core.
        response = requests.get(value, timeout=METADATA_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise AzureError(f"Cannot read the cloud metadata document at {value}: {exc}") from None
    return cloud_from_metadata(document, value)


def build_credential(choice: CredentialChoice, cloud: AzureCloud):
    identity = import_library("azure.identity", "azure-identity", "to sign in to Azure")
    authority = {"authority": cloud.authority}
    discovery = {"disable_instance_discovery": True} if cloud.custom else {}
    if choice.kind == "client_secret":
        return identity.ClientSecretCredential(**choice.options, **authority, **discovery)
    if choice.kind == "username_password":
        return identity.UsernamePasswordCredential(**choice.options, **authority, **discovery)
    if choice.kind == "cli":
        return identity.AzureCliCredential(**choice.options)
    if choice.kind == "managed_identity":
        return identity.ManagedIdentityCredential(**choice.options)
    if choice.kind == "workload_identity":
        return identity.WorkloadIdentityCredential(**choice.options, **authority)
    return identity.DefaultAzureCredential(exclude_interactive_browser_credential=True, **authority)


# azure-core's RetryPolicy retries 429 and 5xx itself, honouring Retry-After; these bound it.
RETRY_OPTIONS = {"retry_total": 6, "retry_backoff_max": 60}


@dataclass(frozen=True)
class AzureSession:
    """A signed-in identity in one cloud; every Azure client of the collection is made from one."""

    credential: object
    cloud: AzureCloud
    subscription_id: str | None = None
    # The secrets this session signs in with: every error message of its calls is redacted of them.
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def errors(self, what: str, **options):
        """azure_errors for a call made with this session."""
        return azure_errors(what, secrets=self.secrets, **options)

    def management_client(self, client_class):
        """An azure-mgmt-* client for this cloud and subscription."""
        return client_class(
            self.credential,
            self.subscription_id,
            base_url=self.cloud.resource_manager,
            credential_scopes=[self.cloud.scope],
            **RETRY_OPTIONS,
        )

    def data_plane_client(self, client_class, url: str):
        """A data-plane client (Key Vault) for the resource at `url`."""
        return client_class(url, self.credential, **RETRY_OPTIONS)

    def sql_access_token(self) -> str:
        """An Entra ID access token for Azure SQL in this cloud."""
        if not self.cloud.sql_scope:
            raise AzureError(
                f"The cloud {self.cloud.name} does not say where Azure SQL lives (no suffixes.sqlServerHostname in "
                "its metadata), so no Azure SQL token can be asked for.",
                hint="Use a cloud whose metadata names sqlServerHostname, or sign in to the database with a password.",
            )
        with self.errors("get an Entra ID access token for Azure SQL"):
            return self.credential.get_token(self.cloud.sql_scope).token


def open_session(params: dict, env, *, needs_subscription: bool = True) -> AzureSession:
    """Credential, cloud and subscription from the options and AWX's environment."""
    if needs_subscription and not params.get("subscription_id"):
        raise AzureError(
            "No subscription: set subscription_id or AZURE_SUBSCRIPTION_ID.",
            hint="AWX's Microsoft Azure Resource Manager credential injects AZURE_SUBSCRIPTION_ID.",
        )
    cloud = resolve_cloud(params.get("cloud_environment"))
    credential = build_credential(choose_credential(params, env), cloud)
    return AzureSession(credential, cloud, params.get("subscription_id"), tuple(secret_values(params, env)))


def azure_session(module, secrets) -> AzureSession:
    """The session an Azure-facing module's options ask for; its sign-in secrets go to the module's `secrets`."""
    # Ansible masks the `secret` option as given; its encoded forms, and secrets read straight from the
    # environment, must be masked too.
    for secret in secret_values(module.params, os.environ):
        secrets.add(secret, "An Azure secret")
    return open_session(module.params, os.environ)
