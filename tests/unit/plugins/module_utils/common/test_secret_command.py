"""run_with_secret: the secret reaches the command's environment, never its output."""

import sys
import textwrap
from urllib.parse import quote

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.common.secret_command import (
    run_with_secret,
    validate_command,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.common.validation import OptionError

PASSWORD = "p;}@:/%ü-Secret_42"
URL = f"postgresql://app:{quote(PASSWORD, safe='')}@db.internal:5432/shop"

PRINTER = textwrap.dedent(
    """
    import base64, os, sys, urllib.parse
    url = os.environ["DATABASE_URL"]
    password = urllib.parse.unquote(urllib.parse.urlsplit(url).password)
    print("url", url)
    print("password", password)
    print("b64", base64.b64encode(url.encode()).decode())
    print("applying 20201127134938_added_bio_index")
    print("to stderr", password, file=sys.stderr)
    sys.exit(3)
    """
)


def test_the_command_gets_the_secret_and_its_output_never_shows_it():
    outcome = run_with_secret(
        [sys.executable, "-c", PRINTER], variable="DATABASE_URL", value=URL, secrets=[PASSWORD], output_lines=20
    )
    assert outcome.rc == 3 and not outcome.timed_out
    assert outcome.stdout_lines == [
        "url ********",
        "password ********",
        "b64 ********",
        "applying 20201127134938_added_bio_index",
    ]
    assert outcome.stderr_lines == ["to stderr ********"]


def test_only_the_last_lines_come_back_and_a_timeout_kills_the_command():
    outcome = run_with_secret(
        [sys.executable, "-c", "import time\nfor n in range(5): print(n)\nprint(flush=True); time.sleep(30)"],
        variable="DATABASE_URL",
        value=URL,
        secrets=[],
        output_lines=2,
        timeout=1,
    )
    assert outcome.timed_out and outcome.rc < 0
    assert outcome.stdout_lines == ["4", ""]


@pytest.mark.parametrize(
    ("argv", "variable", "lines", "timeout", "said"),
    [
        ([], "DATABASE_URL", 20, None, "argv must be a non-empty list"),
        (["x"], "DATABASE URL", 20, None, "variable must be an environment variable name"),
        (["x"], "DATABASE_URL", -1, None, "output_lines must be at least 0"),
        (["x"], "DATABASE_URL", 20, 0, "timeout must be at least 1 s"),
    ],
)
def test_bad_options_are_refused(argv, variable, lines, timeout, said):
    with pytest.raises(OptionError, match=said):
        validate_command(argv, variable, lines, timeout)


def test_row_values_a_failed_deploy_prints_are_not_returned():
    # What `prisma migrate deploy` prints when the migration fails on duplicated rows (Prisma's P3018 text).
    deploy = (
        "import sys\n"
        "print('Error: P3018')\n"
        "print('Database error code: 23505')\n"
        "print('ERROR: could not create unique index \"User_bio_key\"')\n"
        'print("DETAIL: Key (bio)=(plant-key) is dup\'s) is duplicated.")\n'
        "sys.exit(1)\n"
    )
    outcome = run_with_secret([sys.executable, "-c", deploy], variable="DATABASE_URL", value=URL, secrets=[PASSWORD])
    assert outcome.stdout_lines[-1] == "DETAIL: Key (bio)=([redacted]) is duplicated."
    assert outcome.stdout_lines[:3] == [
        "Error: P3018",
        "Database error code: 23505",
        'ERROR: could not create unique index "User_bio_key"',
    ]
