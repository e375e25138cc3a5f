"""Regenerate the Prisma-generated cases of the preflight oracle's corpus (tests/support/corpus/README.md).

For every case folder with a `to.prisma` (PostgreSQL and SQLite: the providers Prisma's WebAssembly schema engine
can diff), Prisma's own engine writes:
- migration.sql: `prisma migrate diff` from `from.prisma` to `to.prisma` (the SQL `prisma migrate dev` would write);
- setup.sql: `prisma migrate diff` from the empty schema to `from.prisma`, then the case's `data.sql`.

Not run by the tests (the generated files are committed); run it after editing a case's datamodels or data:
    .venv/bin/python scripts/oracle_corpus.py
Deterministic: the same datamodels give the same files. PostgreSQL diffs need a reachable server: a throwaway one
is started (tests/support/backends/postgres.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.backends import postgres
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee

ROOT = Path(__file__).resolve().parent.parent

CORPUS = ROOT / "tests" / "support" / "corpus"
SETUP_HEAD = "-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.\n"


def datasource(provider: str, body: str | None) -> str | None:
    if body is None:
        return None
    return f'datasource db {{\n  provider = "{provider}"\n}}\n\n{body}'


def generate(provider: str, url: str) -> int:
    count = 0
    for case in sorted((CORPUS / provider).iterdir()):
        if not (case / "to.prisma").is_file():
            continue
        before = (case / "from.prisma").read_text() if (case / "from.prisma").is_file() else None
        after = (case / "to.prisma").read_text()
        engine = PrismaReferee(provider, url)
        (case / "migration.sql").write_text(engine.diff(datasource(provider, before), datasource(provider, after)))
        schema = engine.diff(None, datasource(provider, before)) if before else ""
        data = (case / "data.sql").read_text() if (case / "data.sql").is_file() else ""
        (case / "setup.sql").write_text(SETUP_HEAD + schema + "\n-- data.sql\n" + data)
        count += 1
    return count


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        print("sqlite:", generate("sqlite", f"file:{folder}/diff.db"), "cases")
    with postgres.throwaway_server() as server:
        print("postgresql:", generate("postgresql", f"{server}/postgres"), "cases")


if __name__ == "__main__":
    main()
