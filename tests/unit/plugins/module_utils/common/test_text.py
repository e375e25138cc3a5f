"""Secrets kept out of text: every encoded form is redacted, short secrets only where they stand alone."""

import base64
import json
import re
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import MASK, redact, secret_forms

PASSWORD = "p;}@:/%ü-Secret_42"


AZURE = "Az~+/=;%-client.secret_77"


URL = f"postgresql://app:{quote(PASSWORD, safe='')}@db.internal:5432/shop"


def encodings(secret: str) -> list[str]:
    """How a careless program could print a secret."""
    lower = re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group(0).lower(), quote(secret, safe=""))
    return [
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        lower,
        json.dumps(secret)[1:-1],
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(b"x" + secret.encode()).decode(),
        base64.b64encode(b"xy" + secret.encode()).decode(),
        base64.urlsafe_b64encode(b"DATABASE_URL=" + secret.encode()).decode(),
    ]


@pytest.mark.parametrize("secret", [PASSWORD, AZURE, URL])
def test_every_encoding_of_a_secret_is_redacted(secret):
    for printed in encodings(secret):
        text = f"deploying with <{printed}> now"
        redacted = redact(text, [secret])
        assert MASK in redacted
        # What is left of a base64 form is at most the two edge characters of the encoded groups.
        assert printed not in redacted
        for form in secret_forms(secret):
            assert form not in redacted


def test_a_short_secret_is_redacted_where_it_stands_alone_and_never_inside_a_name():
    text = "password=added; applying 20201127134938_added_bio_index (added)"
    assert redact(text, ["added"]) == f"password={MASK}; applying 20201127134938_added_bio_index ({MASK})"


def test_redact_ignores_missing_secrets():
    assert redact("nothing to hide", [None, ""]) == "nothing to hide"


@given(st.text(min_size=8, max_size=24))
def test_any_long_secret_is_redacted_in_any_surrounding(secret):
    for printed in (secret, quote(secret, safe=""), quote_plus(secret)):
        assert secret not in redact(f"a{printed}b", [secret]) or secret in "a" + MASK + "b"


def test_redact_hides_plain_and_url_encoded_secrets():
    assert redact("auth failed for p@ss/word and p%40ss%2Fword", ["p@ss/word"]) == (
        "auth failed for ******** and ********"
    )
    assert redact("nothing", [None, ""]) == "nothing"
