"""Each flavour reads its driver's connection errors into one vocabulary: the texts are the drivers' own (psycopg,
PyMySQL, pyodbc with FreeTDS and Microsoft's ODBC Driver 18), as seen against real servers."""

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.gateway import client_ip_from_40615
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    open_database,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import TRANSIENT_KINDS


class DriverError(Exception):
    """Stands for a driver's exception class: its args and attributes are what the flavours read."""

    def __init__(self, *args, sqlstate=None):
        super().__init__(*args)
        self.sqlstate = sqlstate


class ConnectionTimeout(DriverError):
    """psycopg raises this class (by name) when connect_timeout runs out."""


def classify(url: str, error: BaseException):
    problem = open_database(url).driver.classify_connection_error(error)
    return problem.kind if problem else None


PG = "postgresql://app@db/shop"
PG_FAILED = 'connection failed: connection to server at "127.0.0.1", port 55432 failed: '


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (PG_FAILED + 'FATAL:  password authentication failed for user "postgres"', "auth_failed"),
        (PG_FAILED + 'FATAL:  role "nobody" does not exist', "auth_failed"),
        (
            PG_FAILED + 'FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "postgres", database "postgres", no '
            "encryption",
            "auth_failed",
        ),
        (PG_FAILED + 'FATAL:  database "nosuchdb" does not exist', "database_missing"),
        (
            'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the '
            "server running on that host and accepting TCP/IP connections?",
            "unreachable",
        ),
        ("failed to resolve host 'nonexistent-host.invalid': [Errno -2] Name or service not known", "unreachable"),
        (PG_FAILED + "server does not support SSL, but SSL was required", "tls_error"),
        (PG_FAILED + "SSL error: certificate verify failed", "tls_error"),
        (PG_FAILED + 'server certificate for "pg-test-cert" does not match host name "127.0.0.1"', "tls_error"),
        (PG_FAILED + "FATAL:  sorry, too many clients already", None),
    ],
)
def test_postgresql(message, kind):
    assert classify(PG, DriverError(message)) == kind


def test_postgresql_timeout_is_unreachable():
    assert classify(PG, ConnectionTimeout("connection timeout expired")) == "unreachable"


MY = "mysql://app@db/shop"


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (DriverError(1045, "Access denied for user 'limited'@'127.0.0.1' (using password: YES)"), "auth_failed"),
        (DriverError(1044, "Access denied for user 'limited'@'%' to database 'mysql'"), "auth_failed"),
        (DriverError(1049, "Unknown database 'nosuchdb'"), "database_missing"),
        (
            DriverError(2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"),
            "unreachable",
        ),
        (
            DriverError(2003, "Can't connect to MySQL server on 'x.invalid' ([Errno -2] Name or service not known)"),
            "unreachable",
        ),
        (
            DriverError(
                2003,
                "Can't connect to MySQL server on '127.0.0.1' ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                "failed: self-signed certificate (_ssl.c:1000))",
            ),
            "tls_error",
        ),
        (DriverError(2026, "SSL is required but the server doesn't support it"), "tls_error"),
        (DriverError(2013, "Lost connection to MySQL server during query (timed out)"), "unreachable"),
        (FileNotFoundError(2, "No such file or directory"), "tls_error"),
        (DriverError(1040, "Too many connections"), None),
    ],
)
def test_mysql(error, kind):
    assert classify(MY, error) == kind


MS = "sqlserver://db:1433;database=shop;user=app;password=x"
MS18 = "[Microsoft][ODBC Driver 18 for SQL Server]"
REFUSED_40615 = (
    "[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Cannot open server 'myserver' requested by the "
    "login. Client with IP address '203.0.113.7' is not allowed to access the server.  To enable access, use the Azure "
    "Management Portal or run sp_set_firewall_rule on the master database to create a firewall rule for this IP "
    "address or address range.  It may take up to five minutes for this change to take effect. (40615) "
    "(SQLDriverConnect)"
)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (DriverError("42000", REFUSED_40615), "firewall_closed"),
        (
            DriverError(
                "42000",
                f"[42000] {MS18}[SQL Server]Reason: An instance-specific error occurred while establishing a "
                "connection to SQL Server. Connection was denied since Deny Public Network Access is set to Yes. "
                "(47073) (SQLDriverConnect)",
            ),
            "public_access_disabled",
        ),
        (
            DriverError(
                "42000",
                f"[42000] {MS18}[SQL Server]Cannot open server 'myserver' requested by the login. Client is not "
                "allowed to access the server. (40914) (SQLDriverConnect)",
            ),
            "vnet_rule_missing",
        ),
        (
            DriverError("28000", f"[28000] {MS18}[SQL Server]Login failed for user 'sa'. (18456) (SQLDriverConnect)"),
            "auth_failed",
        ),
        (
            DriverError(
                "42000",
                f'[42000] {MS18}[SQL Server]Cannot open database "X" requested by the login. The login failed. (4060) '
                "(SQLDriverConnect)",
            ),
            "database_missing",
        ),
        (
            DriverError(
                "08004",
                f'[08004] {MS18}[SQL Server]database "nosuchdb" does not exist (911) (SQLDriverConnect)',
            ),
            "database_missing",
        ),
        (
            DriverError("08001", f"[08001] {MS18}Encryption not supported on SQL Server. (20) (SQLDriverConnect)"),
            "tls_error",
        ),
        (DriverError("HYT00", f"[HYT00] {MS18}Login timeout expired (0) (SQLDriverConnect)"), "unreachable"),
        (
            DriverError(
                "08S01",
                "[08S01] [FreeTDS][SQL Server]Unable to connect: Adaptive Server is unavailable or does not exist "
                "(20009) (SQLDriverConnect)",
            ),
            "unreachable",
        ),
        (DriverError("42000", f"[42000] {MS18}[SQL Server]Something else entirely. (50000) (SQLDriverConnect)"), None),
    ],
)
def test_sqlserver(error, kind):
    assert classify(MS, error) == kind


def test_a_refused_azure_sql_login_says_which_address_it_saw():
    problem = open_database(MS).driver.classify_connection_error(DriverError("42000", REFUSED_40615))
    assert problem.facts == {"client_ip": "203.0.113.7"} and client_ip_from_40615(REFUSED_40615) == "203.0.113.7"
    assert problem.transient


def test_a_resuming_serverless_database_is_the_only_missing_database_worth_waiting_for():
    flavour = open_database(MS)
    resuming = DriverError(
        "42000",
        f"[42000] {MS18}[SQL Server]Database 'shop' on server 'myserver' is not currently available.  Please retry the "
        "connection later. (40613) (SQLDriverConnect)",
    )
    missing = DriverError("42000", f'[42000] {MS18}[SQL Server]Cannot open database "X" (4060) (SQLDriverConnect)')
    assert flavour.driver.classify_connection_error(resuming).kind == "database_missing"
    assert flavour.driver.classify_connection_error(resuming).transient
    assert not flavour.driver.classify_connection_error(missing).transient
    assert "database_missing" not in TRANSIENT_KINDS


def test_sqlite_missing_file():
    sqlite = open_database("file:/nonexistent/dev.db")
    assert (
        sqlite.driver.classify_connection_error(DriverError("unable to open database file")).kind == "database_missing"
    )
