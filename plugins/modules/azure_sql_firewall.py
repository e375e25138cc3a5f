#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: azure_sql_firewall
short_description: Temporary, self-cleaning Azure SQL firewall rule for the runner's IP address
version_added: 0.1.0
description:
  - Opens an Azure SQL logical server to exactly one address or range (by default this runner's public IPv4 address),
    for as short as asked, and closes it again.
  - The runner's address is found, when O(start_ip_address) is not given, from the error 40615 Azure SQL returns to a
    login attempt with O(database_url) (as Azure Data Studio does), then from O(ip_echo_url).
  - "Rules are ours when their name starts with C(dbops-). O(expires_in) is recorded in the name (the only free-form
    field Azure keeps): C(<name>-until-<YYYYMMDDTHHMMSSZ>). O(purge_expired) deletes only our expired rules; the
    C(AllowAllWindowsAzureIps) rule (0.0.0.0) and rules that are not ours are never touched."
  - Reads the server first and fails, changing nothing, when its public network access is C(Disabled) or
    C(SecuredByPerimeter).
  - Option names follow C(azure.azcollection.azure_rm_sqlfirewallrule).
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.azure
attributes:
  check_mode:
    support: full
    description: Reads the server and its rules and reports the change it would make, without any write call.
  diff_mode:
    support: full
    description: Shows each rule created, updated or deleted, before and after.
