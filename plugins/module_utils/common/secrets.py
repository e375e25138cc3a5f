# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one owner of a module's credentials: what Ansible masks, and what is removed from any text we report.

Each module builds one Secrets value at its boundary from what it was given (database passwords, an Azure client
secret, a token it obtains) and hands it to everything that may see a credential. Nothing else registers secrets.

Ansible replaces every substring equal to a registered `no_log` value with asterisks, anywhere in the result. That
is a safety net, not our protection: the collection never puts a secret into a result (driver messages go through
redact()). The net has a cost: a short password such as `pw` would turn a database named `badpw` into
`bad********`, which breaks every comparison by name and shows where the password sits in a name anyone can read.
So the collection's rule: a credential shorter than MIN_MASKED_LENGTH is never registered, and identifiers (database
and migration names) are kept out of the net.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import (
    MIN_MASKED_LENGTH,
    redact,
    secret_forms,
)


class Secrets:
    """The credentials of one module run; iterating gives them as they are (for redact())."""

    def __init__(self, module=None, values=()):
        """`module` (an AnsibleModule) gets each credential for its masking; without one, only redaction."""
        self._module = module
        self._values: list[str] = []
        self._identifiers: list[str] = []
        self._joined = ""
        for value in values:
            self.add(value)

    def add(self, value, what: str = "A secret") -> None:
        """Own `value` (None or empty: nothing); `what` names it in the warning a short one gets."""
        if not value or not isinstance(value, str) or value in self._values:
            return
        self._values.append(value)
        if self._module is None:
            return
        if len(value) < MIN_MASKED_LENGTH:
            self._module.warn(
                f"{what} is shorter than {MIN_MASKED_LENGTH} characters: Ansible would mask it inside every name "
                "that contains it, so it is not registered for masking (the collection never returns it). Use a "
                "longer one."
            )
            return
        forms = [form for form in secret_forms(value) if len(form) >= MIN_MASKED_LENGTH]
        self._module.no_log_values.update(form for form in forms if not _occurs(form, self._identifiers, self._joined))

    def keep(self, identifiers) -> None:
        """Identifiers the result carries (database and migration names) come back as they are: a registered value
        that occurs in one is dropped from the masking, now and for credentials added later."""
        names = [name for name in identifiers if isinstance(name, str) and name]
        if not names:
            return
        self._identifiers.extend(names)
        # One search in all names at once keeps this linear in a 100,000-row history.
        self._joined = "\n".join(self._identifiers)
        if self._module is None:
            return
        # Ansible's own no_log values (a whole URL) are dropped too when a name holds one.
        colliding = {
            value for value in self._module.no_log_values if _occurs(str(value), self._identifiers, self._joined)
        }
        self._module.no_log_values.difference_update(colliding)

    def redact(self, text: str) -> str:
        """`text` without any of these credentials, in any encoding (see text.redact)."""
        return redact(text, self._values)

    def __iter__(self):
        return iter(self._values)


def _occurs(value: str, names: list[str], joined: str) -> bool:
    if "\n" in value:
        return any(value in name for name in names)
    return value in joined
