# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a database's SQL text is read: what sqlglot is told, and the few rules its parser leaves to us (pure).

Each database's Dialect (databases/<name>/dialect.py) carries one; the readers in this package never ask which
database they read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Syntax:
    # sqlglot's name for the dialect migration.sql is written in.
    sqlglot: str
    # Unquoted names are stored in lower case (PostgreSQL); elsewhere as written.
    folds_unquoted_names: bool = False
    # The pieces of a wrapper Prisma writes around every migration, matched against one `;`-separated piece with its
    # white space collapsed; they are not counted as statements.
    wrapper: re.Pattern | None = None
    # ALTER COLUMN states the type and the nullability together (NULL when not said).
    alter_column_restates: bool = False
    # Defaults are constraints with a name: ADD CONSTRAINT [name] DEFAULT <expr> FOR [column].
    named_default_constraints: bool = False

    def folded(self, name: str, quoted: bool) -> str:
        """A name as the database stores it."""
        return name if quoted or not self.folds_unquoted_names else name.lower()
