"""A local HTTPS emulator of the Azure endpoints azure_sql_firewall uses, for the real SDKs to run against.

Serves, on 127.0.0.1 and a free port, with a CA made at start-up:
- the ARM metadata document (`/metadata/endpoints`, Azure Stack object or 2022-09-01 list of clouds);
- an Entra ID tenant: OpenID configuration and a client-credentials token endpoint checking the secret, issuing
  tokens for ARM, the vault and Azure SQL (the scope of the metadata's suffixes.sqlServerHostname);
- Microsoft.Sql servers GET and firewallRules PUT/GET/DELETE/list, checking the bearer token it issued
  and the api-versions the azure-mgmt-sql releases of requirements.txt's range send, answering errors in ARM's
  format;
- Microsoft.Web sites: application settings and connection strings (`config/*/list`, also per slot);
- a Key Vault (`/secrets/{name}`) with Key Vault's own challenge: 401 and WWW-Authenticate first, then a token
  for the vault's resource;
- an IP echo endpoint, and switches to inject 429 (with Retry-After) and 500 answers;
and, apart, the Azure SQL gateway refusing a login with error 40615, and a TCP proxy that lets a runner reach a
real database only once a firewall rule covers its address and a propagation delay has passed.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import re
import secrets
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# What the ends of requirements.txt's ranges send (the payloads of rules and settings are the same in each):
# azure-mgmt-sql 4.0.0 2025-01-01; 4.0.0b3 2021-02-01-preview (servers) and 2020-11-01-preview (firewall rules);
# azure-mgmt-web 11.0.1 2025-05-01, 7.0.0 2022-03-01. Anything else is refused as ARM refuses an unknown version.
API_VERSIONS = ("2025-01-01", "2021-02-01-preview", "2020-11-01-preview")
WEB_API_VERSIONS = ("2025-05-01", "2022-03-01")
AUDIENCE = "https://management.emulator.test/"
# Where this cloud's Azure SQL servers live (suffixes.sqlServerHostname); its tokens are for SQL_SCOPE.
SQL_SERVER_HOSTNAME = "database.emulator.test"
SQL_SCOPE = f"https://{SQL_SERVER_HOSTNAME}/.default"
MAX_RULES = 128
_SERVER_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Sql/servers/(?P<server>[^/]+)"
    r"(?P<rules>/firewallRules(?:/(?P<rule>[^/]+))?)?$",
    re.IGNORECASE,
)
_SITE_CONFIG_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Web/sites/(?P<site>[^/]+)"
    r"(?:/slots/(?P<slot>[^/]+))?/config/(?P<kind>appsettings|connectionstrings)/list$",
    re.IGNORECASE,
)
_SECRET_PATH = re.compile(r"^/secrets/(?P<name>[A-Za-z0-9-]+)(?:/(?P<version>[A-Za-z0-9]*))?$")


@dataclass
class SqlServer:
    public_network_access: str = "Enabled"
    rules: dict = field(default_factory=dict)
    # When each rule was last written, for the propagation delay of FirewalledDatabaseProxy.
    rule_written_at: dict = field(default_factory=dict)


@dataclass
class Site:
    app_settings: dict = field(default_factory=dict)
    # name -> (value, type), as the portal's "Connection strings" table.
    connection_strings: dict = field(default_factory=dict)


def make_certificates(directory: str) -> tuple[str, str, str]:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost; returns (ca, cert, key) paths."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dbops test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tuple(os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server.key"))
    with open(paths[0], "wb") as handle:
        handle.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return paths


class ArmEmulator:
    def __init__(self, directory: str, *, tenant: str, client_id: str, client_secret: str, subscription_id: str):
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self.subscription_id = subscription_id
        self.ca_path, cert_path, key_path = make_certificates(directory)
        self.servers: dict[tuple[str, str], SqlServer] = {}
        self.sites: dict[tuple[str, str, str | None], Site] = {}
        self.vault_secrets: dict[str, str] = {}
        self.echo_ip = "198.51.100.23"
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.write_calls = 0
        self.tokens_issued = 0
        # (scope, token) of every token issued, in order.
        self.issued: list[tuple[str, str]] = []
        self.faults: list[tuple[int, int | None]] = []
        self.faults_served: list[int] = []
        # A token endpoint that quotes the request's form body (URL-encoded) when it refuses a secret.
        self.echo_form_body = False
        self._tokens: dict[str, str] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        port = self._httpd.server_address[1]
        self.base_url = f"https://127.0.0.1:{port}"
        # Key Vault clients accept a challenge only for a resource whose domain ends the vault's host name
        # (vault.azure.net for kv-x.vault.azure.net): "0.0.1" ends "127.0.0.1".
        self.vault_resource = f"https://0.0.1:{port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- control from tests ------------------------------------------------------------------

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/metadata/endpoints?api-version=2022-09-01"

    @property
    def stack_metadata_url(self) -> str:
        return f"{self.base_url}/metadata/endpoints?api-version=2015-01-01"

    def awx_credential_environment(self) -> dict:
        """Exactly what AWX's Microsoft Azure Resource Manager credential injects for this tenant, plus the
        emulator's CA (a real AWX trusts Azure's CA already)."""
        return {
            "AZURE_SUBSCRIPTION_ID": self.subscription_id,
            "AZURE_CLIENT_ID": self.client_id,
            "AZURE_SECRET": self.client_secret,
            "AZURE_TENANT": self.tenant,
            "AZURE_CLOUD_ENVIRONMENT": self.metadata_url,
            "REQUESTS_CA_BUNDLE": self.ca_path,
        }

    def start(self) -> ArmEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def add_server(self, resource_group: str, name: str, public_network_access: str = "Enabled") -> SqlServer:
        server = SqlServer(public_network_access)
        self.servers[(resource_group.lower(), name.lower())] = server
        return server

    def add_site(self, resource_group: str, name: str, slot: str | None = None) -> Site:
        site = Site()
        self.sites[(resource_group.lower(), name.lower(), slot.lower() if slot else None)] = site
        return site

    @property
    def vault_url(self) -> str:
        return self.base_url

    def inject(self, status: int, retry_after: int | None = None, times: int = 1) -> None:
        """Answer the next ARM requests with this status before serving them normally."""
        with self.lock:
            self.faults.extend([(status, retry_after)] * times)

    def reset_counters(self) -> None:
        with self.lock:
            self.requests.clear()
            self.write_calls = 0
            self.faults_served.clear()

    # -- HTTP --------------------------------------------------------------------------------

    def _handler(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: with Nagle's algorithm each answer would wait
            # for the client's delayed ACK (40 ms), which no real endpoint costs.
            disable_nagle_algorithm = True

            def log_message(self, format, *args):
                pass

            def do_GET(self):
                emulator._dispatch(self, "GET")

            def do_PUT(self):
                emulator._dispatch(self, "PUT")

            def do_DELETE(self):
                emulator._dispatch(self, "DELETE")

            def do_POST(self):
                emulator._dispatch(self, "POST")

        return Handler

    def _dispatch(self, request, method: str) -> None:
        parts = urlsplit(request.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append((method, request.path))
        path = parts.path
        if path == "/metadata/endpoints":
            return self._send(request, 200, self._metadata(query.get("api-version")))
        if path == "/echo-ip":
            return self._send(request, 200, self.echo_ip + "\n", content_type="text/plain")
        if path == f"/{self.tenant}/v2.0/.well-known/openid-configuration":
            return self._send(request, 200, self._openid_configuration())
        if path == f"/{self.tenant}/oauth2/v2.0/token" and method == "POST":
            return self._token(request, body)
        secret = _SECRET_PATH.match(path)
        if secret and method == "GET":
            return self._secret(request, secret, query)
        site = _SITE_CONFIG_PATH.match(path)
        if site and method == "POST":
            return self._site_config(request, site, query)
        match = _SERVER_PATH.match(path)
        if not match:
            return self._arm_error(request, 404, "NotFound", f"No route for {method} {path}")
        return self._arm(request, method, match, query, body)

    def _metadata(self, api_version: str | None):
        authentication = {"loginEndpoint": self.base_url + "/", "audiences": [AUDIENCE], "tenant": "common"}
        if api_version == "2022-09-01":
            return [
                {
                    "name": "Emulator",
                    "resourceManager": self.base_url + "/",
                    "authentication": {**authentication, "identityProvider": "AAD"},
                    "suffixes": {"sqlServerHostname": SQL_SERVER_HOSTNAME},
                },
                {
                    "name": "AzureCloud",
                    "resourceManager": "https://management.azure.com/",
                    "authentication": {"loginEndpoint": "https://login.microsoftonline.com", "audiences": []},
                },
            ]
        # Azure Stack's shape: no resourceManager, the host serving the document is it.
        return {"galleryEndpoint": self.base_url + "/gallery", "authentication": authentication}

    def _openid_configuration(self) -> dict:
        issuer = f"{self.base_url}/{self.tenant}/v2.0"
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{self.base_url}/{self.tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{self.base_url}/{self.tenant}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{self.base_url}/{self.tenant}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{self.base_url}/{self.tenant}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU",
        }

    def _token(self, request, body: bytes) -> None:
        form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id:
            return self._send(request, 400, {"error": "unauthorized_client", "error_description": "AADSTS700016"})
        if form.get("client_secret") != self.client_secret:
            # Echoes what it got, as careless servers do, so tests prove the module masks it.
            echoed = body.decode() if self.echo_form_body else form.get("client_secret")
            return self._send(
                request,
                401,
                {
                    "error": "invalid_client",
                    "error_description": f"AADSTS7000215: Invalid client secret provided: '{echoed}'.",
                },
            )
        if form.get("scope") not in (AUDIENCE + "/.default", self.vault_resource + "/.default", SQL_SCOPE):
            return self._send(request, 400, {"error": "invalid_scope", "error_description": form.get("scope")})
        token = secrets.token_urlsafe(32)
        with self.lock:
            self._tokens[token] = form["scope"]
            self.tokens_issued += 1
            self.issued.append((form["scope"], token))
        return self._send(request, 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})

    def _bearer_scope(self, request) -> str | None:
        authorization = request.headers.get("Authorization", "")
        return self._tokens.get(authorization[7:]) if authorization.startswith("Bearer ") else None

    def _secret(self, request, match, query: dict) -> None:
        if self._bearer_scope(request) != self.vault_resource + "/.default":
            challenge = f'Bearer authorization="{self.base_url}/{self.tenant}", resource="{self.vault_resource}"'
            return self._send(
                request,
                401,
                {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer token."}},
                headers={"WWW-Authenticate": challenge},
            )
        name = match["name"]
        if name not in self.vault_secrets or match["version"] not in (None, "", "current"):
            return self._send(
                request,
                404,
                {"error": {"code": "SecretNotFound", "message": f"A secret with (name/id) {name} was not found in "
                           "this key vault. If you recently deleted this secret you may be able to recover it using "
                           "the correct recovery command."}},
            )  # fmt: skip
        secret_id = f"{self.vault_url}/secrets/{name}/current"
        return self._send(
            request, 200, {"value": self.vault_secrets[name], "id": secret_id, "attributes": {"enabled": True}}
        )

    def _site_config(self, request, match, query: dict) -> None:
        if self._bearer_scope(request) != AUDIENCE + "/.default":
            return self._arm_error(request, 401, "InvalidAuthenticationToken", "The access token is invalid.")
        if query.get("api-version") not in WEB_API_VERSIONS:
            return self._arm_error(
                request, 400, "InvalidApiVersionParameter", f"api-version '{query.get('api-version')}' is unexpected."
            )
        if match["sub"] != self.subscription_id:
            return self._arm_error(request, 404, "SubscriptionNotFound", f"Subscription {match['sub']} not found.")
        resource_group, name, slot = unquote(match["rg"]), unquote(match["site"]), match["slot"]
        site = self.sites.get((resource_group.lower(), name.lower(), slot.lower() if slot else None))
        if site is None:
            return self._not_found(request, f"Microsoft.Web/sites/{name}", resource_group)
        if match["kind"].lower() == "appsettings":
            properties = dict(site.app_settings)
        else:
            properties = {key: {"value": value, "type": kind} for key, (value, kind) in site.connection_strings.items()}
        return self._send(request, 200, {"name": match["kind"].lower(), "properties": properties})

    def _arm(self, request, method: str, match, query: dict, body: bytes) -> None:
        if self._bearer_scope(request) != AUDIENCE + "/.default":
            return self._arm_error(request, 401, "InvalidAuthenticationToken", "The access token is invalid.")
        if query.get("api-version") not in API_VERSIONS:
            return self._arm_error(
                request, 400, "InvalidApiVersionParameter", f"api-version '{query.get('api-version')}' is unexpected."
            )
        with self.lock:
            fault = self.faults.pop(0) if self.faults else None
            if fault:
                self.faults_served.append(fault[0])
            elif method in ("PUT", "DELETE"):
                self.write_calls += 1
        if fault:
            status, retry_after = fault
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            code = "TooManyRequests" if status == 429 else "InternalServerError"
            return self._arm_error(request, status, code, "Injected by the test.", headers=headers)
        if match["sub"] != self.subscription_id:
            return self._arm_error(request, 404, "SubscriptionNotFound", f"Subscription {match['sub']} not found.")
        resource_group, name = unquote(match["rg"]), unquote(match["server"])
        server = self.servers.get((resource_group.lower(), name.lower()))
        group_id = f"/subscriptions/{self.subscription_id}/resourceGroups/{resource_group}"
        server_id = f"{group_id}/providers/Microsoft.Sql/servers/{name}"
        if server is None:
            return self._not_found(request, f"Microsoft.Sql/servers/{name}", resource_group)
        if not match["rules"]:
            if method != "GET":
                return self._arm_error(request, 405, "MethodNotAllowed", method)
            return self._send(request, 200, self._server_body(server, server_id, name))
        rule_name = unquote(match["rule"]) if match["rule"] else None
        if rule_name is None:
            if method != "GET":
                return self._arm_error(request, 405, "MethodNotAllowed", method)
            with self.lock:
                rules = [self._rule_body(server_id, n, r) for n, r in server.rules.items()]
            return self._send(request, 200, {"value": rules})
        return self._rule(request, method, server, server_id, rule_name, body, resource_group)

    def _rule(self, request, method, server: SqlServer, server_id: str, name: str, body: bytes, resource_group):
        with self.lock:
            existing = server.rules.get(name)
            if method == "GET":
                if existing is None:
                    return self._not_found(request, f"Microsoft.Sql/servers/firewallRules/{name}", resource_group)
                return self._send(request, 200, self._rule_body(server_id, name, existing))
            if method == "DELETE":
                server.rules.pop(name, None)
                return self._send(request, 200 if existing else 204, None)
            if server.public_network_access != "Enabled":
                return self._arm_error(
                    request,
                    400,
                    "DenyPublicEndpointEnabled",
                    "Unable to create or modify firewall rules when public network interface for the server is "
                    "disabled. To manage server or database level firewall rules, please enable the public network "
                    "interface.",
                )
            if existing is None and len(server.rules) >= MAX_RULES:
                return self._arm_error(
                    request, 400, "TooManyFirewallRules", f"The maximum number of firewall rules ({MAX_RULES})."
                )
            properties = json.loads(body or b"{}").get("properties") or {}
            rule = {"startIpAddress": properties["startIpAddress"], "endIpAddress": properties["endIpAddress"]}
            server.rules[name] = rule
            server.rule_written_at[name] = time.monotonic()
            return self._send(request, 200 if existing else 201, self._rule_body(server_id, name, rule))

    @staticmethod
    def _server_body(server: SqlServer, server_id: str, name: str) -> dict:
        return {
            "id": server_id,
            "name": name,
            "type": "Microsoft.Sql/servers",
            "location": "westeurope",
            "kind": "v12.0",
            "properties": {
                "administratorLogin": "sqladmin",
                "version": "12.0",
                "state": "Ready",
                "fullyQualifiedDomainName": f"{name}.database.windows.net",
                "publicNetworkAccess": server.public_network_access,
                "minimalTlsVersion": "1.2",
            },
        }

    @staticmethod
    def _rule_body(server_id: str, name: str, rule: dict) -> dict:
        return {
            "id": f"{server_id}/firewallRules/{name}",
            "name": name,
            "type": "Microsoft.Sql/servers/firewallRules",
            "properties": dict(rule),
        }

    def _not_found(self, request, resource: str, resource_group: str) -> None:
        self._arm_error(
            request,
            404,
            "ResourceNotFound",
            f"The Resource '{resource}' under resource group '{resource_group}' was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        )

    def _arm_error(self, request, status: int, code: str, message: str, headers=None) -> None:
        self._send(request, status, {"error": {"code": code, "message": message}}, headers=headers)

    @staticmethod
    def _send(request, status: int, payload, *, content_type="application/json", headers=None) -> None:
        if payload is None:
            data = b""
        elif isinstance(payload, str):
            data = payload.encode()
        else:
            data = json.dumps(payload).encode()
        request.send_response(status)
        if data:
            request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.send_header("x-ms-request-id", secrets.token_hex(8))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)


# What Azure SQL answers a login it refuses, by error number (Microsoft's texts; {server}, {ip}, {database}, {user}).
AZURE_SQL_REFUSALS = {
    40615: "Cannot open server '{server}' requested by the login. Client with IP address '{ip}' is not allowed to "
    "access the server.  To enable access, use the Azure Management Portal or run sp_set_firewall_rule on the master "
    "database to create a firewall rule for this IP address or address range.  It may take up to five minutes for "
    "this change to take effect.",
    47073: "Reason: An instance-specific error occurred while establishing a connection to SQL Server. Connection "
    "was denied since Deny Public Network Access is set to Yes "
    "(https://docs.microsoft.com/azure/azure-sql/database/connectivity-settings#deny-public-network-access). To "
    "connect to this server, use the Private Endpoint from inside your virtual network "
    "(https://docs.microsoft.com/azure/sql-database/sql-database-private-endpoint-overview#how-to-set-up-private-link"
    "-for-azure-sql-database).",
    40914: "Cannot open server '{server}' requested by the login. Client is not allowed to access the server.",
    18456: "Login failed for user '{user}'.",
    4060: 'Cannot open database "{database}" requested by the login. The login failed.',
    40613: "Database '{database}' on server '{server}' is not currently available.  Please retry the connection "
    "later.  If the problem persists, contact customer support, and provide them the session tracing ID of "
    "'{{8A1F4C02-0000-4000-8000-000000000001}}'.",
}


class FirewalledSqlGateway:
    """Azure SQL's gateway as a refused client meets it: TDS pre-login, then an error (40615 by default) for any
    LOGIN7.

    Enough of TDS 7.4 for a real ODBC driver (FreeTDS, Microsoft's) to print Azure's message, so what the modules
    read from a refusal is tested on what a driver really says. No encryption is offered: use encrypt=false.
    """

    def __init__(self, client_ip: str, server_name: str = "myserver", error_number: int = 40615):
        self.client_ip = client_ip
        self.server_name = server_name
        self.error_number = error_number
        self.logins = 0
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def refuse(self, connection) -> None:
        """Answer one accepted connection as the gateway refuses it (for FirewalledDatabaseProxy)."""
        with contextlib.suppress(OSError):
            self._converse(connection)

    def start(self) -> FirewalledSqlGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._socket.close()

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self._socket.accept()
            except OSError:
                return
            # A driver hanging up mid-conversation is its business, not a test failure.
            with connection, contextlib.suppress(OSError):
                self._converse(connection)

    def _converse(self, connection) -> None:
        while True:
            packet_type = self._read_message(connection)
            if packet_type is None:
                return
            if packet_type == 0x12:  # PRELOGIN: version 12.0, encryption not supported
                options = bytes([0x00, 0x00, 0x0B, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xFF])
                self._send(connection, options + bytes([12, 0, 0, 0, 0, 0]) + bytes([0x02]))
            elif packet_type == 0x10:  # LOGIN7
                self.logins += 1
                self._send(connection, self._refusal() + self._done_error())
                return

    def _refusal(self) -> bytes:
        message = AZURE_SQL_REFUSALS[self.error_number].format(
            server=self.server_name, ip=self.client_ip, database="backoffice", user="app"
        )
        body = (
            struct.pack("<iBB", self.error_number, 1, 14)
            + struct.pack("<H", len(message))
            + message.encode("utf-16-le")
            + struct.pack("<B", len(self.server_name))
            + self.server_name.encode("utf-16-le")
            + struct.pack("<B", 0)
            + struct.pack("<i", 65536)
        )
        return bytes([0xAA]) + struct.pack("<H", len(body)) + body

    @staticmethod
    def _done_error() -> bytes:
        return bytes([0xFD]) + struct.pack("<HHQ", 0x0002, 0, 0)

    @staticmethod
    def _read_message(connection) -> int | None:
        packet_type = None
        while True:
            header = FirewalledSqlGateway._read_exactly(connection, 8)
            if header is None:
                return None
            packet_type, status, length = header[0], header[1], struct.unpack(">H", header[2:4])[0]
            if FirewalledSqlGateway._read_exactly(connection, length - 8) is None:
                return None
            if status & 0x01:
                return packet_type

    @staticmethod
    def _read_exactly(connection, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    @staticmethod
    def _send(connection, payload: bytes) -> None:
        connection.sendall(struct.pack(">BBHHBB", 0x04, 0x01, len(payload) + 8, 0, 1, 0) + payload)


class FirewalledDatabaseProxy:
    """A real database behind an emulated Azure SQL firewall: connections are refused (closed at once, as a
    refused login ends, or answered by `refuse`: FirewalledSqlGateway(...).refuse makes it Azure SQL's gateway,
    40615 and all) until a rule of `server` covers `client_ip` and `propagation_delay` seconds have passed since that
    rule was written, then proxied to the database."""

    def __init__(
        self, server: SqlServer, client_ip: str, target: tuple[str, int], propagation_delay: float = 0.0, refuse=None
    ):
        # How a refused connection ends: closed at once, or refuse(connection), e.g. a 40615 from the SQL gateway.
        self.refuse = refuse
        self.server = server
        self.client_ip = ipaddress.IPv4Address(client_ip)
        self.target = target
        self.propagation_delay = propagation_delay
        self.refused = 0
        self.admitted_at: list[float] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> FirewalledDatabaseProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._socket.close()

    def open_since(self) -> float | None:
        """When the first rule covering the client took effect, or None."""
        now = time.monotonic()
        effective = [
            written + self.propagation_delay
            for name, written in list(self.server.rule_written_at.items())
            if name in self.server.rules and self._covers(self.server.rules[name])
        ]
        effective = [moment for moment in effective if moment <= now]
        return min(effective) if effective else None

    def _covers(self, rule: dict) -> bool:
        start, end = ipaddress.IPv4Address(rule["startIpAddress"]), ipaddress.IPv4Address(rule["endIpAddress"])
        return start <= self.client_ip <= end

    def _serve(self) -> None:
        while True:
            try:
                client, _address = self._socket.accept()
            except OSError:
                return
            if self.open_since() is None:
                self.refused += 1
                if self.refuse is not None:
                    threading.Thread(target=self._refuse, args=(client,), daemon=True).start()
                else:
                    client.close()
                continue
            self.admitted_at.append(time.monotonic())
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _refuse(self, client) -> None:
        with client:
            self.refuse(client)

    @staticmethod
    def _pipe(source, sink) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
