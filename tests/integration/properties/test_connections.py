"""How the modules reach a SQL Server: TLS as each driver does it (Driver 18 verifies the server's certificate,
FreeTDS encrypts without verifying), Microsoft's Driver 18 from PyPI found where no driver is registered, and the
Entra ID token path, proven as far as it can be without Azure: the token comes from the collection's one Azure
session (AWX's credential variables, the ARM emulator's tenant, the cloud's Azure SQL scope), is packed for
SQL_COPT_SS_ACCESS_TOKEN, handed to Microsoft's real ODBC Driver 18, and arrives in LOGIN7's FEDAUTH feature at a
TDS gateway (tests/support/tds_gateway.py) - with no user or password sent, and nothing logged.

What only Azure SQL can show: that it accepts the token (signature, audience, the principal's database user).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from urllib.parse import quote

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.session import (
    open_session,
    params_from_environment,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    ConnectOptions,
    Database,
    parse_database_url,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.driver import find_bundled_driver
from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import SQL_SCOPE
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.recovery import AZURE_SECRET, arm_emulator
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX
from ansible_collections.backoffice.dbops.tests.support.tds_gateway import NO_DATABASE, EntraSqlGateway

pytestmark = pytest.mark.mssql


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with arm_emulator(str(tmp_path_factory.mktemp("arm"))) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def driver_18():
    library = find_bundled_driver()
    if library is None:
        unavailable("Microsoft's ODBC Driver 18 is not installed: run `make setup` (pip mssql-python-odbc)")
    return library


@pytest.fixture
def gateway(request):
    gateway = EntraSqlGateway(accept=request.param).start()
    yield gateway
    gateway.stop()


def sql_tokens(emulator) -> list[str]:
    return [token for scope, token in emulator.issued if scope == SQL_SCOPE]


@pytest.mark.parametrize("gateway", [True], indirect=True)
def test_the_sessions_token_reaches_the_server_through_driver_18(emulator, driver_18, gateway, monkeypatch):
    """In-process: AzureSession.sql_access_token, then the flavour's connect, then a query on the signed-in line."""
    env = emulator.awx_credential_environment()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", env["REQUESTS_CA_BUNDLE"])
    session = open_session(params_from_environment(env), env, needs_subscription=False)
    assert session.cloud.sql_scope == SQL_SCOPE
    target = parse_database_url(f"sqlserver://127.0.0.1:{gateway.port};database=backoffice;encrypt=false")
    token = session.sql_access_token()
    assert token in sql_tokens(emulator)
    connection = Database(target, ConnectOptions(odbc_driver=driver_18, access_token=token)).connect(
        read_only=True, lock_timeout=1
    )
    try:
        # The gateway answers with the token it read from LOGIN7: it went through the driver unchanged.
        assert connection.cursor().execute("SELECT token").fetchone()[0] == token
    finally:
        connection.close()
    (login,) = gateway.logins
    assert login["token"] == token and login["user"] == "" and login["password"] == ""
    assert login["database"] == "backoffice"


@pytest.mark.parametrize("gateway", [True, False], indirect=True, ids=["signed_in", "no_database_user"])
def test_entra_auth_through_ansible_needs_no_password_and_logs_no_token(emulator, driver_18, gateway):
    """The module's own path (prisma/modules.entra_access_token), with only what AWX injects in the environment."""
    issued_before = len(sql_tokens(emulator))
    url = f"sqlserver://127.0.0.1:{gateway.port};database=backoffice;encrypt=false"
    run = run_module(
        "prisma_migration_info",
        {"database_url": url, "entra_auth": "default", "odbc_driver": driver_18},
        env=emulator.awx_credential_environment(),
        verbosity=3,
    )
    (token,) = sql_tokens(emulator)[issued_before:]
    (login,) = gateway.logins
    assert login["token"] == token
    assert login["user"] == "" and login["password"] == ""
    assert run.rc != 0
    if gateway.accept:
        # Signed in; the first statement is the gateway's to refuse, since no database is behind it.
        assert NO_DATABASE in run.result["msg"], run.output
    else:
        assert "Login failed for user '<token-identified principal>'. (18456)" in run.result["msg"], run.output
    assert token not in run.output and AZURE_SECRET not in run.output


