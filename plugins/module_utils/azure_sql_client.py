# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O half of azure_sql_firewall: Azure calls through azure-mgmt-sql, and finding the runner's IP.

Decisions are taken by the pure functions of azure_firewall; this file only reads, executes and
turns SDK exceptions into messages. Retries on 429/5xx are azure-core's RetryPolicy, which honours
Retry-After.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from ansible_collections.backoffice.dbops.plugins.module_utils.azure_auth import (
    AzureSession,
    azure_session,
    import_sdk,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.azure_firewall import (
    FirewallError,
    Plan,
    Rule,
    client_ip_from_40615,
    default_base,
    first_ipv4,
    parse_duration,
    plan_absent,
    plan_present,
    validate_base,
    validate_range,
)

ECHO_TIMEOUT = 10
CLOSED_PUBLIC_ACCESS = ("Disabled", "SecuredByPerimeter")
ARM_HINTS = {
    "DenyPublicEndpointEnabled": "Public network access is disabled: reach the server through its private endpoint "
    "or a VPN instead of a firewall rule.",
    "TooManyFirewallRules": "Set purge_expired: true to remove our expired rules, or delete unused rules.",
    "AuthorizationFailed": "The identity needs Microsoft.Sql/servers/firewallRules/* (e.g. SQL Server Contributor) "
    "on the server.",
}


@dataclass(frozen=True)
class ServerInfo:
    fully_qualified_domain_name: str | None
    public_network_access: str | None


class SqlFirewallClient:
    """The calls this module makes, with Azure's exceptions turned into FirewallError."""

    def __init__(self, session: AzureSession, resource_group: str, server_name: str):
        sql = import_sdk("azure.mgmt.sql", "azure-mgmt-sql")
        self._errors = import_sdk("azure.core.exceptions", "azure-core")
        self._client = session.management_client(sql.SqlManagementClient)
        self.resource_group = resource_group
        self.server_name = server_name

    def server(self) -> ServerInfo:
        server = self._call("read", self._client.servers.get, *self._where())
        # An enum member or a plain string depending on how the SDK deserialised it.
        access = getattr(server.public_network_access, "value", server.public_network_access)
        return ServerInfo(server.fully_qualified_domain_name, access)

    def rules(self) -> list[Rule]:
        def listed():
            return [_rule(item) for item in self._client.firewall_rules.list_by_server(*self._where())]

        return self._call("list the firewall rules of", listed)

    def put(self, rule: Rule) -> Rule:
        body = {"properties": {"startIpAddress": rule.start_ip_address, "endIpAddress": rule.end_ip_address}}
        operation = self._client.firewall_rules.create_or_update
        return _rule(self._call(f"create firewall rule {rule.name} on", operation, *self._where(), rule.name, body))

    def delete(self, rule: Rule) -> None:
        operation = self._client.firewall_rules.delete
        self._call(f"delete firewall rule {rule.name} of", operation, *self._where(), rule.name)

    def _where(self) -> tuple[str, str]:
        return self.resource_group, self.server_name

    def _call(self, action: str, function, *args):
        errors = self._errors
        what = f"{action} server {self.server_name} (resource group {self.resource_group})"
        try:
            return function(*args)
        except errors.ClientAuthenticationError as exc:
            raise FirewallError(
                f"Azure did not accept the credentials to {what}: {_one_line(exc)}",
                code="AuthenticationFailed",
                hint="Check auth_source, client_id, tenant and the secret (AZURE_CLIENT_ID, AZURE_TENANT, "
                "AZURE_SECRET), and the cloud_environment.",
            ) from None
        except errors.ResourceNotFoundError as exc:
            hint = "Check subscription_id, resource_group and server_name." if action == "read" else None
            raise FirewallError(f"Cannot {what}: {_arm_message(exc)}", code=_arm_code(exc), hint=hint) from None
        except errors.HttpResponseError as exc:
            code = _arm_code(exc)
            raise FirewallError(f"Cannot {what}: {_arm_message(exc)}", code=code, hint=ARM_HINTS.get(code)) from None
        except errors.AzureError as exc:
            raise FirewallError(f"Cannot {what}: {_one_line(exc)}") from None


def _arm_code(error) -> str | None:
    return getattr(getattr(error, "error", None), "code", None)


def _arm_message(error) -> str:
    return getattr(getattr(error, "error", None), "message", None) or _one_line(error)


def _rule(item) -> Rule:
    return Rule(item.name, item.start_ip_address, item.end_ip_address)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def ip_from_login_attempt(database_url: str, secrets: set) -> tuple[str | None, str]:
    """Log in to the Azure SQL server as Azure Data Studio does: a 40615 refusal quotes our IP."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.connections import (
        ConnectionFailed,
        MissingDriverError,
        connect,
    )
    from ansible_collections.backoffice.dbops.plugins.module_utils.database_url import (
        DatabaseUrlError,
        parse_database_url,
    )

    try:
        target = parse_database_url(database_url)
    except DatabaseUrlError as exc:
        raise FirewallError(f"Invalid database_url: {exc}") from None
    if target.password:
        secrets.add(target.password)
    if target.provider != "sqlserver":
        raise FirewallError("database_url must be the sqlserver:// URL of the Azure SQL server.")
    try:
        # The login timeout is the URL's (loginTimeout); lock_timeout only concerns SQLite.
        connection = connect(target, read_only=True, lock_timeout=0)
    except (ConnectionFailed, MissingDriverError) as exc:
        address = client_ip_from_40615(exc.message)
        return address, "" if address else f"the login attempt failed without error 40615 ({exc.message})"
    connection.close()
    return None, "the login attempt succeeded, so the server did not say which address it saw"


def ip_from_echo(url: str) -> tuple[str | None, str]:
    requests = import_sdk("requests", "requests")
    try:
        response = requests.get(url, timeout=ECHO_TIMEOUT, headers={"Accept": "text/plain, application/json"})
        response.raise_for_status()
    except requests.RequestException as exc:
        return None, f"{url} failed ({_one_line(exc)})"
    address = first_ipv4(response.text)
    return address, "" if address else f"{url} answered without an IPv4 address (IPv6-only egress?)"


def detect_client_ip(params: dict, secrets: set) -> tuple[str, str]:
    """The runner's public IPv4 address and how it was found, trying the SQL login first."""
    notes = []
    if params.get("database_url"):
        address, note = ip_from_login_attempt(params["database_url"], secrets)
        if address:
            return address, "sql_error_40615"
        notes.append(note)
    if params.get("ip_echo_url"):
        address, note = ip_from_echo(params["ip_echo_url"])
        if address:
            return address, "ip_echo"
        notes.append(note)
    raise FirewallError(
        "Cannot tell this runner's public IP address" + (f": {'; '.join(notes)}." if notes else "."),
        hint="Set start_ip_address, or database_url (the Azure SQL server) and/or ip_echo_url "
        "(e.g. https://api.ipify.org).",
    )


def execute(client: SqlFirewallClient, plan: Plan) -> Rule | None:
    """Deletes first, so purged rules free their slots under the 128-rule limit."""
    for rule in plan.deletes:
        client.delete(rule)
    return client.put(plan.put) if plan.put else plan.rule


def manage_firewall(module) -> dict:
    params = module.params
    now = datetime.now(UTC)
    expires_in = parse_duration(params["expires_in"]) if params.get("expires_in") else None
    base = params.get("name") or default_base(socket.gethostname())
    validate_base(base, with_expiry=expires_in is not None)
    present = params["state"] == "present"
    start = end = params.get("start_ip_address")
    if present and start:
        start, end = validate_range(start, params.get("end_ip_address") or start)
    client = SqlFirewallClient(azure_session(module), params["resource_group"], params["server_name"])
    server = client.server()
    result = {
        "fully_qualified_domain_name": server.fully_qualified_domain_name,
        "client_ip": None,
        "ip_detection": None,
    }
    if present:
        if server.public_network_access in CLOSED_PUBLIC_ACCESS:
            raise FirewallError(
                f"Public network access of server {params['server_name']} is {server.public_network_access}: "
                "a firewall rule cannot open it. Nothing was changed.",
                code="PublicNetworkAccessDisabled",
                hint=ARM_HINTS["DenyPublicEndpointEnabled"],
            )
        if not start:
            address, how = detect_client_ip(params, module.no_log_values)
            start, end = validate_range(address, address)
            result.update(client_ip=address, ip_detection=how)
        else:
            result["ip_detection"] = "given"
        plan = plan_present(
            client.rules(), base, start, end, now=now, expires_in=expires_in, purge_expired=params["purge_expired"]
        )
    else:
        plan = plan_absent(client.rules(), base, now=now, purge_expired=params["purge_expired"])
    rule = plan.rule if module.check_mode else execute(client, plan)
    result.update(
        changed=plan.changed,
        rule=rule.as_dict() if rule else None,
        deleted=[deleted.name for deleted in plan.deletes],
    )
    if module._diff:
        result["diff"] = plan.diff()
    return result
