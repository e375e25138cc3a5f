# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one error contract, and the one place that turns an error into `fail_json`.

Every failure we report is a DbopsError: a message that is safe to show (never a secret), and optionally Prisma's
`code` (or Azure's), what kind of failure it is (`error_kind`, for machines) and a `hint` (what to do, for people).
"""

from __future__ import annotations

from contextlib import contextmanager

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import without_values
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import redact


class DbopsError(Exception):
    """A failure to report as is; `code` is Prisma's (or Azure's) where one applies."""

    def __init__(self, message: str, code: str | None = None, hint: str | None = None, error_kind: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint
        self.error_kind = error_kind

    def __str__(self) -> str:
        return self.message

    def as_result(self) -> dict:
        """The keys `fail_json` gets: the message once, the rest beside it."""
        result = {"msg": self.message, "code": self.code}
        if self.hint:
            result["hint"] = self.hint
        if self.error_kind:
            result["error_kind"] = self.error_kind
        return result


class MissingLibrary(DbopsError):
    """A Python library the task needs is not installed where the module runs."""

    def __init__(self, library: str, purpose: str, error: Exception):
        super().__init__(f"The {library} library is needed {purpose}: {error}")
        self.library = library


@contextmanager
def report_failures(module, secrets=()):
    """Our errors as `fail_json`; a missing library as Ansible's `missing_required_lib` message.

    The last line of defence for every message a module fails with: no credential of `secrets` (the module's
    Secrets) in any encoding, and no row value a database message quotes."""
    from ansible.module_utils.basic import missing_required_lib

    def safe(text):
        return without_values(redact(text, secrets))

    try:
        yield
    except MissingLibrary as error:
        module.fail_json(msg=missing_required_lib(error.library), error=safe(error.message))
    except DbopsError as error:
        result = error.as_result()
        result.update({key: safe(result[key]) for key in ("msg", "hint") if result.get(key)})
        module.fail_json(**result)