options:
  resource_group:
    description: The resource group of the server.
    type: str
    required: true
  server_name:
    description: The name of the Azure SQL logical server (without C(.database.windows.net)).
    type: str
    required: true
  name:
    description:
      - The rule name, which must start with C(dbops-); with O(expires_in) the expiry is appended to it.
      - Defaults to C(dbops-<short host name of the runner>).
      - Rerunning with the same name and addresses changes nothing; with O(expires_in), a rule with at least half of
        the requested time left is reused.
    type: str
  start_ip_address:
    description:
      - First IPv4 address of the range. When omitted with O(state=present), the runner's address is detected.
      - Ignored with O(state=absent), which deletes the rules of O(name) whatever their addresses.
    type: str
  end_ip_address:
    description: Last IPv4 address of the range; defaults to O(start_ip_address).
    type: str
  state:
    description:
      - V(present) opens access; V(absent) deletes every rule of O(name), with or without an expiry.
    type: str
    choices: [present, absent]
    default: present
  expires_in:
    description:
      - How long the access is meant to last, e.g. V(30m), V(2h), V(1h30m), V(1d) or ISO 8601 V(PT15M).
      - Recorded in the rule name; the rule is removed by a later run with O(purge_expired) (or O(state=absent)),
        Azure itself never removes it.
    type: str
  purge_expired:
    description: Also delete every rule of ours whose recorded expiry has passed, from any runner.
    type: bool
    default: false
  max_addresses:
    description:
      - The most addresses a rule may open (O(start_ip_address) to O(end_ip_address)); a wider range is refused with
        nothing changed. The default is a /24.
    type: int
    default: 256
    version_added: 0.2.0
  max_expires_in:
    description:
      - The longest O(expires_in) accepted, in the same notation; a longer one is refused with nothing changed.
    type: str
    default: 1d
    version_added: 0.2.0
  database_url:
    description:
      - C(sqlserver://) URL of the server (a Prisma C(DATABASE_URL)); a login attempt from a runner the firewall
        refuses gets error 40615, which quotes the address the server sees. Needs C(pyodbc) and an ODBC driver.
      - Never logged or returned.
    type: str
  ip_echo_url:
    description:
      - An https service that answers with the caller's IPv4 address (plain text or JSON), e.g.
        V(https://api.ipify.org); used when O(database_url) is not set or gave no address.
    type: str
requirements:
  - azure-mgmt-sql >= 3.0
  - pyodbc (only for O(database_url))
"""

EXAMPLES = r"""
- name: Open the back-office database to this runner for one hour, cleaning up expired rules
  backoffice.dbops.azure_sql_firewall:
    resource_group: rg-backoffice
    server_name: sql-backoffice
    database_url: "{{ database_url }}"
    ip_echo_url: https://api.ipify.org
    expires_in: 1h
    purge_expired: true
  register: sql_access

- name: Migrate through the opened firewall
  ansible.builtin.debug:
    msg: "Connected to {{ sql_access.fully_qualified_domain_name }} from {{ sql_access.client_ip }}"

- name: Close the access again
  backoffice.dbops.azure_sql_firewall:
    resource_group: rg-backoffice
    server_name: sql-backoffice
    state: absent

- name: A fixed office range, named
  backoffice.dbops.azure_sql_firewall:
    resource_group: rg-backoffice
    server_name: sql-backoffice
    name: dbops-office
    start_ip_address: 198.51.100.0
    end_ip_address: 198.51.100.255
"""

RETURN = r"""
rule:
  description: The rule that grants access (null with O(state=absent)).
  returned: always
  type: dict
  contains:
    name:
      description: The rule name, with the expiry suffix when O(expires_in) is set.
      type: str
    start_ip_address:
      description: First address of the range.
      type: str
    end_ip_address:
      description: Last address of the range.
      type: str
    expires_at:
      description: The expiry recorded in the name (ISO 8601 UTC), or null.
      type: str
    owned:
      description: Whether the rule is one of ours (named C(dbops-*)).
      type: bool
  sample:
    name: dbops-awx-job-42-until-20260301T101500Z
    start_ip_address: 203.0.113.7
    end_ip_address: 203.0.113.7
    expires_at: "2026-03-01T10:15:00Z"
    owned: true
client_ip:
  description: The runner's address as detected, or null when O(start_ip_address) was given.
  returned: always
  type: str
  sample: 203.0.113.7
ip_detection:
  description: >-
    How the address was found: V(sql_error_40615), V(ip_echo), V(given), or null with O(state=absent).
  returned: always
  type: str
  sample: sql_error_40615
fully_qualified_domain_name:
  description: The server's host name, to connect to.
  returned: always
  type: str
  sample: sql-backoffice.database.windows.net
leftover_rules:
  description:
    - With O(state=present), our rules (C(dbops-*)) for this runner, not expired, that were already open before
      this call (the same name base, or open to the runner's addresses), the one reused included. Every run that
      ends closes its rule, so these were left by an interrupted run, or belong to one still running from here.
  returned: always
  type: list
  elements: dict
  sample:
    - name: dbops-awx-job-41-until-20260301T101500Z
      start_ip_address: 203.0.113.7
      end_ip_address: 203.0.113.7
      expires_at: "2026-03-01T10:15:00Z"
      owned: true
deleted:
  description: Rules deleted (in check mode, that would be), expired ones included.
  returned: always
  type: list
  elements: str
  sample: [dbops-awx-job-41-until-20260301T090000Z]
"""

import socket
from datetime import UTC, datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.client_ip import detect_client_ip
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.firewall_rules import (
    DEFAULT_MAX_ADDRESSES,
    DEFAULT_MAX_EXPIRES_IN,
    firewall_request,
    plan_request,
    require_public_access,
    validate_range,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import azure_argument_spec, azure_session
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.sql_firewall import SqlFirewallClient, execute
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets


def main():
    module = AnsibleModule(
        argument_spec=azure_argument_spec(
            resource_group={"type": "str", "required": True},
            server_name={"type": "str", "required": True},
            name={"type": "str"},
            start_ip_address={"type": "str"},
            end_ip_address={"type": "str"},
            state={"type": "str", "default": "present", "choices": ["present", "absent"]},
            expires_in={"type": "str"},
            purge_expired={"type": "bool", "default": False},
            max_addresses={"type": "int", "default": DEFAULT_MAX_ADDRESSES},
            max_expires_in={"type": "str", "default": DEFAULT_MAX_EXPIRES_IN},
            database_url={"type": "str", "no_log": True},
            ip_echo_url={"type": "str"},
        ),
        required_by={"end_ip_address": "start_ip_address"},
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        request = firewall_request(params, socket.gethostname())
        client = SqlFirewallClient(azure_session(module, secrets), params["resource_group"], params["server_name"])
        server = client.server()
        client_ip = ip_detection = None
        start, end = request.start, request.end
        if request.present:
            require_public_access(params["server_name"], server.public_network_access)
            if start:
                ip_detection = "given"
            else:
                client_ip, ip_detection = detect_client_ip(
                    params["database_url"],
                    params["ip_echo_url"],
                    secrets,
                )
                start, end = validate_range(client_ip, client_ip)
        plan = plan_request(request, client.rules(), now=datetime.now(UTC), start=start, end=end)
        rule = plan.rule if module.check_mode else execute(client, plan)
        result = {
            "changed": plan.changed,
            "rule": rule.as_dict() if rule else None,
            "deleted": [deleted.name for deleted in plan.deletes],
            "leftover_rules": [leftover.as_dict() for leftover in plan.leftovers],
            "client_ip": client_ip,
            "ip_detection": ip_detection,
            "fully_qualified_domain_name": server.fully_qualified_domain_name,
        }
        if module._diff:
            result["diff"] = plan.diff()
        module.exit_json(**result)


if __name__ == "__main__":
    main()
