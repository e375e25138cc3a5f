# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Ansible's argument spec cannot say: ranges, and values that must not be converted to text.

Pure; every failure is an OptionError naming the option, what it got and what to pass instead.
"""

from __future__ import annotations

import math

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError

# Longer than any folder name a file system keeps, and than Prisma's migration_name column (VARCHAR(255)).
MAX_MIGRATION_NAME = 255


class OptionError(DbopsError):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message, hint=hint, error_kind="invalid_option")


def require_range(option: str, value, *, minimum=None, maximum=None, unit: str = "", hint: str | None = None):
    """`value` itself when it is a finite number within [minimum, maximum]."""
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise OptionError(f"{option} must be a finite number, got {shown}.", hint=hint)
    if minimum is not None and value < minimum:
        raise OptionError(f"{option} must be at least {minimum:g}{unit}, got {shown}{unit}.", hint=hint)
    if maximum is not None and value > maximum:
        raise OptionError(f"{option} must be at most {maximum:g}{unit}, got {shown}{unit}.", hint=hint)
    return value


def migration_name(value) -> str:
    """One migration folder name, as given: never a list turned into the text "['a', 'b']"."""
    if not isinstance(value, str):
        raise OptionError(
            f"migration must be one migration name (a string), got a {type(value).__name__}.",
            hint="Pass the folder name of one failed migration, e.g. 20201127134938_added_bio_index; "
            "to resolve several, run once per migration (loop over them).",
        )
    if not value.strip():
        raise OptionError("migration is empty.", hint="Pass the folder name of the failed migration.")
    if len(value) > MAX_MIGRATION_NAME:
        raise OptionError(
            f"migration is {len(value)} characters long; a migration folder name has at most {MAX_MIGRATION_NAME}.",
            hint="Pass the folder name of the failed migration, e.g. 20201127134938_added_bio_index.",
        )
    if any(character in value for character in "/\\") or any(ord(character) < 32 for character in value):
        raise OptionError(
            "migration must be a folder name: no '/', '\\' or control characters.",
            hint="Pass the folder name of the failed migration, e.g. 20201127134938_added_bio_index.",
        )
    return value
