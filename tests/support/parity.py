"""Twins for the parity suites: one database state resolved by our module, its twin by Prisma's own engine.

The genuine failure states are made by Prisma's engine applying migrations whose data violates a new constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.backends import Backend
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee, RefereeError
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, INIT, LATER, UNKNOWN


@dataclass
class Twin:
    backend: Backend
    # Prisma's driver adapters keep SQLite timestamps as RFC 3339 text; its native engine as epoch milliseconds.
    sqlite_timestamp_format: str | None = None

    @property
    def prisma(self) -> PrismaReferee:
        return self.backend.referee(sqlite_timestamp_format=self.sqlite_timestamp_format)

    def history(self):
        """The history with what differs between twins by nature (ids, timestamps) reduced to presence."""
        return [
            (name, checksum, finished is not None, rolled_back is not None, steps, logs)
            for (_id, checksum, finished, name, logs, rolled_back, _started, steps) in self.backend.execute(
                f"SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, "
                f"applied_steps_count FROM {self.backend.table} ORDER BY started_at, migration_name"
            )
        ]

    def module_args(self, **extra):
        return {"database_url": self.backend.referee_url, **extra}


def prisma_outcome(call, *args):
    try:
        return ("ok", call(*args))
    except RefereeError as error:
        return ("error", error.code)


def deploy(twin: Twin, migrations: Path):
    try:
        return ("applied", twin.prisma.apply_migrations(migrations)["appliedMigrationNames"])
    except RefereeError as error:
        return ("error", error.code, error.message if error.code == "P3009" else None)


def set_rolled_back(twin: Twin, name: str, value_sql: str):
    twin.backend.execute(
        f"UPDATE {twin.backend.table} SET rolled_back_at = {value_sql} WHERE migration_name = '{name}' "
        "AND finished_at IS NULL"
    )


# Genuine failure states, made by Prisma's engine (`migrations` has INIT, BIO_INDEX and LATER).
def single_failure(twin, migrations):
    assert deploy(twin, migrations)[0] == "error"


def refailed_after_rollback(twin, migrations):
    single_failure(twin, migrations)
    twin.prisma.mark_rolled_back(migrations, BIO_INDEX)
    assert deploy(twin, migrations)[0] == "error"


def two_open_failures_of_one_name(twin, migrations):
    single_failure(twin, migrations)
    set_rolled_back(twin, BIO_INDEX, twin.backend.now_sql)
    assert deploy(twin, migrations)[0] == "error"
    set_rolled_back(twin, BIO_INDEX, "NULL")


def recovered_then_applied(twin, migrations):
    single_failure(twin, migrations)
    twin.prisma.mark_rolled_back(migrations, BIO_INDEX)
    twin.backend.execute(twin.backend.fix_data)
    assert deploy(twin, migrations) == ("applied", [BIO_INDEX, LATER])


SCENARIOS = {
    "single_failure": single_failure,
    "refailed_after_rollback": refailed_after_rollback,
    "two_open_failures_of_one_name": two_open_failures_of_one_name,
    "recovered_then_applied": recovered_then_applied,
}
ACTIONS = [
    ("rolled_back", BIO_INDEX),
    ("rolled_back", UNKNOWN),
    ("rolled_back", INIT),
    ("applied", BIO_INDEX),
    ("applied", UNKNOWN),
    ("applied", INIT),
]
