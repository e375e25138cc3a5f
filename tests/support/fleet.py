"""Databases in every state prisma_migration_status tells apart, made the way each state really arises: deployed as
Prisma deploys on that database (tests/support/backends/), and fleets of hundreds of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.backoffice.dbops.tests.support import backends
from ansible_collections.backoffice.dbops.tests.support.backends import free_port
from ansible_collections.backoffice.dbops.tests.support.recovery import BIN, ROOT
from ansible_collections.backoffice.dbops.tests.support.scenarios import INIT


def only(folder: Path, names: list[str]) -> Path:
    """Keep only these migration folders (and the lock file) in a migrations folder."""
    for path in folder.iterdir():
        if path.is_dir() and path.name not in names:
            shutil.rmtree(path)
    return folder


def deployed_init(backend, folder: Path) -> Path:
    """The first release deployed as Prisma deploys it: INIT applied. Returns the full migrations folder."""
    scripts = backend.seed_scripts()
    full = backend.write_migrations(folder / "full", scripts)
    backend.deploy(backend.write_migrations(folder / "first", {INIT: scripts[INIT]}))
    return full


def with_user(url: str, user: str, password: str | None = None) -> str:
    parts = urlsplit(url)
    credentials = user + (f":{password}" if password is not None else "")
    netloc = f"{credentials}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def foreign_history(backend) -> None:
    """A table named _prisma_migrations that Prisma did not make."""
    backend.execute("CREATE TABLE _prisma_migrations (id INTEGER PRIMARY KEY, name VARCHAR(100), run_on DATE)")


# -- Fleets of hundreds of databases, checked in one run or in slices as AWX's job slicing runs them ---------------


def awx_slices(hosts, count: int) -> list[list[str]]:
    """The hosts of each of `count` slices as AWX's job slicing makes them: the inventory's hosts ordered by name,
    slice k (from 1) taking every count-th from the k-th (awx/main/models/inventory.py, get_script_data)."""
    ordered = sorted(hosts)
    return [ordered[offset::count] for offset in range(count)]


def write_fleet_inventory(folder: Path, environments: dict[str, list[dict]]) -> Path:
    """An inventory laid out like the collection's inventories/: hosts.yml with one runner per environment,
    group_vars/<environment>.yml with the environment's own database (the first entry, named after it; its URL only)
    and the others in p3009_status_databases; and prisma_databases.yml, the same fleet one host per database.
    Returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "group_vars").mkdir(exist_ok=True)
    hosts = {
        "all": {
            "children": {environment: {"hosts": {f"{environment}-runner": None}} for environment in environments},
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        }
    }
    (folder / "hosts.yml").write_text(json.dumps(hosts))
    for environment, (own, *listed) in environments.items():
        assert own["name"] == environment
        group_vars = {"p3009_recovery_database_url": own["database_url"], "p3009_status_databases": listed}
        (folder / "group_vars" / f"{environment}.yml").write_text(json.dumps(group_vars))
    (folder / "prisma_databases.yml").write_text("plugin: backoffice.dbops.prisma_databases\n")
    return folder


def runner_job(folder: Path, extravars: dict) -> Path:
    """A private data folder as AWX writes one for a job: its extra variables, the project (the repository)."""
    (folder / "env").mkdir(parents=True)
    (folder / "env" / "extravars").write_text(json.dumps(extravars))
    (folder / "project").symlink_to(ROOT)
    return folder


def start_runner(job: Path, playbook: str, inventory: Path, *, env: dict, limit: list[str] | None = None):
    """`ansible-runner run` in its own process, as AWX's worker runs a job; its artifacts go to job/artifacts/job."""
    command = [
        f"{BIN}/ansible-runner",
        "run",
        str(job),
        "-p",
        playbook,
        "--ident",
        "job",
        "--inventory",
        str(inventory),
    ]
    if limit:
        command += ["--limit", ",".join(limit)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def runner_artifacts(job: Path) -> Path:
    return job / "artifacts" / "job"


# Per environment of a large fleet: how many databases of each kind (the environment's own database is the first
# SQLite one that is ok).
FLEET_MIX = (
    ("sqlite", "ok", 30),
    ("sqlite", "pending", 30),
    ("sqlite", "blocked", 20),
    ("postgresql", "ok", 6),
    ("postgresql", "pending", 6),
    ("postgresql", "blocked", 6),
    ("sqlite", "database_missing", 1),
    ("postgresql", "unreachable", 1),
)


def large_fleet(folder: Path, postgres_server: str, environments: int = 4) -> tuple[dict[str, list[dict]], dict]:
    """`environments` environments of sum(FLEET_MIX) databases each (100: 400 for 4), made from three states Prisma's
    own engine leaves (P3009; the first release deployed, more pending; the same with no migrations folder given:
    ok), copied: SQLite files, and PostgreSQL databases created from templates on `postgres_server` (an admin URL
    without a database). Returns the environments' entries and the outcome each database must get."""
    servers = {"sqlite": None, "postgresql": postgres_server}
    templates, migrations = {}, {}
    for provider in ("sqlite", "postgresql"):
        for state in ("blocked", "deployed"):
            template = backends.KINDS[provider].create(servers[provider], folder / "templates", [])
            target = folder / "migrations" / provider / state
            if state == "blocked":
                migrations[provider, "blocked"] = template.p3009(target)
            else:
                migrations[provider, "pending"] = deployed_init(template, target)
            templates[provider, state] = template
    fleet, expected = {}, {}
    (folder / "files").mkdir(exist_ok=True)
    for number in range(1, environments + 1):
        environment = f"env{number}"
        entries = []
        for provider, outcome, count in FLEET_MIX:
            for index in range(count):
                name = environment if not entries else f"{environment}/{provider}-{outcome}-{index:02}"
                if outcome == "unreachable":
                    url = f"postgresql://app:never-used@127.0.0.1:{free_port()}/gone"
                elif outcome == "database_missing":
                    url = f"file:{folder / 'files' / 'missing.db'}"
                else:
                    template = templates[provider, "blocked" if outcome == "blocked" else "deployed"]
                    copy = backends.KINDS[provider].create(servers[provider], folder / "files", [], template=template)
                    url = copy.referee_url
                entry = {"name": name, "database_url": url}
                if (provider, outcome) in migrations:
                    entry["migrations_dir"] = str(migrations[provider, outcome])
                entries.append(entry)
                expected[name] = outcome
        fleet[environment] = entries
    return fleet, expected
