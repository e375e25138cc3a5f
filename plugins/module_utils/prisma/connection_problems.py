# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why a connection failed, in one vocabulary for every database: the kinds, which of them pass by themselves, and
what to do about each. Each flavour maps its driver's errors to these kinds (Flavour.classify_connection_error).

Pure: no driver is imported here.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

FIREWALL_CLOSED = "firewall_closed"
PUBLIC_ACCESS_DISABLED = "public_access_disabled"
VNET_RULE_MISSING = "vnet_rule_missing"
AUTH_FAILED = "auth_failed"
DATABASE_MISSING = "database_missing"
UNREACHABLE = "unreachable"
TLS_ERROR = "tls_error"
CONNECTION_KINDS = (
    FIREWALL_CLOSED,
    PUBLIC_ACCESS_DISABLED,
    VNET_RULE_MISSING,
    AUTH_FAILED,
    DATABASE_MISSING,
    UNREACHABLE,
    TLS_ERROR,
)
# What can pass by itself while we wait: a firewall rule propagating, a network blip (and, flagged by the flavour
# that recognises it, a paused serverless database resuming). Everything else needs a person: waiting would hide it.
TRANSIENT_KINDS = (FIREWALL_CLOSED, UNREACHABLE)

HINTS = {
    FIREWALL_CLOSED: "The Azure SQL firewall refused this runner's address: open it with "
    "backoffice.dbops.azure_sql_firewall (the recovery playbook does), or run from an admitted network; a new "
    "rule can take up to five minutes to apply.",
    PUBLIC_ACCESS_DISABLED: "Public network access to this Azure SQL server is disabled, so no firewall rule can "
    "admit this runner: run from a network that reaches the server's private endpoint (VPN, peered network).",
    VNET_RULE_MISSING: "This Azure SQL server admits only listed virtual networks: add a virtual network rule for "
    "the runner's subnet, or reach the server through its private endpoint.",
    AUTH_FAILED: "The server refused the credentials: check the user and password in the DATABASE_URL (or the "
    "identity used to sign in).",
    DATABASE_MISSING: "The server has no such database: check the database name in the DATABASE_URL.",
    UNREACHABLE: "The server did not answer: check the host and port in the DATABASE_URL, DNS, and the network path "
    "from this runner.",
    TLS_ERROR: "The TLS handshake failed: check the URL's TLS settings (sslmode, sslaccept, sslcert; encrypt, "
    "trustServerCertificate) against the server's certificate.",
}
# Azure SQL says "not available" while a serverless database resumes: the same kind, a hint that says so.
RESUMING_HINT = (
    "The database is not available yet; an Azure SQL serverless database that was paused resumes within a minute or "
    "so: wait and retry, or check the database name in the DATABASE_URL."
)

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
# 40615 as a number of its own: never part of a longer number such as a SQLSTATE or a port.
_ERROR_40615 = re.compile(r"(?<!\d)40615(?!\d)")


@dataclass(frozen=True)
class ConnectionProblem:
    """A classified connection failure: its kind, what to do, facts worth returning (e.g. the client IP), and whether
    it may pass by itself."""

    kind: str
    hint: str
    facts: dict = field(default_factory=dict)
    transient: bool = False

    @classmethod
    def of(cls, kind: str, hint: str | None = None, *, transient: bool | None = None, **facts) -> ConnectionProblem:
        return cls(
            kind,
            hint or HINTS[kind],
            {key: value for key, value in facts.items() if value is not None},
            kind in TRANSIENT_KINDS if transient is None else transient,
        )


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
