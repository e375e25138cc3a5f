"""Bad input refused cleanly by every module that takes it, before anything changes."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.scenarios import BIO_INDEX, INIT


@pytest.mark.parametrize(
    ("module", "extra", "said"),
    [
        ("prisma_migration_resolve", {"migration": BIO_INDEX, "lock_timeout": 0}, "lock_timeout must be at least 1"),
        ("prisma_migration_resolve", {"migration": BIO_INDEX, "lock_timeout": -1}, "lock_timeout must be at least 1"),
        ("prisma_migration_resolve", {"migration": BIO_INDEX, "history_limit": -1}, "history_limit must be at least"),
        ("prisma_migration_info", {"history_limit": -5}, "history_limit must be at least 0"),
        ("prisma_migration_resolve", {"migration": [BIO_INDEX, INIT]}, "got a list"),
        ("prisma_migration_info", {"migration": {"name": BIO_INDEX}}, "got a dict"),
        ("prisma_migration_resolve", {"migration": "x" * 4000}, "4000 characters long"),
        ("prisma_migration_preflight", {"migration": [BIO_INDEX, INIT]}, "got a list"),
    ],
)
def test_bad_options_are_refused_and_nothing_changes(make_backend, tmp_path, module, extra, said):
    backend = make_backend("sqlite")
    migrations = backend.p3009(tmp_path)
    before = backend.digest()
    if module == "prisma_migration_preflight":
        extra = {**extra, "migrations_dir": str(migrations)}
    run = run_module(module, backend.module_args(**extra))
    assert run.rc != 0
    assert said in run.result["msg"], run.result
    assert run.result.get("hint") and run.result.get("error_kind") == "invalid_option"
    assert backend.digest() == before
