# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names as migration.sql writes them (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableName:
    """A table as a statement names it; `schema` is None when the statement does not qualify it."""

    name: str
    schema: str | None = None

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


# A foreign key with no ON DELETE / ON UPDATE: NO ACTION on all four databases.
NO_ACTION = "no action"


def referential_action(text: str | None) -> str:
    """ON DELETE / ON UPDATE as one word set for the four databases: "cascade", "set null", "set default" or "no
    action". RESTRICT counts as NO ACTION: InnoDB treats them alike, and PostgreSQL differs only in when it checks, so
    the catalog never tells two foreign keys apart by it."""
    words = " ".join((text or "").replace("_", " ").lower().split())
    return NO_ACTION if words in ("", "restrict", "no action") else words


def referential_actions(on_delete: str | None, on_update: str | None) -> tuple[str, str]:
    """A foreign key's (ON DELETE, ON UPDATE), each as referential_action reads it."""
    return referential_action(on_delete), referential_action(on_update)
