# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a Prisma migrations folder: `<timestamp>_<name>/migration.sql` and `migration_lock.toml`."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import PrismaError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import LocalMigration

LOCK_FILE = "migration_lock.toml"
MIGRATION_FILE = "migration.sql"


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
        migrations.append(LocalMigration(name=entry, script=_read_script(os.path.join(folder, MIGRATION_FILE))))
    return MigrationsDirectory(path=path, migrations=migrations, lockfile_provider=_read_lockfile(path))


def _read_script(script_path: str) -> str | None:
    try:
        # newline="" keeps CRLF as written: the checksum is over the exact text.
        with open(script_path, encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read()
    except OSError:
        return None


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
    try:
        with open(os.path.join(path, LOCK_FILE), encoding="utf-8", errors="replace") as handle:
            return read_lockfile_provider(handle.read())
    except OSError:
        return None


def check_lockfile(directory: MigrationsDirectory, lockfile_providers: tuple[str, ...]) -> None:
    """P3019 when migration_lock.toml names another provider than the database's (`lockfile_providers`, the
    schema engine's connector type first), compared exactly as Prisma compares it."""
    if directory.lockfile_provider is not None and directory.lockfile_provider not in lockfile_providers:
        raise PrismaError.provider_switched(lockfile_providers[0], directory.lockfile_provider)
