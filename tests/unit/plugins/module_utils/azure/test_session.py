"""Choosing the Azure credential and the cloud, without any Azure SDK call."""

import os
import subprocess
import sys

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.errors import AzureError
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import (
    AZURE_CLI_CLIENT_ID,
    CredentialChoice,
    azure_argument_spec,
    build_credential,
    builtin_cloud,
    choose_credential,
    cloud_from_metadata,
    resolve_cloud,
    secret_values,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import MissingLibrary
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library

AWX_SP = {"auth_source": "auto", "client_id": "app", "secret": "s3cret", "tenant": "t-1"}


def test_service_principal_from_awx_variables():
    choice = choose_credential(AWX_SP, {})
    assert choice.kind == "client_secret"
    assert choice.options == {"tenant_id": "t-1", "client_id": "app", "client_secret": "s3cret"}
    assert "s3cret" not in repr(choice)


def test_awx_user_and_password():
    choice = choose_credential({"auth_source": "env"}, {"AZURE_AD_USER": "ops@example.com", "AZURE_PASSWORD": "pw"})
    assert choice.kind == "username_password"
    assert choice.options == {
        "client_id": AZURE_CLI_CLIENT_ID,
        "username": "ops@example.com",
        "password": "pw",
        "tenant_id": "organizations",
    }


def test_auto_without_explicit_credentials_is_default_azure_credential():
    assert choose_credential({"auth_source": "auto", "client_id": "mi-client"}, {}).kind == "default"


def test_env_without_credentials_fails_clearly():
    with pytest.raises(AzureError, match="no Azure credentials"):
        choose_credential({"auth_source": "env"}, {})


def test_a_secret_without_client_or_tenant_is_a_misconfiguration():
    with pytest.raises(AzureError, match="client_id and tenant"):
        choose_credential({"auth_source": "auto", "secret": "s"}, {})


@pytest.mark.parametrize(
    ("params", "kind", "options"),
    [
        ({"auth_source": "cli"}, "cli", {}),
        ({"auth_source": "cli", "tenant": "t"}, "cli", {"tenant_id": "t"}),
        ({"auth_source": "msi"}, "managed_identity", {}),
        ({"auth_source": "msi", "client_id": "uami"}, "managed_identity", {"client_id": "uami"}),
        ({"auth_source": "workload_identity", "tenant": "t"}, "workload_identity", {"tenant_id": "t"}),
    ],
)
def test_explicit_sources(params, kind, options):
    choice = choose_credential(params, {"AZURE_AD_USER": "ignored", "AZURE_PASSWORD": "ignored"})
    assert (choice.kind, choice.options) == (kind, options)


def test_secrets_from_options_and_environment_are_collected_for_masking():
    env = {"AZURE_SECRET": "a", "AZURE_PASSWORD": "b", "AZURE_CLIENT_SECRET": "c", "AZURE_CLIENT_ID": "not-secret"}
    assert secret_values({"secret": "d"}, env) == {"a", "b", "c", "d"}


def test_argument_spec_follows_awx_injection_and_masks_the_secret():
    spec = azure_argument_spec(name={"type": "str"})
    assert spec["secret"]["no_log"] is True
    assert spec["secret"]["fallback"][1] == ["AZURE_SECRET", "AZURE_CLIENT_SECRET"]
    assert spec["tenant"]["fallback"][1] == ["AZURE_TENANT", "AZURE_TENANT_ID"]
    assert spec["subscription_id"]["fallback"][1] == ["AZURE_SUBSCRIPTION_ID"]
    assert spec["cloud_environment"]["fallback"][1] == ["AZURE_CLOUD_ENVIRONMENT"]
    assert "name" in spec


@pytest.mark.parametrize(
    ("name", "resource_manager", "authority"),
    [
        ("AzureCloud", "https://management.azure.com", "https://login.microsoftonline.com"),
        ("azurechinacloud", "https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
        ("AzureUSGovernment", "https://management.usgovcloudapi.net", "https://login.microsoftonline.us"),
    ],
)
def test_builtin_clouds(name, resource_manager, authority):
    cloud = builtin_cloud(name)
    assert (cloud.resource_manager, cloud.authority, cloud.custom) == (resource_manager, authority, False)
    assert cloud.scope == resource_manager + "/.default"
    assert resolve_cloud(name) == cloud


def test_unknown_cloud_name_is_refused_without_network():
    with pytest.raises(AzureError, match="Unknown cloud_environment"):
        resolve_cloud("AzureGermanCloud")


def test_azure_stack_metadata_object():
    url = "https://management.local.azurestack.external/metadata/endpoints?api-version=2015-01-01"
    document = {
        "galleryEndpoint": "https://adminportal.local.azurestack.external:30015/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com/",
            "audiences": ["https://management.contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155"],
        },
    }
    cloud = cloud_from_metadata(document, url)
    assert cloud.resource_manager == "https://management.local.azurestack.external"
    assert cloud.authority == "https://login.microsoftonline.com"
    assert cloud.scope == "https://management.contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155/.default"
    assert cloud.custom


def test_list_of_clouds_picks_the_one_served_by_the_host():
    document = [
        {
            "name": "AzureCloud",
            "resourceManager": "https://management.azure.com/",
            "authentication": {"loginEndpoint": "https://login.microsoftonline.com", "audiences": ["https://x/"]},
        },
        {
            "name": "Emulator",
            "resourceManager": "https://127.0.0.1:8443/",
            "authentication": {"loginEndpoint": "https://127.0.0.1:8443/", "audiences": ["https://emu.test/"]},
        },
    ]
    cloud = cloud_from_metadata(document, "https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01")
    assert (cloud.name, cloud.resource_manager, cloud.authority) == (
        "Emulator",
        "https://127.0.0.1:8443",
        "https://127.0.0.1:8443",
    )
    # The Azure CLI's rule: the AAD v1 resource (audience) followed by /.default, trailing slash kept.
    assert cloud.scope == "https://emu.test//.default"


@pytest.mark.parametrize(
    "document",
    [
        {"authentication": {"audiences": ["a"]}},
        {"authentication": {"loginEndpoint": "https://login"}},
        {"authentication": {"loginEndpoint": "http://login", "audiences": ["a"]}},
        [{"resourceManager": "https://a/"}, {"resourceManager": "https://b/"}],
        "nonsense",
    ],
)
def test_unusable_metadata_is_refused(document):
    with pytest.raises(AzureError):
        cloud_from_metadata(document, "https://host.example/metadata/endpoints")


def test_importing_the_module_utils_loads_no_azure_sdk():
    code = (
        "import sys\n"
        "import ansible_collections.backoffice.dbops.plugins.modules.azure_sql_firewall\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('azure', 'msal', 'requests', 'pyodbc'))\n"
        "print(heavy)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ).stdout
    assert output.strip() == "[]"


def test_a_missing_sdk_names_the_library_to_install():
    with pytest.raises(MissingLibrary) as error:
        import_library("azure.mgmt.not_installed_here", "azure-mgmt-sql", "to manage firewall rules")
    assert error.value.library == "azure-mgmt-sql"


@pytest.mark.parametrize(
    ("choice", "credential_class"),
    [
        (
            CredentialChoice("client_secret", {"tenant_id": "t", "client_id": "c", "client_secret": "s"}),
            "ClientSecretCredential",
        ),
        (
            CredentialChoice(
                "username_password", {"client_id": "c", "username": "u", "password": "p", "tenant_id": "t"}
            ),
            "UsernamePasswordCredential",
        ),
        (CredentialChoice("cli", {"tenant_id": "t"}), "AzureCliCredential"),
        (CredentialChoice("managed_identity", {"client_id": "c"}), "ManagedIdentityCredential"),
        (CredentialChoice("workload_identity", {"tenant_id": "t", "client_id": "c"}), "WorkloadIdentityCredential"),
        (CredentialChoice("default"), "DefaultAzureCredential"),
    ],
)
# azure-identity deprecates user/password (no MFA); AWX still injects it, so the module still supports it.
@pytest.mark.filterwarnings("ignore:UsernamePasswordCredential is deprecated:DeprecationWarning")
def test_every_choice_builds_with_the_installed_azure_identity(choice, credential_class, monkeypatch, tmp_path):
    pytest.importorskip("azure.identity")
    token_file = tmp_path / "token"
    token_file.write_text("federated")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    custom = cloud_from_metadata(
        {"authentication": {"loginEndpoint": "https://login.stack.test/", "audiences": ["https://m.stack.test/"]}},
        "https://management.stack.test/metadata/endpoints?api-version=2015-01-01",
    )
    for cloud in (builtin_cloud("AzureCloud"), custom):
        assert type(build_credential(choice, cloud)).__name__ == credential_class
