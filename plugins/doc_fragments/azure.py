# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Authentication options shared by every module that talks to Azure Resource Manager.
    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - Where the Azure credentials come from.
      - V(auto) uses a service principal when O(secret) is set (from the option or the environment), then
        C(AZURE_AD_USER) and C(AZURE_PASSWORD), then C(DefaultAzureCredential) of C(azure-identity) (its own
        environment variables C(AZURE_CLIENT_ID)/C(AZURE_TENANT_ID)/C(AZURE_CLIENT_SECRET), workload identity, managed
        identity, Azure CLI login).
      - V(env) uses only a service principal or a user and password from the options and the environment, as AWX's
        C(Microsoft Azure Resource Manager) credential injects them, and fails when there is none.
      - V(cli) uses the Azure CLI login (C(az login)), V(msi) the managed identity of the runner (user-assigned when
        O(client_id) is set), V(workload_identity) the federated token of Kubernetes workload identity
        (C(AZURE_FEDERATED_TOKEN_FILE)).
      - Falls back to the environment variable C(ANSIBLE_AZURE_AUTH_SOURCE).
    type: str
    choices: [auto, env, cli, msi, workload_identity]
    default: auto
  subscription_id:
    description:
      - The Azure subscription that holds the resources.
      - Falls back to C(AZURE_SUBSCRIPTION_ID), which AWX injects.
    type: str
  client_id:
    description:
      - The application (client) id of a service principal, or of a user-assigned managed identity with V(msi).
      - Falls back to C(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - The client secret of the service principal. Never logged or returned.
      - Falls back to C(AZURE_SECRET) (AWX) and then C(AZURE_CLIENT_SECRET) (azure-identity).
    type: str
  tenant:
    description:
      - The Microsoft Entra tenant id of the service principal or user.
      - Falls back to C(AZURE_TENANT) (AWX) and then C(AZURE_TENANT_ID) (azure-identity).
    type: str
  cloud_environment:
    description:
      - The Azure cloud. V(AzureCloud), V(AzureChinaCloud), V(AzureUSGovernment), or the https URL of an ARM
        metadata endpoint (Azure Stack, or a local emulator in tests).
      - "A metadata URL may serve either shape: Azure Stack's object from C(/metadata/endpoints?api-version=2015-01-01)
        (C(authentication.loginEndpoint), C(authentication.audiences); Resource Manager is the host of the URL), or the
        list of clouds from C(/metadata/endpoints?api-version=2022-09-01) (the entry whose C(resourceManager) is the
        host of the URL). The token scope is the first audience followed by C(/.default), as the Azure CLI does."
      - Falls back to C(AZURE_CLOUD_ENVIRONMENT), which AWX injects.
      - TLS certificates are checked against the system's trust store, or the bundle named by C(REQUESTS_CA_BUNDLE).
    type: str
    default: AzureCloud
notes:
  - AWX and AAP inject C(AZURE_SUBSCRIPTION_ID), C(AZURE_CLIENT_ID), C(AZURE_SECRET), C(AZURE_TENANT) (or
    C(AZURE_AD_USER) and C(AZURE_PASSWORD)) and C(AZURE_CLOUD_ENVIRONMENT); attach that credential to the job template.
  - C(AZURE_AD_USER)/C(AZURE_PASSWORD) sign-in cannot pass multifactor authentication; prefer a service principal.
  - Secrets read from C(AZURE_SECRET), C(AZURE_PASSWORD) and C(AZURE_CLIENT_SECRET) are masked in all output.
  - Throttling (HTTP 429) and server errors (5xx) are retried by azure-core, which waits as long as C(Retry-After) asks.
requirements:
  - azure-identity >= 1.19
"""
