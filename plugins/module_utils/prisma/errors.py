# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prisma's own migrate errors: the same codes and the same words as its schema engine."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError


class PrismaError(DbopsError):
    """An error Prisma's schema engine raises for the same input, with the same code."""

    @classmethod
    def cannot_roll_back_unapplied(cls, name: str, failed_now: list[str]) -> PrismaError:
        failed = ", ".join(f"`{candidate}`" for candidate in failed_now) or "none"
        return cls(
            f"Migration `{name}` cannot be rolled back because it was never applied to the database. "
            'Hint: did you pass in the whole migration name? (example: "20201207184859_initial_migration")',
            code="P3011",
            hint=f"Migrations failed right now: {failed}.",
        )

    @classmethod
    def cannot_roll_back_succeeded(cls, name: str) -> PrismaError:
        return cls(
            f"Migration `{name}` cannot be rolled back because it is not in a failed state.",
            code="P3012",
            hint="Only a failed migration can be marked rolled back; run prisma_migration_info to see its state.",
        )

    @classmethod
    def migration_already_applied(cls, name: str) -> PrismaError:
        return cls(
            f"The migration `{name}` is already recorded as applied in the database.",
            code="P3008",
            hint="Nothing to mark: the history already holds it as applied.",
        )

    @classmethod
    def migration_to_mark_applied_not_found(cls, name: str) -> PrismaError:
        return cls(
            f"The migration {name} could not be found. Please make sure that the migration exists, and that "
            'you included the whole name of the directory. (example: "20201207184859_initial_migration")',
            code="P3017",
            hint="Pass the name of a folder in migrations_dir.",
        )

    @classmethod
    def no_migrations_table(cls) -> DbopsError:
        # Prisma raises this without a code; so do we, with the reason in plain words.
        return DbopsError(
            "Invariant violation: called markMigrationRolledBack on a database without migrations table.",
            hint="This database has no _prisma_migrations table: Prisma never migrated it. Check database_url "
            "(and its schema parameter).",
        )

    @classmethod
    def provider_switched(cls, provider: str, expected: str) -> PrismaError:
        return cls(
            f"The datasource provider `{provider}` specified in your schema does not match the one specified "
            f"in the migration_lock.toml, `{expected}`. Please remove your current migration directory and "
            "start a new migration history with prisma migrate dev. Read more: https://pris.ly/d/migrate-provider-switch",
            code="P3019",
            hint="Check that database_url points at the database this migrations folder belongs to.",
        )
