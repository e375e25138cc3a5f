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
from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.impact import DIALECTS, read_tokens

# The settings that bound how long a statement runs or waits, per database (lowercase).
GUARDED = {
    "postgresql": (
        "statement_timeout",
        "lock_timeout",
        "idle_in_transaction_session_timeout",
        "idle_session_timeout",
        "transaction_timeout",
    ),
    "mysql": ("max_statement_time", "max_execution_time", "lock_wait_timeout", "innodb_lock_wait_timeout"),
    # DEADLOCK_PRIORITY HIGH would make production's sessions the deadlock victims instead of the rehearsal.
    # statement_timeout: Babelfish's set_config('statement_timeout', ...).
    "sqlserver": ("lock_timeout", "query_governor_cost_limit", "deadlock_priority", "statement_timeout"),
    "sqlite": ("busy_timeout",),
}


@dataclass(frozen=True)
class Neutralised:
    index: int
    statement: str
    reason: str

    def as_dict(self) -> dict:
        return {"index": self.index, "statement": self.statement, "reason": self.reason}


def guard_settings(statements, provider: str) -> tuple[list[Neutralised], str | None]:
    """(the statements a rehearsal does not send, why a rehearsal is refused or None)."""
    guarded = GUARDED[provider]
    mention = re.compile(r"\b(" + "|".join(guarded) + r")\b", re.IGNORECASE)
    neutralised = []
    for statement in statements:
        tokens = read_tokens(statement.text, DIALECTS[provider]) or []
        if provider == "postgresql" and [token.up for token in tokens[:2]] == ["RESET", "ALL"]:
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
        if _only_setting(tokens, provider, guarded):
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


def _only_setting(tokens, provider: str, guarded) -> bool:
    """Whether the statement does nothing but change settings, one of them guarded."""
    words = [token.up for token in tokens]
    if provider == "sqlite":
        return words[:1] == ["PRAGMA"]
    if provider == "postgresql":
        if words[:1] in (["SET"], ["RESET"]):
            position = 2 if words[1:2] in (["SESSION"], ["LOCAL"]) else 1
            return position < len(tokens) and tokens[position].text.lower() in guarded
        # SELECT set_config('lock_timeout', '0', false) [, set_config(...)]: settings and nothing else.
        if words[:1] == ["SELECT"]:
            called = {token.text.lower() for token in tokens if token.kind == "word"} - {"select", "true", "false"}
            return called <= {"set_config"}
        return False
    if provider == "sqlserver":
        return words[:1] == ["SET"] and len(tokens) > 1 and tokens[1].text.lower() in guarded and "SELECT" not in words
    # MySQL: SET [SESSION|GLOBAL|LOCAL] name = value, ... (a SET of several settings goes whole)
    return words[:1] == ["SET"] and "SELECT" not in words


def without_statements(script: str, statements, indexes) -> str:
    """The script with the text of these statements replaced by a statement that does nothing, for databases that
    receive the script as one batch (SQL Server). Each statement's text is found in order, as the splitter cut it."""
    out, copied, searched = [], 0, 0
    for statement in statements:
        start = script.find(statement.text, searched)
        if start < 0:
            continue
        searched = start + len(statement.text)
        if statement.index in indexes:
            out.append(script[copied:start])
            # A declaration has no effect; the name is unique per statement, so two never clash.
            out.append(f"DECLARE @dbops_not_sent_{statement.index} INT")
            copied = searched
    out.append(script[copied:])
    return "".join(out)
