# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why a connection failed, in one vocabulary for every database: the kinds, which of them pass by themselves, and
what to do about each. Each database's driver maps its errors to these kinds (Driver.classify_connection_error);
Azure SQL's gateway errors are azure/gateway.py's.

Pure: no driver is imported here.
"""

from __future__ import annotations

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
