"""Servers that are not databases: stand-ins for what sits between a runner and its database."""

from __future__ import annotations

import socket
import threading


class SilentServer:
    """A TCP server on a free loopback port that accepts every connection and never sends a byte: a database behind
    a stuck load balancer. `accepted` counts the connections; stop() closes them all."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._connections: list[socket.socket] = []
        self.accepted = 0

    def start(self) -> SilentServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self._listener.accept()
            except OSError:  # closed by stop()
                return
            self._connections.append(connection)
            self.accepted += 1

    def stop(self) -> None:
        self._listener.close()
        for connection in self._connections:
            connection.close()
