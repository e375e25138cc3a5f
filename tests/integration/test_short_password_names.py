"""A database at password `pw`: every module that takes a DATABASE_URL reports a database and a migration named
`..._badpw` under their own names. Ansible would mask a registered `pw` inside every name holding it (`bad********`);
the collection never registers a credential under 8 characters, and never one that a reported name holds, while
still never showing the password itself."""

from __future__ import annotations

import json
import sys
import uuid

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_module
from ansible_collections.backoffice.dbops.tests.support.backends import Backend, unavailable, with_database
from ansible_collections.backoffice.dbops.tests.support.preflight import deploy_with_prisma, write_migrations
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available

pytestmark = pytest.mark.postgresql

PASSWORD = "pw"
APPLIED = "20240101000000_badpw"
FAILED = "20240102000000_badpw_index"
SCRIPTS = {
    APPLIED: 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "bio" TEXT);\n',
    FAILED: 'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n',
}
MASKED = "*" * 8


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


@pytest.fixture
def badpw(postgres_server, tmp_path):
    """A database named `badpw_<id>` reached at password `pw` (the throwaway server trusts any), in the P3009 state:
    APPLIED applied, FAILED failed on duplicated bios. Yields its URL with the password and the migrations folder."""
    name = f"badpw_{uuid.uuid4().hex[:8]}"
    admin = Backend("postgresql", with_database(postgres_server, "postgres"), str(tmp_path))
    admin.execute(f'CREATE DATABASE "{name}"')
    backend = Backend("postgresql", with_database(postgres_server, name, "schema=public"), str(tmp_path))
    migrations = write_migrations(tmp_path / "migrations", "postgresql", {APPLIED: SCRIPTS[APPLIED]})
    assert deploy_with_prisma(backend, migrations) is None
    backend.execute("""INSERT INTO "User" ("bio") VALUES ('same'), ('same')""")
    write_migrations(tmp_path / "migrations", "postgresql", SCRIPTS)
    assert deploy_with_prisma(backend, migrations) is not None
    url = backend.url.replace("://postgres@", f"://postgres:{PASSWORD}@")
    try:
        yield name, url, migrations
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reported(run) -> str:
    """What a run shows: its result and everything the command printed."""
    text = json.dumps(run.result) + run.output
    assert "bad" + MASKED not in text and "_" + MASKED not in text
    return text


def test_info_resolve_and_preflight(badpw):
    name, url, migrations = badpw
    info = run_module("prisma_migration_info", {"database_url": url, "migrations_dir": str(migrations)}, verbosity=3)
    assert info.rc == 0, info.output
    assert name in info.result["database"]
    assert [row["migration_name"] for row in info.result["migrations"]] == [APPLIED, FAILED]
    assert info.result["failed_migration_names"] == [FAILED]
    assert "shorter than 8 characters" in reported(info)

    preflight = run_module(
        "prisma_migration_preflight", {"database_url": url, "migrations_dir": str(migrations), "migration": FAILED}
    )
    assert preflight.rc == 0, preflight.output
    assert preflight.result["migration"] == FAILED and name in preflight.result["database"]
    reported(preflight)

    args = {"database_url": url, "migration": FAILED, "state": "rolled_back"}
    resolved = run_module("prisma_migration_resolve", args, diff=True, verbosity=3)
    assert resolved.rc == 0 and resolved.result["changed"], resolved.output
    assert [row["migration_name"] for row in resolved.result["migration_rows"]] == [FAILED]
    assert FAILED in resolved.result["diff"]["before"]
    reported(resolved)
    # Prisma's refusal names the migration too: FAILED is no longer failed (P3011 lists the failed ones, none).
    refused = run_module("prisma_migration_resolve", {**args, "migration": APPLIED})
    assert refused.result["code"] == "P3012" and APPLIED in refused.result["msg"]
    reported(refused)


def test_status_wait_and_run(badpw, postgres_server, tmp_path):
    name, url, migrations = badpw
    other = with_database(postgres_server, "postgres").replace("://postgres@", "://postgres:Long-Enough-Secret-1@")
    databases = [
        {"name": "prod", "database_url": url, "migrations_dir": str(migrations)},
        {"name": "badpw", "database_url": other},
    ]
    status = run_module("prisma_migration_status", {"databases": databases}, verbosity=3)
    assert [database["name"] for database in status.result["databases"]] == ["prod", "badpw"], status.output
    assert status.result["databases"][0]["failed_migrations"] == [FAILED]
    assert name in status.result["databases"][0]["database"]
    assert status.result["failing"] == ["prod"]
    assert "Long-Enough-Secret-1" not in reported(status)

    waited = run_module("wait_for_database", {"database_url": url, "timeout": 10}, verbosity=3)
    assert waited.rc == 0 and name in waited.result["database"], waited.output
    reported(waited)

    # The command sees the URL in its environment and prints the database's and a migration's names, and the
    # password alone: the names come back as they are, the password never.
    script = tmp_path / "deploy.py"
    script.write_text(
        "import os, urllib.parse\n"
        "url = urllib.parse.urlsplit(os.environ['DATABASE_URL'])\n"
        f"print('deploying', url.path.lstrip('/'), '{APPLIED}')\n"
        "print('password', url.password)\n"
    )
    ran = run_module("run_with_database_url", {"argv": [sys.executable, str(script)], "database_url": url})
    assert ran.rc == 0, ran.output
    assert ran.result["stdout_lines"] == [f"deploying {name} {APPLIED}", f"password {MASKED}"]
    reported(ran)
