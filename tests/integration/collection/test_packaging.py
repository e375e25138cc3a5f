"""The collection as platform teams get it: a tarball built from a used working tree that holds exactly the allow-list,
accepted by galaxy-importer, installed into a read-only path and run by an unprivileged user from an empty folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.tests.support import backends
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import PrismaReferee, referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import BIN, BIO_INDEX, ROOT
from ansible_collections.backoffice.dbops.tests.support.unprivileged import NOBODY, as_nobody

# What ships, said independently of galaxy.yml's manifest directives: runtime, docs, and the tests collections ship.
SHIPPED_FILES = {
    "README.md", "COPYING", "CHANGELOG.md", "requirements.txt", "bindep.txt", "meta/runtime.yml",
    "meta/execution-environment.yml", "changelogs/changelog.yaml", "changelogs/config.yaml",
    "tests/config.yml", "docs/p3009_status_report.schema.json",
}  # fmt: skip
SHIPPED_TREES = {
    "plugins/": (".py", ".yml", ".md"),
    "roles/": (".yml", ".md"),
    "playbooks/": (".yml",),
    "docs/examples/": (".yml",),
    "tests/unit/": (".py", ".txt"),
    "tests/support/": (".py",),
    "tests/integration/targets/": ("",),
}
GENERATED = {"MANIFEST.json", "FILES.json"}
# What a used working tree holds besides the sources (make setup, make demo, make test, an editor, a recovery).
DIRT = [
    "audit/20260101T000000Z-local-20201127134938_added_bio_index.json", "playbooks/audit/x.json",
    ".pytest_cache/v/cache/lastfailed", "tests/unit/.pytest_cache/v/cache/nodeids", ".ruff_cache/0.17.6/123",
    ".hypothesis/examples/ab/cd", "plugins/module_utils/.hypothesis/examples/x", ".ansible/tmp/ansible-local-1/x",
    "demo/prisma/dev.db", "demo/prisma/dev.db-journal", "roles/p3009_recovery/files/rehearsal.db",
    "tests/referee/node_modules/@prisma/adapter-pg/index.js", ".venv/bin/python",
    "plugins/modules/__pycache__/prisma_migration_info.cpython-312.pyc", "tests/unit/plugins/__pycache__/x.pyc",
    "roles/p3009_recovery/tasks/.main.yml.swp", "roles/p3009_recovery/tasks/main.yml~", "playbooks/recover.retry",
    "tests/integration/integration_config.yml", "tests/integration/targets/.cache/x", "tests/output/junit/x.xml",
    "changelogs/.plugin-cache.yaml", "importer_result.json", "backoffice-dbops-0.0.9.tar.gz",
]  # fmt: skip
# The development files the issue found in the tarball.
NEVER = [
    "Makefile", "ansible.cfg", ".ansible-lint", "pyproject.toml", "requirements-dev.txt", "scripts/", "molecule/",
    "demo/", "tests/referee/", "benchmarks/", "awx/", "inventories/", "execution-environment.yml", ".ci/",
]  # fmt: skip


def source_files(tree: Path) -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=tree, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    return {name for name in listed.split("\0") if name and (tree / name).is_file()}


def shipped(files: set[str]) -> set[str]:
    return {
        name
        for name in files
        if name in SHIPPED_FILES
        or any(name.startswith(tree) and name.endswith(suffixes) for tree, suffixes in SHIPPED_TREES.items())
    } | GENERATED


def build(tree: Path, output: Path) -> Path:
    completed = subprocess.run(
        [f"{BIN}/ansible-galaxy", "collection", "build", "--output-path", str(output), str(tree)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return output / "backoffice-dbops-0.2.0.tar.gz"


def members(tarball: Path) -> tuple[set[str], set[str]]:
    with tarfile.open(tarball) as archive:
        entries = archive.getmembers()
    return {entry.name for entry in entries if entry.isfile()}, {entry.name for entry in entries if entry.isdir()}


@pytest.fixture(scope="module")
def dirty_tarball(tmp_path_factory) -> Path:
    """Built from a copy of this checkout with everything a used working tree accumulates added."""
    tree = tmp_path_factory.mktemp("checkout") / "dbops"
    for name in source_files(ROOT):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    for name in DIRT:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("left behind\n")
    os.symlink("../../..", tree / ".venv" / "loop")  # .collections/ansible_collections/backoffice/dbops is one too
    return build(tree, tmp_path_factory.mktemp("dist"))


def test_the_tarball_of_a_used_working_tree_is_exactly_the_allow_list(dirty_tarball):
    files, folders = members(dirty_tarball)
    expected = shipped(source_files(ROOT))
    assert files == expected, {"unexpected": sorted(files - expected), "missing": sorted(expected - files)}
    assert folders == {str(parent) for name in files for parent in Path(name).parents if str(parent) != "."}
    for name in NEVER:
        assert not any(member == name or member.startswith(name) for member in files), name


def test_the_tarball_of_this_very_checkout_is_exactly_the_allow_list(tmp_path):
    """This checkout after make setup (.venv, .collections' link loop, node_modules) and whatever else ran here."""
    files, _folders = members(build(ROOT, tmp_path))
    assert files == shipped(source_files(ROOT))


def test_galaxy_importer_accepts_the_tarball(dirty_tarball, tmp_path):
    importer = ROOT / ".venv-importer" / "bin"
    if not (importer / "python").exists():
        unavailable("galaxy-importer is not installed: run `make setup` (it creates .venv-importer)")
    completed = subprocess.run(
        [str(importer / "python"), "-m", "galaxy_importer.main", str(dirty_tarball)],
        cwd=tmp_path,
        env={
            "PATH": f"{importer}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "LC_ALL": "C.UTF-8",
            "GALAXY_IMPORTER_CONFIG": str(ROOT / "tests" / "galaxy-importer.cfg"),
        },
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Importer processing completed successfully" in output
    assert [line for line in output.splitlines() if "WARNING" in line or "ERROR" in line] == []
    result = json.loads((tmp_path / "importer_result.json").read_text())
    assert ("role", "p3009_recovery") in {(item["content_type"], item["name"]) for item in result["contents"]}


@pytest.fixture
def workspace():
    """A folder every user may enter (pytest's own tmp_path is private to root), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="dbops-installed-"))
    folder.chmod(0o755)
    yield folder
    subprocess.run(["chmod", "-R", "u+w", str(folder)], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def owned_by_runner(path: Path) -> Path:
    if os.geteuid() == 0:
        for entry in [path, *path.rglob("*")]:
            os.chown(entry, NOBODY, NOBODY)
    return path


def install_read_only(tarball: Path, workspace: Path) -> Path:
    collections = workspace / "collections"
    completed = subprocess.run(
        [f"{BIN}/ansible-galaxy", "collection", "install", str(tarball), "-p", str(collections)],
        # Away from this checkout (the venv's sys.path and, under make, ANSIBLE_COLLECTIONS_PATH both name it), which
        # ansible-galaxy would otherwise take as installed already.
        cwd=workspace,
        env={
            **{name: value for name, value in os.environ.items() if name != "ANSIBLE_COLLECTIONS_PATH"},
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        },
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert (collections / "ansible_collections" / "backoffice" / "dbops" / "MANIFEST.json").is_file(), completed.stdout
    assert completed.returncode == 0, completed.stdout + completed.stderr
    subprocess.run(["chmod", "-R", "a-w", str(collections)], check=True)
    return collections


def runner_environment(workspace: Path, collections: Path) -> dict:
    home = workspace / "home"
    home.mkdir(exist_ok=True)
    owned_by_runner(home)
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "LC_ALL": "C.UTF-8",
        "ANSIBLE_NOCOLOR": "1",
        # nobody's passwd home (/nonexistent) is what `~` means to the module shell, as for an EE's arbitrary uid.
        "ANSIBLE_REMOTE_TMP": f"{home}/.ansible/tmp",
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        # Only the installed copy: not this checkout, which the test venv also has on sys.path.
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
    }


def write_inventory(folder: Path, groups: dict[str, dict]) -> Path:
    folder.mkdir()
    (folder / "group_vars").mkdir()
    hosts = {group: {"hosts": {f"{group}-runner": None}} for group in groups}
    (folder / "hosts.yml").write_text(
        json.dumps(
            {
                "all": {
                    "children": hosts,
                    "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                }
            }
        )
    )
    for group, variables in groups.items():
        (folder / "group_vars" / f"{group}.yml").write_text(json.dumps(variables))
    return folder


def recover(environment: dict, inventory: Path, env: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [f"{BIN}/ansible-playbook", "backoffice.dbops.recover_p3009", "-i", str(inventory)]
    command += ["-e", f"env={env}", "-e", f"migration={BIO_INDEX}"]
    completed = subprocess.run(
        as_nobody(command), cwd=cwd, env=environment, capture_output=True, text=True, check=False, timeout=300
    )
    completed.output = completed.stdout + completed.stderr
    return completed


def sqlite_p3009(folder: Path) -> tuple[str, Path, Path]:
    """A SQLite database in P3009, its data fixed, owned by the runner: its URL, migrations and file."""
    backend = backends.KINDS["sqlite"].create(None, folder, [])
    migrations = backend.p3009(folder)
    # The runbook's "fix the data": the preflight lets the resolve through only then.
    backend.execute(backend.fix_data)
    owned_by_runner(folder)
    return backend.referee_url, migrations, Path(backend.target.path)


@pytest.mark.postgresql
def test_installed_read_only_and_run_unprivileged_it_recovers_and_stays_verified(
    dirty_tarball, workspace, make_backend
):
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup`")
    collections = install_read_only(dirty_tarball, workspace)
    sqlite_url, sqlite_migrations, _database = sqlite_p3009(workspace / "sqlite")
    postgres = make_backend("postgresql")
    postgres_migrations = postgres.p3009(workspace / "postgres")
    postgres.execute(postgres.fix_data)
    inventory = write_inventory(
        workspace / "inventory",
        {
            "rehearsal": {
                "p3009_recovery_database_url": sqlite_url,
                "p3009_recovery_migrations_dir": str(sqlite_migrations),
            },
            "staging": {
                "p3009_recovery_database_url": postgres.url,
                "p3009_recovery_migrations_dir": str(postgres_migrations),
            },
        },
    )
    operator = workspace / "operator"
    operator.mkdir()
    owned_by_runner(operator)
    environment = runner_environment(workspace, collections)

    for env, provider, url, migrations in [
        ("rehearsal", "sqlite", sqlite_url, sqlite_migrations),
        ("staging", "postgresql", postgres.url, postgres_migrations),
    ]:
        result = recover(environment, inventory, env, operator)
        assert result.returncode == 0, result.output
        assert PrismaReferee(provider, url).diagnose(migrations)["failedMigrationNames"] == []

    records = sorted((operator / "audit").glob("*.json"))
    assert [json.loads(path.read_text())["outcome"] for path in records] == ["resolved", "resolved"]
    installed = collections / "ansible_collections" / "backoffice" / "dbops"
    assert not list(installed.rglob("audit"))
    verified = subprocess.run(
        [f"{BIN}/ansible-galaxy", "collection", "verify", "--offline", "backoffice.dbops", "-p", str(collections)],
        env=environment, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "checksums for 'backoffice.dbops:0.2.0' are internally consistent with its manifest" in verified.stdout


def test_installed_with_an_unwritable_audit_folder_it_stops_before_any_database_write(dirty_tarball, workspace):
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup`")
    collections = install_read_only(dirty_tarball, workspace)
    url, migrations, database = sqlite_p3009(workspace / "sqlite")
    inventory = write_inventory(
        workspace / "inventory",
        {"rehearsal": {"p3009_recovery_database_url": url, "p3009_recovery_migrations_dir": str(migrations)}},
    )
    # An empty folder the runner may read but not write: audit/ cannot be created in it.
    operator = workspace / "operator"
    operator.mkdir()
    operator.chmod(0o555)
    with sqlite3.connect(database) as connection:
        before = connection.execute("SELECT * FROM _prisma_migrations ORDER BY started_at").fetchall()
    result = recover(runner_environment(workspace, collections), inventory, "rehearsal", operator)
    assert result.returncode != 0
    assert f"Cannot write the audit record to {operator}/audit" in result.output
    assert "Nothing was read or changed" in result.output
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT * FROM _prisma_migrations ORDER BY started_at").fetchall() == before
    assert PrismaReferee("sqlite", url).diagnose(migrations)["failedMigrationNames"] == [BIO_INDEX]
