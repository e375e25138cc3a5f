#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: azure_app_setting_info
short_description: Read an application setting or a connection string of an Azure App Service
version_added: 0.1.0
description:
  - Reads one application setting (such as C(DATABASE_URL)) or one connection string from the configuration of an
    App Service (web app or function app), as the runbook's "copy it from the Back Office API Service" step does by
    hand in the portal.
  - "The value is returned in RV(value); B(set C(no_log: true) on the task) so Ansible never prints it."
  - A missing name fails and lists the names that exist, never their values.
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.azure
attributes:
  check_mode:
    support: full
    description: Only reads (Azure's C(list) calls are POST requests that change nothing).
  diff_mode:
    support: none
    description: Nothing is changed.
options:
  resource_group:
    description: The resource group of the App Service.
    type: str
    required: true
  app_name:
    description: The App Service's name.
    type: str
    required: true
  setting:
    description: The name of the application setting or connection string.
    type: str
    default: DATABASE_URL
  kind:
    description: V(app_setting) for an application setting, V(connection_string) for a connection string.
    type: str
    choices: [app_setting, connection_string]
    default: app_setting
  slot:
    description: A deployment slot; the production slot when omitted.
    type: str
notes:
  - Listing settings needs C(Microsoft.Web/sites/config/list/action), e.g. the C(Website Contributor) role.
requirements:
  - azure-mgmt-web >= 7.0
"""

EXAMPLES = r"""
- name: Read the DATABASE_URL the back-office API runs with
  backoffice.dbops.azure_app_setting_info:
    resource_group: rg-backoffice-test
    app_name: app-backoffice-api-test
    setting: DATABASE_URL
  register: api_setting
  no_log: true
"""

RETURN = r"""
value:
  description: The setting's value. Mark the task C(no_log).
  returned: success
  type: str
type:
  description: The type of a connection string (e.g. V(SQLAzure), V(PostgreSQL), V(Custom)); null for a setting.
  returned: success
  type: str
  sample: SQLAzure
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.secret_sources import (
    SETTING_KINDS,
    read_app_setting,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import azure_argument_spec, azure_session
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets


def main():
    module = AnsibleModule(
        argument_spec=azure_argument_spec(
            resource_group={"type": "str", "required": True},
            app_name={"type": "str", "required": True},
            setting={"type": "str", "default": "DATABASE_URL"},
            kind={"type": "str", "default": "app_setting", "choices": list(SETTING_KINDS)},
            slot={"type": "str"},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        value, kind = read_app_setting(
            azure_session(module, secrets),
            params["resource_group"],
            params["app_name"],
            params["setting"],
            params["kind"],
            params["slot"],
        )
        module.exit_json(changed=False, value=value, type=kind)


if __name__ == "__main__":
    main()
