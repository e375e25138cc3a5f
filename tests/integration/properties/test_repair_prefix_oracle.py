"""The repair's oracle (tests/support/repair_oracle.py): every partial state of the preflight's corpus that Prisma's
engines make on PostgreSQL, MariaDB and SQLite, reverted (where the revert is lossless) or completed for real, then
deployed by Prisma's engine; the schema must equal a clean deploy's. Each group prints its tally (to stderr, so `-s`
shows it under xdist too) and fails listing every wrong repair:

    .venv/bin/python -m pytest tests/integration/properties/test_repair_prefix_oracle.py -s -n 2
"""

from __future__ import annotations

import sys
import time

import pytest

from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.oracle import LABS, load_corpus
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.repair_oracle import (
    PARTIAL_WORLDS,
    REPAIRS,
    RepairRun,
    repair_report,
)


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


@pytest.mark.parametrize("repair", REPAIRS)
@pytest.mark.parametrize("engine", list(PARTIAL_WORLDS))
def test_repairs_of_every_partial_state(engine, repair, request, tmp_path):
    cases = load_corpus(engine)
    lab = LABS[engine](tmp_path, request)
    started = time.monotonic()
    outcomes, clean = [], {}
    try:
        for case in cases:
            run = RepairRun(case, lab, tmp_path / case.name, None, PARTIAL_WORLDS[engine], repair=repair, clean=clean)
            run.run()
            outcomes += run.repaired
    finally:
        lab.close()
    text = repair_report(outcomes, f"repair oracle, {engine} {repair}: {len(cases)} migrations in "
                                   f"{time.monotonic() - started:.1f} s")  # fmt: skip
    sys.stderr.write(f"\n{text}\n")
    assert outcomes, text
    assert not [outcome for outcome in outcomes if outcome.status == "wrong"], text
