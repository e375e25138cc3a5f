"""Client for the Prisma "referee" (tests/referee/referee.mjs).

The referee runs Prisma's own schema engine (``@prisma/schema-engine-wasm``
through Prisma's driver adapters) against a real database, so integration
tests can check the collection's behaviour against what Prisma itself does.

Install the Node side once with ``npm ci --prefix tests/referee``.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

REFEREE_DIR = (Path(__file__).resolve().parent / ".." / "referee").resolve()
REFEREE_SCRIPT = REFEREE_DIR / "referee.mjs"
TIMEOUT_SECONDS = 120


class RefereeError(Exception):
    """Prisma's schema engine answered with an error (``{"ok": false}``)."""

    def __init__(self, code: str | None, message: str, meta: Any = None) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message
        self.meta = meta


def referee_available() -> bool:
    """True when ``node`` is on PATH and the referee's node_modules is installed."""
    if shutil.which("node") is None or not REFEREE_SCRIPT.is_file():
        return False
    modules = REFEREE_DIR / "node_modules" / "@prisma"
    return all(
        (modules / name).is_dir()
        for name in ("schema-engine-wasm", "driver-adapter-utils", "adapter-pg", "adapter-libsql")
    )


class PrismaReferee:
    """Runs one schema-engine command per call against ``url``.

    ``provider`` is ``"postgresql"`` or ``"sqlite"``; ``url`` is a Prisma
    connection URL (``postgresql://...?schema=...`` or ``file:/abs/path.db``).
    """

    def __init__(self, provider: str, url: str, *, sqlite_timestamp_format: str | None = None) -> None:
        self.provider = provider
        self.url = url
        # SQLite only: "unixepoch-ms" (default, as Prisma's native engine writes
        # DateTime columns) or "iso8601" (adapter-libsql's own default).
        self.sqlite_timestamp_format = sqlite_timestamp_format

    def apply_migrations(self, migrations_dir: str | Path) -> dict:
        """``{"appliedMigrationNames": [...]}``."""
        return self._run("applyMigrations", migrations_dir)

    def diagnose(self, migrations_dir: str | Path) -> dict:
        """``{"editedMigrationNames", "failedMigrationNames", "hasMigrationsTable", "history"}``."""
        return self._run("diagnoseMigrationHistory", migrations_dir)

    def mark_rolled_back(self, migrations_dir: str | Path, name: str) -> dict:
        """``{}`` on success (``prisma migrate resolve --rolled-back``)."""
        return self._run("markMigrationRolledBack", migrations_dir, name)

    def mark_applied(self, migrations_dir: str | Path, name: str) -> dict:
        """``{}`` on success (``prisma migrate resolve --applied``)."""
        return self._run("markMigrationApplied", migrations_dir, name)

    def list_migration_directories(self, migrations_dir: str | Path) -> list[str]:
        """Names of the migration directories, in the order Prisma sorts them."""
        return self._run("listMigrationDirectories", migrations_dir)["migrations"]

    def diff(self, from_datamodel: str | None, to_datamodel: str) -> str:
        """The migration.sql Prisma generates from one datamodel to another (None: the empty schema), as
        `prisma migrate diff --from-schema ... --to-schema ... --script` writes it."""
        return self._send({"provider": self.provider, "url": self.url, "command": "diff", "from": from_datamodel,
                           "to": to_datamodel})["stdout"]  # fmt: skip

    def _run(self, command: str, migrations_dir: str | Path, name: str | None = None) -> dict:
        request: dict[str, Any] = {
            "provider": self.provider,
            "url": self.url,
            "command": command,
            "migrationsDir": str(Path(migrations_dir).resolve()),
        }
        if name is not None:
            request["migrationName"] = name
        if self.sqlite_timestamp_format is not None:
            request["sqliteTimestampFormat"] = self.sqlite_timestamp_format
        return self._send(request)

    def _send(self, request: dict[str, Any]) -> dict:
        response = _served(request)
        if response.get("ok"):
            return response.get("result") or {}
        error = response.get("error") or {}
        raise RefereeError(error.get("code"), error.get("message", ""), error.get("meta"))


class _Server:
    """`node referee.mjs --serve` for this process: starting node and the engine's WebAssembly costs about as much
    as most requests, and the suite makes hundreds of them."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("the Prisma referee needs `node` on PATH")
        self.pid = os.getpid()
        # Its stderr goes to a file: a pipe nobody reads would block a verbose referee (REFEREE_DEBUG).
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            [node, str(REFEREE_SCRIPT), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            encoding="utf-8",
        )

    def ask(self, request: dict[str, Any]) -> dict:
        command = request["command"]
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        readable, _writable, _failed = select.select([self.process.stdout], [], [], TIMEOUT_SECONDS)
        if not readable:
            self.stop()
            raise RuntimeError(f"Prisma referee timed out after {TIMEOUT_SECONDS}s on {command}{self.errors()}")
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError(f"Prisma referee exited on {command}{self.errors()}")
        response = json.loads(line)
        if "crash" in response:
            self.stop()
            raise RuntimeError(f"Prisma referee crashed on {command}: {response['crash']}{self.errors()}")
        return response

    def errors(self) -> str:
        self.stderr.seek(0)
        text = self.stderr.read().decode(errors="replace").strip()
        return f"; stderr:\n{text}" if text else ""

    def stop(self) -> None:
        _SERVERS.pop(self.pid, None)
        self.process.kill()
        self.process.wait()


# This process's referee, by process id (a forked child starts its own).
_SERVERS: dict[int, _Server] = {}
_LOCK = threading.Lock()


def _served(request: dict[str, Any]) -> dict:
    """The answer of this process's referee (started on first use, and again after it died)."""
    with _LOCK:
        server = _SERVERS.get(os.getpid())
        if server is None or server.process.poll() is not None:
            server = _SERVERS[os.getpid()] = _Server()
        return server.ask(request)
