# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner's public IPv4 address as Azure SQL sees it: from the 40615 refusal of a login, or an IP echo service.

Reading an address out of a message is pure (azure/gateway.py); the login attempt (through databases/) and the echo
call are the only I/O here.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.firewall_rules import FirewallError
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.gateway import client_ip_from_40615, first_ipv4
from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import one_line

ECHO_TIMEOUT = 10


def ip_from_login_attempt(database_url: str, secrets) -> tuple[str | None, str]:
    """Log in to the Azure SQL server as Azure Data Studio does: a 40615 refusal quotes our IP. The password goes to
    the module's `secrets` (common/secrets.py)."""
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
        Database,
        parse_database_url,
    )

    target = parse_database_url(database_url)
    secrets.add(target.password, "The database password")
    database = Database(target, secrets=secrets)
    if not database.driver.azure_sql:
        raise FirewallError("database_url must be the sqlserver:// URL of the Azure SQL server.")
    try:
        # The login timeout is the URL's (loginTimeout); lock_timeout only concerns SQLite.
        connection = database.connect(read_only=True, lock_timeout=0)
    except DbopsError as exc:
        address = client_ip_from_40615(exc.message)
        return address, "" if address else f"the login attempt failed without error 40615 ({exc.message})"
    connection.close()
    return None, "the login attempt succeeded, so the server did not say which address it saw"


def ip_from_echo(url: str) -> tuple[str | None, str]:
    requests = import_library("requests", "requests", "to ask an IP echo service")
    try:
        response = requests.get(url, timeout=ECHO_TIMEOUT, headers={"Accept": "text/plain, application/json"})
        response.raise_for_status()
    except requests.RequestException as exc:
        return None, f"{url} failed ({one_line(exc)})"
    address = first_ipv4(response.text)
    return address, "" if address else f"{url} answered without an IPv4 address (IPv6-only egress?)"


def detect_client_ip(database_url: str | None, ip_echo_url: str | None, secrets) -> tuple[str, str]:
    """The runner's public IPv4 address and how it was found, trying the SQL login first."""
    notes = []
    if database_url:
        address, note = ip_from_login_attempt(database_url, secrets)
        if address:
            return address, "sql_error_40615"
        notes.append(note)
    if ip_echo_url:
        address, note = ip_from_echo(ip_echo_url)
        if address:
            return address, "ip_echo"
        notes.append(note)
    raise FirewallError(
        "Cannot tell this runner's public IP address" + (f": {'; '.join(notes)}." if notes else "."),
        hint="Set start_ip_address, or database_url (the Azure SQL server) and/or ip_echo_url "
        "(e.g. https://api.ipify.org).",
    )
