# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prisma's own migrate errors: the same codes and the same words as its schema engine."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError

# Each code's message in Prisma's words (its schema engine's user-facing errors), then what to do about it here.
_MESSAGES = {
    "P3008": (
        "The migration `{name}` is already recorded as applied in the database.",
        "Nothing to mark: the history already holds it as applied.",
    ),
    "P3011": (
        "Migration `{name}` cannot be rolled back because it was never applied to the database. "
        'Hint: did you pass in the whole migration name? (example: "20201207184859_initial_migration")',
        "Migrations failed right now: {failed}.",
    ),
    "P3012": (
        "Migration `{name}` cannot be rolled back because it is not in a failed state.",
        "Only a failed migration can be marked rolled back; run prisma_migration_info to see its state.",
    ),
    "P3017": (
        "The migration {name} could not be found. Please make sure that the migration exists, and that "
        'you included the whole name of the directory. (example: "20201207184859_initial_migration")',
        "Pass the name of a folder in migrations_dir.",
    ),
    "P3019": (
        "The datasource provider `{provider}` specified in your schema does not match the one specified "
        "in the migration_lock.toml, `{expected}`. Please remove your current migration directory and "
        "start a new migration history with prisma migrate dev. Read more: https://pris.ly/d/migrate-provider-switch",
        "Check that database_url points at the database this migrations folder belongs to.",
    ),
}


class PrismaError(DbopsError):
    """An error Prisma's schema engine raises for the same input, with the same code."""

    @classmethod
    def coded(cls, code: str, **values: str) -> PrismaError:
        message, hint = _MESSAGES[code]
        return cls(message.format(**values), code=code, hint=hint.format(**values))


def no_migrations_table() -> DbopsError:
    # Prisma raises this without a code; so do we, with the reason in plain words.
    return DbopsError(
        "Invariant violation: called markMigrationRolledBack on a database without migrations table.",
        hint="This database has no _prisma_migrations table: Prisma never migrated it. Check database_url "
        "(and its schema parameter).",
    )
