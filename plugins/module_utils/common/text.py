# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turning driver and SDK exceptions into one safe line of text, and keeping secrets out of any text."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

MASK = "********"
# Below this length a secret is too likely to occur inside ordinary words and names (a password `added` inside the
# migration `20201127134938_added_bio_index`): masking every occurrence would break those names and betray the secret
# by where the asterisks fall. Such forms are masked only where they stand alone (see redact).
MIN_MASKED_LENGTH = 8


def one_line(error) -> str:
    """An exception (or text) as one line; an exception without text is named by its class."""
    text = str(error).strip() or (type(error).__name__ if isinstance(error, BaseException) else "")
    return " ".join(text.split())


def _percent_forms(secret: str) -> set[str]:
    encoded = {quote(secret, safe=""), quote(secret), quote_plus(secret), quote_plus(secret, safe="")}
    # Percent escapes are case-insensitive: some encoders write %2f, most %2F.
    return encoded | {re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), form) for form in encoded}


def _base64_forms(secret: str) -> set[str]:
    """The parts of any base64 text that encode `secret` whatever its offset in the encoded data.

    Base64 encodes 3 bytes as 4 characters, so the secret inside a longer text encodes differently at each of the 3
    offsets; the complete groups inside the secret are the same wherever it sits.
    """
    data = secret.encode("utf-8")
    forms = set()
    for skip in range(3):
        # Fewer than two groups could stand for anything: four characters are not worth masking.
        if len(data) - skip < 6:
            continue
        core = data[skip:]
        # The secret at the end of the data: its last bytes are encoded with padding too.
        for part in (core, core[: len(core) - len(core) % 3]):
            forms |= {base64.b64encode(part).decode(), base64.urlsafe_b64encode(part).decode()}
    return forms


def secret_forms(secret: str) -> list[str]:
    """The ways a secret can appear in a message: as is, percent-encoded (as URLs and form bodies carry it, either
    case of hex), JSON-escaped, and base64-encoded (a Basic header, a token); longest first."""
    if not secret:
        return []
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms |= _percent_forms(secret) | _base64_forms(secret)
    # Longest first, so a form that contains another is masked whole.
    return sorted((form for form in forms if form), key=len, reverse=True)


def _pattern(form: str) -> re.Pattern:
    """A short form matches only where it stands alone, not inside a longer word or name."""
    return re.compile(r"(?<![\w%])" + re.escape(form) + r"(?!\w)")


def redact(text: str, secrets) -> str:
    """`text` with every form of every secret replaced by asterisks.

    A form shorter than MIN_MASKED_LENGTH is replaced only where it is not part of a longer word: masking it inside
    an identifier would both break the identifier and show where the secret sits in it.
    """
    forms = sorted({form for secret in secrets if secret for form in secret_forms(secret)}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, MASK) if len(form) >= MIN_MASKED_LENGTH else _pattern(form).sub(MASK, text)
    return text
