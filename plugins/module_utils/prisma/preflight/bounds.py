# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a migration may not change about the rehearsal's own bounds (pure).

The rehearsal bounds every statement (statement and lock timeouts) and the whole run (rehearsal_timeout). A migration
that sets its own timeouts (`SET lock_timeout = 0`, `SET LOCK_TIMEOUT -1`, `PRAGMA busy_timeout = 0`,
`SET SESSION innodb_lock_wait_timeout = ...`) would loosen them. Such a statement, when it is nothing but that setting,
is not sent to the rehearsal (neutralised, and the result says so; the real deploy still runs it). A statement that
changes one of them from inside something else (a DO block, a function's SET clause, ALTER ROLE ... SET) cannot be
taken apart: the rehearsal is refused, naming it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.sql.tokens import read_tokens


@dataclass(frozen=True)
class Neutralised:
    index: int
    statement: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


def guard_settings(statements, rehearsal) -> tuple[list[Neutralised], str | None]:
    """(the statements a rehearsal does not send, why a rehearsal is refused or None), by the database's Rehearsal
    part: the settings it guards and which statements set nothing else."""
    guarded = rehearsal.guarded_settings
    mention = re.compile(r"\b(" + "|".join(guarded) + r")\b", re.IGNORECASE)
    neutralised = []
    for statement in statements:
        tokens = read_tokens(statement.text, rehearsal.dialect.syntax) or []
        if rehearsal.resets_every_setting(tokens):
            neutralised.append(
                Neutralised(
                    statement.index,
                    statement.short_text,
                    "RESET ALL would reset the rehearsal's own bounds: not sent to the rehearsal (the real deploy "
                    "still runs it)",
                )
            )
            continue
        # Words and strings (set_config('lock_timeout', ...), a DO block's body); quoted names are columns.
        named = sorted(
            {match.lower() for token in tokens if token.kind != "ident" for match in mention.findall(token.text)}
        )
        if not named:
            continue
        if rehearsal.sets_only_settings(tokens):
            neutralised.append(
                Neutralised(
                    statement.index,
                    statement.short_text,
                    f"sets {', '.join(named)}, which would loosen the rehearsal's own bounds: not sent to the "
                    "rehearsal (the real deploy still runs it)",
                )
            )
            continue
        return neutralised, (
            f"statement {statement.index} changes {', '.join(named)} from inside another statement, which the "
            "rehearsal cannot keep from loosening its bounds; check it by hand"
        )
    return neutralised, None
