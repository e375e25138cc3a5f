# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Ansible masks in a module's result, and what it must never mask.

Ansible replaces every substring equal to a registered `no_log` value with asterisks, anywhere in the result. That
is a safety net, not our protection: the collection never puts a secret into a result (driver messages go through
text.redact). The net has a cost: a short password such as `added` would turn `20201127134938_added_bio_index`
into `20201127134938_********_bio_index`, which breaks every comparison by name and shows where the password sits
in a name anyone can read. So short secrets are not registered, and identifiers are kept out of the net.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import MIN_MASKED_LENGTH, secret_forms


def mask_secret(module, secret: str | None, what: str) -> None:
    """Register `secret` and its encoded forms for Ansible's masking, unless it is too short to mask safely."""
    if not secret:
        return
    if len(secret) < MIN_MASKED_LENGTH:
        module.warn(
            f"{what} is shorter than {MIN_MASKED_LENGTH} characters: Ansible would mask it inside every name that "
            "contains it, so it is not registered for masking (the collection never returns it). Use a longer one."
        )
        return
    module.no_log_values.update(form for form in secret_forms(secret) if len(form) >= MIN_MASKED_LENGTH)


def keep_identifiers(module, identifiers) -> None:
    """Identifiers the result carries (migration names) come back as they are: a registered value that occurs in one
    is dropped from the masking, which would otherwise mangle the name and mark the secret's place in it."""
    names = [name for name in identifiers if isinstance(name, str) and name]
    if not names:
        return
    # One search in all names at once keeps this linear in a 100,000-row history.
    joined = "\n".join(names)
    colliding = {value for value in module.no_log_values if _occurs(str(value), joined, names)}
    module.no_log_values.difference_update(colliding)


def _occurs(value: str, joined: str, names: list[str]) -> bool:
    if "\n" in value:
        return any(value in name for name in names)
    return value in joined
