# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a Prisma migrations folder: `<timestamp>_<name>/migration.sql` and `migration_lock.toml`."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import PrismaError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import LocalMigration

LOCK_FILE = "migration_lock.toml"
MIGRATION_FILE = "migration.sql"
# Far above any real migration (Prisma's largest generated scripts are a few MiB); a bound keeps a mistaken file
# (a database dump, /dev/zero behind a symlink) from exhausting the runner.
MAX_SCRIPT_BYTES = 64 * 1024 * 1024
MAX_LOCKFILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class MigrationsDirectory:
    path: str
    migrations: list[LocalMigration]
    lockfile_provider: str | None


def read_migrations_directory(path: str) -> MigrationsDirectory:
    """Read the folder as Prisma's CLI does: every real subfolder is a migration, sorted by name."""
    if not os.path.isdir(path):
        raise DbopsError(
            f"migrations_dir {path} is not a directory.",
            hint="Point migrations_dir at the Prisma migrations folder (usually prisma/migrations).",
        )
    migrations = []
    for entry in sorted(os.listdir(path)):
        folder = os.path.join(path, entry)
        # Prisma lists directory entries that are directories themselves; a symlink is not one.
        if os.path.islink(folder) or not os.path.isdir(folder):
            continue
        migrations.append(_local_migration(entry, os.path.join(folder, MIGRATION_FILE)))
    return MigrationsDirectory(path=path, migrations=migrations, lockfile_provider=_read_lockfile(path))


def read_regular_file(path: str, limit: int) -> tuple[bytes | None, str | None]:
    """The bytes of `path` (None when it does not exist), or why it is not read: only a regular file of at most
    `limit` bytes is. Opened without blocking, so a FIFO or a device never hangs the module."""
    name = os.path.basename(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{name} cannot be read ({exc.strerror})"
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None, f"{name} is not a regular file"
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            content = handle.read(limit + 1)
    finally:
        os.close(descriptor)
    if len(content) > limit:
        return None, f"{name} is larger than {limit} bytes"
    return content, None


def _local_migration(name: str, script_path: str) -> LocalMigration:
    content, problem = read_regular_file(script_path, MAX_SCRIPT_BYTES)
    if content is not None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Prisma's checksum is over the file's UTF-8 text: its native engine refuses such a file, its CLI
            # replaces the bytes first. Neither can be compared honestly; the bytes are kept, the reason told.
            problem = f"{MIGRATION_FILE} is not valid UTF-8 (first invalid byte at offset {exc.start})"
    return LocalMigration(name=name, script=content, problem=problem)


def read_lockfile_provider(content: str | None) -> str | None:
    """Prisma's reading of migration_lock.toml: the first line starting with `provider`, minus the exact prefix
    `provider = ` and surrounding double quotes; a file without such a line names `<PROVIDER NOT FOUND>`."""
    if content is None:
        return None
    for line in content.splitlines():
        if line.startswith("provider"):
            return line.removeprefix("provider = ").strip('"')
    return "<PROVIDER NOT FOUND>"


def _read_lockfile(path: str) -> str | None:
    content, problem = read_regular_file(os.path.join(path, LOCK_FILE), MAX_LOCKFILE_BYTES)
    if problem:
        raise DbopsError(
            f"{problem} (in {path}).",
            hint=f"{LOCK_FILE} is a small text file naming the provider; restore it from version control.",
        )
    return None if content is None else read_lockfile_provider(content.decode("utf-8", errors="replace"))


def check_lockfile(directory: MigrationsDirectory, lockfile_providers: tuple[str, ...]) -> None:
    """P3019 when migration_lock.toml names another provider than the database's (`lockfile_providers`, the
    schema engine's connector type first), compared exactly as Prisma compares it."""
    if directory.lockfile_provider is not None and directory.lockfile_provider not in lockfile_providers:
        raise PrismaError.coded("P3019", provider=lockfile_providers[0], expected=directory.lockfile_provider)
