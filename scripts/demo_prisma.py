"""The `make demo` rehearsal around the playbook, driven by Prisma's own schema engine.

demo_prisma.py build [repair]     fresh demo/prisma/dev.db that really is in the P3009 state (with `repair`:
                                  demo/repair/prisma/dev.db, where the failed migration added a column first)
demo_prisma.py fix-data [repair]  the runbook's "fix the data": clear the duplicated bios the preflight named
demo_prisma.py redeploy [repair]  after the recovery: let Prisma deploy (the runbook's step 5)
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.prisma_referee import (
    PrismaReferee,
    RefereeError,
    referee_available,
)

ROOT = Path(__file__).resolve().parent.parent


# The scenario's folder: demo/prisma (the bio index fails, nothing of it stays) or, with `repair`,
# demo/repair/prisma (a column, then the bio index: the column stays, the migration is partial).
SCENARIOS = {"p3009": ROOT / "demo" / "prisma", "repair": ROOT / "demo" / "repair" / "prisma"}
PRISMA_DIR = SCENARIOS["repair" if sys.argv[2:3] == ["repair"] else "p3009"]
DATABASE = PRISMA_DIR / "dev.db"
MIGRATIONS = PRISMA_DIR / "migrations"
INIT = "20201127134937_init"
# What the API wrote between the two deployments: two users share a bio, which the new unique index forbids.
APP_DATA = [
    ("ada@example.com", "Ada", "Hello, I'm new here"),
    ("grace@example.com", "Grace", "Hello, I'm new here"),
    ("linus@example.com", "Linus", "Kernel person"),
]


def say(title: str, text: str = "") -> None:
    print(f"\n== {title}")
    if text:
        print(text.rstrip())


def prisma() -> PrismaReferee:
    if not referee_available():
        sys.exit("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee).")
    return PrismaReferee("sqlite", f"file:{DATABASE}")


def build() -> None:
    engine = prisma()
    DATABASE.unlink(missing_ok=True)
    DATABASE.touch()
    with tempfile.TemporaryDirectory() as first_release:
        shutil.copytree(MIGRATIONS / INIT, Path(first_release) / INIT)
        shutil.copy(MIGRATIONS / "migration_lock.toml", first_release)
        applied = engine.apply_migrations(first_release)["appliedMigrationNames"]
    say("prisma migrate deploy (first release)", f"applied: {', '.join(applied)}")
    with sqlite3.connect(DATABASE) as connection:
        connection.executemany('INSERT INTO "User" (email, name, bio) VALUES (?, ?, ?)', APP_DATA)
    say("the API stores users", "\n".join(f"  {email}: {bio!r}" for email, _name, bio in APP_DATA))
    for attempt in ("second release", "any later deployment"):
        try:
            engine.apply_migrations(MIGRATIONS)
        except RefereeError as error:
            say(f"prisma migrate deploy ({attempt}) -> Error: {error.code}", error.message)
        else:
            sys.exit("Prisma applied the bio index: the demo data did not violate it.")
    say(f"{DATABASE.relative_to(ROOT)} is now in the P3009 state")


def fix_data() -> None:
    with sqlite3.connect(DATABASE) as connection:
        cleared = connection.execute(
            'UPDATE "User" SET bio = NULL WHERE id NOT IN (SELECT min(id) FROM "User" GROUP BY bio)'
        ).rowcount
    say("runbook: fix the data the migration tripped on", f"cleared {cleared} duplicate bio(s)")


def redeploy() -> None:
    engine = prisma()
    diagnosis = engine.diagnose(MIGRATIONS)
    say("Prisma's view after the recovery", f"failed migrations: {diagnosis['failedMigrationNames'] or 'none'}")
    applied = engine.apply_migrations(MIGRATIONS)["appliedMigrationNames"]
    say("prisma migrate deploy (re-run the pipeline)", f"applied: {', '.join(applied) or 'nothing'}")
    if not applied:
        sys.exit("Prisma applied nothing: the recovery did not unblock deploy.")


if __name__ == "__main__":
    commands = {"build": build, "fix-data": fix_data, "redeploy": redeploy}
    if len(sys.argv) not in (2, 3) or sys.argv[1] not in commands or sys.argv[2:3] not in ([], ["repair"]):
        sys.exit(__doc__)
    commands[sys.argv[1]]()
