# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thin azure-mgmt-sql client of azure_sql_firewall: read the server and its rules, put and delete rules.

Decisions are taken by the pure functions of firewall_rules; retries on 429/5xx are azure-core's RetryPolicy,
which honours Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.firewall_rules import Plan, Rule
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import AzureSession
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library


@dataclass(frozen=True)
class ServerInfo:
    fully_qualified_domain_name: str | None
    public_network_access: str | None


class SqlFirewallClient:
    def __init__(self, session: AzureSession, resource_group: str, server_name: str):
        sql = import_library("azure.mgmt.sql", "azure-mgmt-sql", "to manage Azure SQL firewall rules")
        self._client = session.management_client(sql.SqlManagementClient)
        self._session = session
        self.resource_group = resource_group
        self.server_name = server_name

    def server(self) -> ServerInfo:
        with self._errors("read", not_found_hint="Check subscription_id, resource_group and server_name."):
            server = self._client.servers.get(*self._where())
        # An enum member or a plain string depending on how the SDK deserialised it.
        access = getattr(server.public_network_access, "value", server.public_network_access)
        return ServerInfo(server.fully_qualified_domain_name, access)

    def rules(self) -> list[Rule]:
        with self._errors("list the firewall rules of"):
            return [_rule(item) for item in self._client.firewall_rules.list_by_server(*self._where())]

    def put(self, rule: Rule) -> Rule:
        body = {"properties": {"startIpAddress": rule.start_ip_address, "endIpAddress": rule.end_ip_address}}
        with self._errors(f"create firewall rule {rule.name} on"):
            return _rule(self._client.firewall_rules.create_or_update(*self._where(), rule.name, body))

    def delete(self, rule: Rule) -> None:
        with self._errors(f"delete firewall rule {rule.name} of"):
            self._client.firewall_rules.delete(*self._where(), rule.name)

    def _where(self) -> tuple[str, str]:
        return self.resource_group, self.server_name

    def _errors(self, action: str, **options):
        return self._session.errors(
            f"{action} server {self.server_name} (resource group {self.resource_group})", **options
        )


def _rule(item) -> Rule:
    return Rule(item.name, item.start_ip_address, item.end_ip_address)


def execute(client: SqlFirewallClient, plan: Plan) -> Rule | None:
    """Deletes first, so purged rules free their slots under the 128-rule limit."""
    for rule in plan.deletes:
        client.delete(rule)
    return client.put(plan.put) if plan.put else plan.rule
