# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database error texts without the data values they quote (pure).

Prisma copies the database's error into `_prisma_migrations.logs` (`Key (bio)=(same) is duplicated.`), and a failed
statement's message can quote a row. Records kept beyond the run (the audit) keep the error's code and wording,
with every value that came from a row replaced. Each flavour lists its own value-quoting texts.
"""

from __future__ import annotations

import re

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connector import FLAVOURS

REDACTED = "[redacted]"
_PATTERNS = tuple(re.compile(pattern) for flavour in FLAVOURS for pattern in flavour.data_value_patterns)


def _without_value(match: re.Match) -> str:
    start, end = match.start("value") - match.start(), match.end("value") - match.start()
    return match.group(0)[:start] + REDACTED + match.group(0)[end:]


def redact_database_error(text: str | None) -> str | None:
    """`text` with every data value a known database error quotes replaced by `[redacted]`; None stays None."""
    if text is None:
        return None
    text = str(text)
    for pattern in _PATTERNS:
        text = pattern.sub(_without_value, text)
    return text


def redact_migration_logs(rows) -> list[dict]:
    """Rows of `_prisma_migrations` (as the modules return them) with their `logs` redacted."""
    return [{**row, "logs": redact_database_error(row.get("logs"))} if "logs" in row else dict(row) for row in rows]
