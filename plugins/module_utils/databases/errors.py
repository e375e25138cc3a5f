# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors of a database: an unusable DATABASE_URL, a connection that failed, a lock that stayed taken, a
statement the database refused. Messages never quote the URL or a credential."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError


class DatabaseUrlError(DbopsError):
    """The DATABASE_URL cannot be used; the message says which part, never quoting the URL or its password."""

    def __init__(self, reason: str):
        super().__init__(f"Invalid database_url: {reason}")
        self.reason = reason


class ConnectionFailed(DbopsError):
    """No connection could be opened; the message names the target, never a credential.

    `error_kind` says why in the vocabulary of connection_problems (None when it is none of the known kinds), `facts`
    holds what the refusal told us (such as the client IP Azure SQL saw), and `transient` whether waiting may help
    (an unclassified failure may)."""

    def __init__(
        self, message: str, hint: str | None = None, error_kind: str | None = None, facts=None, transient=None
    ):
        super().__init__(message, hint=hint, error_kind=error_kind)
        self.facts = dict(facts or {})
        self.transient = error_kind is None if transient is None else transient

    def as_result(self) -> dict:
        return {**self.facts, **super().as_result()}


class LockTimeout(DbopsError):
    """Prisma's migrate lock stayed taken for the whole lock_timeout; nothing was written."""


class DatabaseError(DbopsError):
    """The database refused a statement once connected."""
