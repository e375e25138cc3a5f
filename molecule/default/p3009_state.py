"""Molecule helper: put <folder>/dev.db in the P3009 state, or (`verify`) ask Prisma's engine that it is not."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee, RefereeError

DUPLICATES = [("ada@example.com", "Ada", "same"), ("grace@example.com", "Grace", "same")]


def main(folder: Path, verify: bool) -> None:
    database, migrations = folder / "dev.db", folder / "migrations"
    engine = PrismaReferee("sqlite", f"file:{database}")
    if verify:
        failed = engine.diagnose(migrations)["failedMigrationNames"]
        sys.exit(f"Prisma still sees failed migrations: {failed}" if failed else 0)
    database.unlink(missing_ok=True)
    database.touch()
    first = folder / "first-release"
    first.mkdir(exist_ok=True)
    init = sorted(path for path in migrations.iterdir() if path.is_dir())[0]
    (first / init.name).mkdir(exist_ok=True)
    (first / init.name / "migration.sql").write_bytes((init / "migration.sql").read_bytes())
    (first / "migration_lock.toml").write_bytes((migrations / "migration_lock.toml").read_bytes())
    engine.apply_migrations(first)
    with sqlite3.connect(database) as connection:
        connection.executemany('INSERT INTO "User" (email, name, bio) VALUES (?, ?, ?)', DUPLICATES)
    try:
        engine.apply_migrations(migrations)
    except RefereeError:
        return
    sys.exit("Prisma applied the bio index: the database is not in the P3009 state.")


if __name__ == "__main__":
    main(Path(sys.argv[1]), verify=sys.argv[2:] == ["verify"])
