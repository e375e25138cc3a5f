# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turning driver and SDK exceptions into one safe line of text."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

MASK = "********"


def one_line(error) -> str:
    """An exception (or text) as one line; an exception without text is named by its class."""
    text = str(error).strip() or (type(error).__name__ if isinstance(error, BaseException) else "")
    return " ".join(text.split())


def secret_forms(secret: str) -> list[str]:
    """The ways a secret can appear in a message: as is, and percent-encoded as URLs and form bodies carry it."""
    forms = dict.fromkeys((secret, quote(secret, safe=""), quote(secret), quote_plus(secret)))
    # Longest first, so a form that contains another is masked whole.
    return sorted((form for form in forms if form), key=len, reverse=True)


def redact(text: str, secrets) -> str:
    """`text` with every form of every secret replaced by asterisks."""
    for secret in secrets:
        if secret:
            for form in secret_forms(secret):
                text = text.replace(form, MASK)
    return text
