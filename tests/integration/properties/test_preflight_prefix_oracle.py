"""The prefix oracle of issue 15: the preflight's verdict against ground truth built without the collection's
parser or catalog model (tests/support/oracle.py, corpus and rules in tests/support/corpus/README.md).

For every migration of the corpus, on its engine, and for every point k it can have stopped at (statements 1..k
really run, by Prisma's engine where it can make that state, else by the test as Prisma's engines run them, with
the failed row and its logs in each format Prisma writes), plus hand-made variants: the verdict must be the truth
or `unknown`, each statement's effect_present the truth or null, and the advice never `retry` once a statement
took effect nor `mark_applied` while one did not. Each group prints its tally (to stderr, so `-s` shows it under
xdist too) and fails listing every wrong answer:

    .venv/bin/python -m pytest tests/integration/test_preflight_oracle.py -s -n 2
"""

from __future__ import annotations

import sys
import time

import pytest

from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.oracle import (
    LABS,
    CaseRun,
    load_corpus,
    report,
    split,
)
from ansible_collections.backoffice.dbops.tests.support.preflight import preflight
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import (
    PrismaReferee,
    RefereeError,
    referee_available,
)
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    playbook_env,
    run_recovery,
    write_inventory,
)

# PostgreSQL has the most cases: Prisma's and hand-written ones run as two groups, so xdist spreads them. On SQL
# Server (Babelfish) one preflight takes 3-12 s: a representative subset of worlds runs there, the partial states
# made by hand, the complete one and Prisma's own failure (its wrapper rolls back: k = 0 with its real logs).
GROUPS = {
    "postgresql-prisma": ("postgresql", lambda case: case.origin == "prisma", None),
    "postgresql-hand": ("postgresql", lambda case: case.origin != "prisma", None),
    "mysql": ("mysql", None, None),
    "sqlite": ("sqlite", None, None),
    "sqlserver": ("sqlserver", None, frozenset({"by-hand", "complete", "prisma"})),
}


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def make_lab(engine: str, request, folder):
    return LABS[engine](folder, request)


def in_process(backend, migrations, name) -> dict:
    return preflight(backend, migrations, name).result


def through_ansible(backend, migrations, name) -> dict:
    run = preflight(backend, migrations, name, via_ansible=True)
    if run.rc != 0:
        raise RuntimeError(run.output)
    return run.result


def run_oracle(cases, lab, folder, answer=in_process, kinds=None):
    outcomes = []
    try:
        for case in cases:
            outcomes += CaseRun(case, lab, folder / case.name, answer, kinds).run()
    finally:
        lab.close()
    return outcomes


@pytest.mark.parametrize("group", list(GROUPS))
def test_prefix_oracle(group, request, tmp_path):
    engine, keep, kinds = GROUPS[group]
    cases = [case for case in load_corpus(engine) if keep is None or keep(case)]
    lab = make_lab(engine, request, tmp_path)
    started = time.monotonic()
    outcomes = run_oracle(cases, lab, tmp_path, kinds=kinds)
    text = report(outcomes, f"prefix oracle, {group}: {len(cases)} migrations in {time.monotonic() - started:.1f} s")
    sys.stderr.write(f"\n{text}\n")
    assert not [outcome for outcome in outcomes if outcome.status == "wrong"], text


def test_prefix_oracle_through_ansible(request, tmp_path):
    """The same judgement through the real `ansible` command, on the states Prisma's engine made (one migration
    per engine the referee or its native-like run drives)."""
    names = {"h01_data_update_then_unique", "m04_modify_type_already_not_null", "s02_redefine_not_null"}
    outcomes = []
    for engine in ("postgresql", "mysql", "sqlite"):
        cases = [case for case in load_corpus(engine) if case.name in names]
        lab = make_lab(engine, request, tmp_path / engine)
        outcomes += run_oracle(cases, lab, tmp_path / engine, through_ansible, kinds=frozenset({"prisma"}))
    text = report(outcomes, "prefix oracle through `ansible`")
    sys.stderr.write(f"\n{text}\n")
    assert len(outcomes) == 3, text
    assert not [outcome for outcome in outcomes if outcome.status == "wrong"], text


@pytest.mark.postgresql
def test_double_apply_is_refused_by_the_playbook(make_backend, tmp_path):
    """Issue 15's double apply, through recover_p3009.yml: Prisma's engine (adapter-pg, each statement committed)
    ran `UPDATE "User" SET "balance" = "balance" * 100`, then the unique index failed on duplicate emails. The
    operator fixes the duplicates as the runbook says and runs the recovery, whose redeploy is Prisma's deploy: the
    playbook must refuse to resolve, naming the UPDATE, so the balances are multiplied once, not twice."""
    (case,) = [case for case in load_corpus("postgresql") if case.name == "h01_data_update_then_unique"]
    backend = make_backend("postgresql")
    for statement in split(case.setup, "postgresql"):
        backend.execute(statement.text)
    migrations = backend.write_migrations(tmp_path / "migrations", {case.migration_name: case.migration})
    backend.execute(backend.database.history.create_table)
    engine = PrismaReferee("postgresql", backend.url)
    with pytest.raises(RefereeError, match="User_email_key"):
        engine.apply_migrations(migrations)
    balances = backend.execute('SELECT "balance" FROM "User" ORDER BY "id"')
    assert balances == [(1000,), (2000,)]  # the UPDATE committed before the index failed
    backend.execute('UPDATE "User" SET "email" = \'other@example.com\' WHERE "id" = 2')

    deploy = tmp_path / "deploy.py"
    deploy.write_text(
        "import os, sys\n"
        "from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee\n"
        f"PrismaReferee('postgresql', os.environ['DATABASE_URL']).apply_migrations({str(migrations)!r})\n"
    )
    inventory = write_inventory(
        tmp_path,
        "test",
        {
            "p3009_recovery_database_url": backend.url,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(tmp_path / "audit"),
            "p3009_recovery_redeploy": {"kind": "command", "argv": [str(BIN / "python"), str(deploy)]},
        },
    )
    result = run_recovery(inventory, "test", case.migration_name, environment=playbook_env(), verbose=False)

    after = backend.execute('SELECT "balance" FROM "User" ORDER BY "id"')
    diagnosis = engine.diagnose(migrations)
    assert (result.returncode != 0, after, diagnosis["failedMigrationNames"]) == (
        True,
        [(1000,), (2000,)],
        [case.migration_name],
    ), result.output
    assert 'UPDATE "User" SET "balance"' in result.output, result.output
