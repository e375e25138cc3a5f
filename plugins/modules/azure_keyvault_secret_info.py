#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: azure_keyvault_secret_info
short_description: Read a secret, such as the C(DATABASE_URL), from Azure Key Vault
version_added: 0.1.0
description:
  - Reads one secret of a Key Vault with the collection's Azure credentials (AWX's Azure Resource Manager credential
    works as is), so a connection string never has to be copied to a laptop.
  - "The value is returned in RV(value); B(set C(no_log: true) on the task) so Ansible never prints it."
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.azure
attributes:
  check_mode:
    support: full
    description: Only reads.
  diff_mode:
    support: none
    description: Nothing is changed.
options:
  vault_url:
    description: The vault's URL, e.g. V(https://kv-backoffice.vault.azure.net).
    type: str
    required: true
  name:
    description: The secret's name.
    type: str
    required: true
  version:
    description: A version of the secret; the current one when omitted.
    type: str
notes:
  - The identity needs the C(Key Vault Secrets User) role on the vault (or a C(get) secret access policy).
requirements:
  - azure-keyvault-secrets >= 4.8
"""

EXAMPLES = r"""
- name: Read the back-office DATABASE_URL from Key Vault
  backoffice.dbops.azure_keyvault_secret_info:
    vault_url: https://kv-backoffice.vault.azure.net
    name: backoffice-database-url
  register: database_url_secret
  no_log: true
"""

RETURN = r"""
value:
  description: The secret's value. Mark the task C(no_log).
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.secret_sources import read_keyvault_secret
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import azure_argument_spec, azure_session
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets


def main():
    module = AnsibleModule(
        argument_spec=azure_argument_spec(
            vault_url={"type": "str", "required": True},
            name={"type": "str", "required": True},
            version={"type": "str"},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        value = read_keyvault_secret(
            azure_session(module, secrets), params["vault_url"], params["name"], params["version"]
        )
        module.exit_json(changed=False, value=value)


if __name__ == "__main__":
    main()
