"""An Azure SQL gateway that signs clients in with a Microsoft Entra ID access token, for real ODBC drivers.

Enough of TDS 7.4 (MS-TDS) to see what a driver really sends: PRELOGIN (echoing FEDAUTHREQUIRED), then LOGIN7 with
its user name, password and feature extensions, of which FEDAUTH (0x02) carries the token as UTF-16-LE after a
4-byte length. The gateway records each login and then either refuses it (error 18456, as Azure SQL refuses a
token whose principal has no database user) or accepts it (LOGINACK and the FEDAUTH acknowledgement) and answers a
batch `SELECT token` with the token it received; any other request ends with an error saying no database is behind.
No TLS: Driver 18 sends a token without encryption when the URL says encrypt=false.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

PRELOGIN, LOGIN7, SQLBATCH, REPLY, TRANSACTION_MANAGER = 0x12, 0x10, 0x01, 0x04, 0x0E
FEDAUTH = 0x02
FEDAUTH_SECURITY_TOKEN = 0x01
NO_DATABASE = "dbops test gateway: signed in with the access token, but no database is behind this gateway."
LOGIN7_FIELDS = ("host", "user", "password", "app", "server", "extension", "library", "language", "database")


def _b_varchar(text: str) -> bytes:
    return bytes([len(text)]) + text.encode("utf-16-le")


def _us_varchar(text: str) -> bytes:
    return struct.pack("<H", len(text)) + text.encode("utf-16-le")


def _error(number: int, message: str, server: str, severity: int = 14) -> bytes:
    body = struct.pack("<iBB", number, 1, severity) + _us_varchar(message) + _b_varchar(server) + _b_varchar("")
    body += struct.pack("<i", 1)
    return bytes([0xAA]) + struct.pack("<H", len(body)) + body


def _done(status: int = 0, count: int = 0) -> bytes:
    return bytes([0xFD]) + struct.pack("<HHQ", status, 0, count)


def _envchange(kind: int, new: str, old: str) -> bytes:
    body = bytes([kind]) + _b_varchar(new) + _b_varchar(old)
    return bytes([0xE3]) + struct.pack("<H", len(body)) + body


def _loginack() -> bytes:
    body = bytes([1]) + struct.pack(">I", 0x74000004) + _b_varchar("Microsoft SQL Server") + bytes([16, 0, 0x10, 0])
    return bytes([0xAD]) + struct.pack("<H", len(body)) + body


def _feature_ack(feature: int) -> bytes:
    return bytes([0xAE, feature]) + struct.pack("<I", 0) + b"\xff"


def _nvarchar_row(name: str, value: str) -> bytes:
    collation = bytes([0x09, 0x04, 0xD0, 0x00, 0x34])
    metadata = bytes([0x81]) + struct.pack("<HIH", 1, 0, 0x0009) + bytes([0xE7]) + struct.pack("<H", 8000)
    data = value.encode("utf-16-le")
    return metadata + collation + _b_varchar(name) + bytes([0xD1]) + struct.pack("<H", len(data)) + data


def _prelogin_answer(request: bytes) -> bytes:
    """Version 16, no encryption, and FEDAUTHREQUIRED echoed when the client sent it."""
    options = [(0x00, bytes([16, 0, 0x10, 0, 0, 0])), (0x01, b"\x02"), (0x02, b"\x00"), (0x03, b""), (0x04, b"\x00")]
    index = 0
    while request[index] != 0xFF:
        if request[index] == 0x06:
            options.append((0x06, b"\x01"))
        index += 5
    offset, head, data = 5 * len(options) + 1, b"", b""
    for token, value in options:
        head += struct.pack(">BHH", token, offset, len(value))
        offset += len(value)
        data += value
    return head + b"\xff" + data


def parse_login7(payload: bytes) -> dict:
    """The fields of a LOGIN7 message a test cares about, the password de-obfuscated, and the FEDAUTH token."""
    option_flags3 = payload[27]
    login = {}
    for position, name in enumerate(LOGIN7_FIELDS):
        offset, length = struct.unpack("<HH", payload[36 + 4 * position : 40 + 4 * position])
        raw = payload[offset : offset + 2 * length]
        if name == "password":
            raw = bytes(((byte ^ 0xA5) >> 4) | (((byte ^ 0xA5) & 0x0F) << 4) for byte in raw)
        login[name] = (offset, length) if name == "extension" else raw.decode("utf-16-le")
    features = {}
    offset, length = login.pop("extension")
    if option_flags3 & 0x10 and length >= 4:
        position = struct.unpack("<I", payload[offset : offset + 4])[0]
        while payload[position] != 0xFF:
            feature, size = payload[position], struct.unpack("<I", payload[position + 1 : position + 5])[0]
            features[feature] = payload[position + 5 : position + 5 + size]
            position += 5 + size
    fedauth = features.get(FEDAUTH)
    login["token"] = None
    if fedauth and fedauth[0] >> 1 == FEDAUTH_SECURITY_TOKEN:
        size = struct.unpack("<I", fedauth[1:5])[0]
        login["token"] = fedauth[5 : 5 + size].decode("utf-16-le")
    return login


class EntraSqlGateway:
    def __init__(self, *, accept: bool, server_name: str = "sql-backoffice"):
        self.accept = accept
        self.server_name = server_name
        self.logins: list[dict] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> EntraSqlGateway:
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
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection) -> None:
        # A driver hanging up mid-conversation is its business, not a test failure.
        with connection, contextlib.suppress(OSError, EOFError):
            self._converse(connection)

    def _converse(self, connection) -> None:
        kind, payload = self._read(connection)
        if kind != PRELOGIN:
            return
        self._send(connection, _prelogin_answer(payload))
        kind, payload = self._read(connection)
        if kind != LOGIN7:
            return
        login = parse_login7(payload)
        self.logins.append(login)
        if not self.accept or login["token"] is None:
            who = login["user"] or "<token-identified principal>"
            self._send(connection, _error(18456, f"Login failed for user '{who}'.", self.server_name) + _done(2))
            return
        database = login["database"] or "master"
        self._send(
            connection,
            _envchange(1, database, "master") + _loginack() + _feature_ack(FEDAUTH) + _envchange(4, "4096", "4096")
            + _done(),
        )  # fmt: skip
        while True:
            kind, payload = self._read(connection)
            if kind == TRANSACTION_MANAGER:  # autocommit off, commit, rollback: nothing to keep here
                self._send(connection, _done())
                continue
            if kind == SQLBATCH:
                header = struct.unpack("<I", payload[:4])[0]
                if payload[header:].decode("utf-16-le").strip().lower() == "select token":
                    self._send(connection, _nvarchar_row("token", login["token"]) + _done(0x10, 1))
                    continue
            self._send(connection, _error(40000, NO_DATABASE, self.server_name, severity=16) + _done(2))

    @staticmethod
    def _read(connection) -> tuple[int, bytes]:
        kind, payload = None, b""
        while True:
            header = EntraSqlGateway._exactly(connection, 8)
            kind, status, length = header[0], header[1], struct.unpack(">H", header[2:4])[0]
            payload += EntraSqlGateway._exactly(connection, length - 8)
            if status & 0x01:
                return kind, payload

    @staticmethod
    def _exactly(connection, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    @staticmethod
    def _send(connection, payload: bytes) -> None:
        connection.sendall(struct.pack(">BBHHBB", REPLY, 0x01, len(payload) + 8, 0, 1, 0) + payload)
