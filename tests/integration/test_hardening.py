"""Regression tests of the hardening issue, through the real `ansible` command against real databases: bad input
refused cleanly, faults reported as they happened, and secrets kept out of every output."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module


@pytest.mark.parametrize(
    ("module", "url", "pieces"),
    [
        ("wait_for_database", "postgresql://u:4711/secretword@127.0.0.1/db", ("secretword",)),
        ("prisma_migration_info", "postgresql://u:p@ss/word@127.0.0.1/db", ("ss/word", "word@")),
        ("prisma_migration_info", "sqlserver://127.0.0.1:9;database=d;user=u;password=Sup3r;Secr3tTail", ("Secr3t",)),
    ],
)
def test_a_url_that_cannot_be_parsed_is_never_quoted(module, url, pieces):
    extra = {"timeout": 1} if module == "wait_for_database" else {}
    run = run_module(module, {"database_url": url, **extra}, verbosity=3)
    assert run.rc != 0
    assert run.result["msg"].startswith("Invalid database_url"), run.result["msg"]
    for piece in pieces:
        assert piece not in run.output
