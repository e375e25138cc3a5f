# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure SQL's gateway errors: what it answers a client before any database is reached (pure).

40615: the firewall does not admit the client, and the message quotes the address the gateway saw; 40613: a paused
serverless database is resuming; 47073: public network access is disabled; 40914: the client's virtual network has
no rule. SQL Server's driver part classifies its errors through gateway_problem.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import (
    DATABASE_MISSING,
    FIREWALL_CLOSED,
    PUBLIC_ACCESS_DISABLED,
    VNET_RULE_MISSING,
    ConnectionProblem,
)

# Azure SQL says "not available" while a serverless database resumes: the same kind, a hint that says so.
RESUMING_HINT = (
    "The database is not available yet; an Azure SQL serverless database that was paused resumes within a minute or "
    "so: wait and retry, or check the database name in the DATABASE_URL."
)

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
# 40615 as a number of its own: never part of a longer number such as a SQLSTATE or a port.
_ERROR_40615 = re.compile(r"(?<!\d)40615(?!\d)")


GATEWAY_KINDS = {47073: PUBLIC_ACCESS_DISABLED, 40914: VNET_RULE_MISSING}


def gateway_problem(number: int, text: str) -> ConnectionProblem | None:
    """The connection problem an Azure SQL gateway error number means, or None when it is not one."""
    if number == 40615:
        return ConnectionProblem.of(FIREWALL_CLOSED, client_ip=client_ip_from_40615(text))
    if number == 40613:
        return ConnectionProblem.of(DATABASE_MISSING, RESUMING_HINT, transient=True)
    if number in GATEWAY_KINDS:
        return ConnectionProblem.of(GATEWAY_KINDS[number])
    return None


def first_ipv4(text: str) -> str | None:
    """The first valid IPv4 address in a text (an IP echo service answer, plain or JSON)."""
    for candidate in _IPV4.findall(text or ""):
        try:
            return str(ipaddress.IPv4Address(candidate))
        except ValueError:
            continue
    return None


def client_ip_from_40615(message: str) -> str | None:
    """The client IP Azure SQL quotes in error 40615 ("Client with IP address '...' is not allowed").

    Matches the error number and the IPv4 address rather than the English words or the SQLSTATE
    (42000), which differ between drivers and languages; the quoted address is preferred.
    """
    if not message or not _ERROR_40615.search(message):
        return None
    quoted = re.findall(r"'([\d.]+)'", message)
    return first_ipv4(" ".join(quoted)) or first_ipv4(_ERROR_40615.sub(" ", message))