def test_entra_auth_with_freetds_is_refused_before_any_login(emulator):
    gateway = EntraSqlGateway(accept=True).start()
    try:
        run = run_module(
            "prisma_migration_info",
            {
                "database_url": f"sqlserver://127.0.0.1:{gateway.port};database=backoffice;encrypt=false",
                "entra_auth": "default",
                "odbc_driver": "FreeTDS",
            },
            env=emulator.awx_credential_environment(),
        )
    finally:
        gateway.stop()
    assert run.rc != 0 and "FreeTDS cannot send an Entra ID access token" in run.result["msg"], run.output
    assert gateway.logins == []


def tls_url(backend, host="127.0.0.1", trust=False):
    url = backend.url.replace("encrypt=false", "encrypt=true").replace("127.0.0.1", host)
    return url.replace("trustServerCertificate=true", f"trustServerCertificate={str(trust).lower()}")


def test_driver_18_verifies_the_server_certificate(make_backend, mssql_server):
    mssql_server.require_babelfish()
    backend = make_backend("sqlserver", driver="driver18")
    refused = run_module("prisma_migration_info", backend.module_args(database_url=tls_url(backend)))
    assert refused.rc != 0
    assert "certificate verify failed" in refused.result["msg"], refused.output
    # Trusted through the system's CA list (here SSL_CERT_FILE) and a name the certificate carries, it connects.
    verified = run_module(
        "prisma_migration_info",
        backend.module_args(database_url=tls_url(backend, host="localhost")),
        env={"SSL_CERT_FILE": mssql_server.ca_path},
    )
    assert verified.rc == 0, verified.output


def test_freetds_encrypts_but_does_not_verify_the_certificate(make_backend, mssql_server):
    """Documented in odbc_driver: FreeTDS accepts a certificate no CA vouches for even with
    trustServerCertificate=false, so Azure SQL should be reached with Microsoft's driver."""
    mssql_server.require_babelfish()
    backend = make_backend("sqlserver", driver="freetds")
    run = run_module("prisma_migration_info", backend.module_args(database_url=tls_url(backend)))
    assert run.rc == 0, run.output


def test_driver_18_from_pypi_is_used_when_no_driver_is_registered(make_backend, tmp_path):
    backend = make_backend("sqlserver", driver="driver18")
    registry = tmp_path / "odbc"
    registry.mkdir()
    (registry / "odbcinst.ini").write_text("")
    env = {"ODBCSYSINI": str(registry)}
    listed = subprocess.run(
        ["odbcinst", "-q", "-d"], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    assert "FreeTDS" not in listed.stdout
    backend.p3009(tmp_path)
    run = run_module("prisma_migration_info", {"database_url": tls_url(backend, trust=True)}, env=env)
    assert run.rc == 0, run.output
    assert [m["migration_name"] for m in run.result["failed_migrations"]] == [BIO_INDEX]


@pytest.mark.parametrize("password", ["pässwörd", "€uro-9-Pass"])
def test_mysql_passwords_with_non_ascii_characters_log_in(make_backend, tmp_path, password):
    backend = make_backend("mysql")
    backend.p3009(tmp_path)
    database = backend.target.database
    user = f"u{database[-8:]}"
    backend.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
    backend.execute(f"GRANT ALL ON `{database}`.* TO '{user}'@'%%'")
    try:
        target = backend.target
        url = f"mysql://{user}:{quote(password, safe='')}@{target.host}:{target.port}/{database}"
        client = shutil.which("mariadb") or shutil.which("mysql")
        if client:
            # The mysql client logs in with the same password: the account is right, the driver must follow.
            login = [client, "-h", target.host, "-P", str(target.port), "-u", user, "-e", "SELECT 1", database]
            subprocess.run(login, env={**os.environ, "MYSQL_PWD": password}, check=True, capture_output=True)
        run = run_module("prisma_migration_info", {"database_url": url, "migration": BIO_INDEX})
        assert run.rc == 0, run.output
        assert run.result["migration_state"] == "failed"
        assert password not in run.output
    finally:
        backend.execute(f"DROP USER '{user}'@'%%'")
