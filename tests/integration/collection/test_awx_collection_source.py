"""Under AWX, the job runs the collection installed in the execution environment, not the project's copy.

AWX gives a job ANSIBLE_COLLECTIONS_PATH = the job's requirements_collections, then the project's ansible.cfg
collections_path, then ~/.ansible/collections and the EE's /usr/share/ansible/collections (RunJob.build_env; see
tests/support/awx_rules.py). The project here is this repository, checked out as AWX's project sync checks it out
(the files git tracks); the EE's collections folder is the built tarball installed by the image's galaxy stage.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.tests.support import backends
from ansible_collections.backoffice.dbops.tests.support.awx_rules import job_collections_path
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.execution_environment import (
    create_context,
    install_as_the_galaxy_stage,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import BIN, BIO_INDEX, ROOT, write_inventory

MODULE_FILE = re.compile(r"Using module file (\S+/backoffice/dbops/plugins/modules/\w+\.py)")
# What 0.2.0's ansible.cfg said, with a committed link .collections/ansible_collections/backoffice/dbops -> ../../..
OLD_COLLECTIONS_PATH = "collections_path = ./.collections"


@pytest.fixture(scope="module")
def ee_collections(tmp_path_factory) -> Path:
    """The EE's /usr/share/ansible/collections: make dist, ansible-builder create, the galaxy stage's install."""
    folder = tmp_path_factory.mktemp("ee")
    created = create_context(folder)
    assert created.returncode == 0, created.stdout + created.stderr
    install_as_the_galaxy_stage(folder / "ctx", folder / "usr-share-ansible-collections")
    return folder / "usr-share-ansible-collections"


def project_checkout(folder: Path) -> Path:
    """This repository as AWX's project sync leaves it: what git tracks (and this change adds), nothing ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name, follow_symlinks=False)
    return folder


def awx_job(tmp_path: Path, ee_collections: Path, project: Path, *, check: bool) -> Path:
    """A private data dir as AWX writes it, its environment variables as RunJob.build_env sets them."""
    backend = backends.KINDS["sqlite"].create(None, tmp_path / "sqlite", [])
    url = backend.referee_url
    migrations = backend.p3009(tmp_path / "sqlite")
    backend.execute(backend.fix_data)
    job = tmp_path / "job"
    (job / "env").mkdir(parents=True)
    inventory = write_inventory(
        tmp_path, "rehearsal", {"p3009_recovery_database_url": url, "p3009_recovery_migrations_dir": str(migrations)}
    )
    shutil.copytree(inventory, job / "inventory")
    shutil.move(project, job / "project")
    extravars = {"env": "rehearsal", "migration": BIO_INDEX, "awx_job_id": 42, "awx_user_name": "ops-alice"}
    (job / "env" / "extravars").write_text(json.dumps(extravars))
    collections_path = job_collections_path(
        str(job / "project"), runner_root=str(job), ee_collections=str(ee_collections)
    )
    (job / "env" / "envvars").write_text(json.dumps({"ANSIBLE_COLLECTIONS_PATH": collections_path}))
    if check:
        (job / "env" / "cmdline").write_text("--check --diff")
    return job


def run_job(job: Path, home: Path) -> tuple[str, list[dict]]:
    """ansible-runner in its own process, as AWX's worker runs it; the job's stdout and events."""
    home.mkdir(exist_ok=True)
    environment = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "LC_ALL": "C.UTF-8",
        # As in the EE, whose Python has no path to this checkout (the test venv's sys.path has one, made by setup).
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
    }
    subprocess.run(
        [f"{BIN}/ansible-runner", "run", str(job), "-p", "playbooks/recover_p3009.yml", "--ident", "job", "-vvv"],
        env=environment, capture_output=True, check=False, timeout=300,
    )  # fmt: skip
    artifacts = job / "artifacts" / "job"
    output = (artifacts / "stdout").read_text()
    assert (artifacts / "status").read_text().strip() == "successful", output
    events = [json.loads(path.read_text()) for path in sorted((artifacts / "job_events").glob("*.json"))]
    return output, events


def role_task_files(events: list[dict]) -> set[str]:
    """The role's task files that ran (its argument validation is a task of the playbook that calls it)."""
    started = [event["event_data"]["task_path"] for event in events if event.get("event") == "playbook_on_task_start"]
    return {path.rsplit(":", 1)[0] for path in started if "/roles/p3009_recovery/" in path}


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup`")


def test_an_awx_job_runs_the_modules_and_role_installed_in_the_execution_environment(tmp_path, ee_collections):
    job = awx_job(tmp_path, ee_collections, project_checkout(tmp_path / "checkout"), check=False)
    print("ANSIBLE_COLLECTIONS_PATH of the job:", json.loads((job / "env" / "envvars").read_text()))
    output, events = run_job(job, tmp_path / "home")
    installed = ee_collections / "ansible_collections" / "backoffice" / "dbops"
    module_files = sorted(set(MODULE_FILE.findall(output)))
    print("module files that ran:", *module_files, sep="\n  ")
    print("role task files that ran:", *sorted(role_task_files(events)), sep="\n  ")
    names = {Path(path).stem for path in module_files}
    assert {"prisma_migration_info", "prisma_migration_preflight", "prisma_migration_resolve"} <= names, output
    assert all(path.startswith(f"{installed}/") for path in module_files), module_files
    assert role_task_files(events) and all(path.startswith(f"{installed}/") for path in role_task_files(events))
    audit = [event for event in events if event.get("event") == "playbook_on_stats"][-1]
    assert audit["event_data"]["artifact_data"]["p3009_recovery_audit"]["outcome"] == "resolved"


def test_a_project_that_names_itself_in_ansible_cfg_would_shadow_the_execution_environment(tmp_path, ee_collections):
    """What 0.2.0's ansible.cfg (collections_path = ./.collections, a committed link to the repository) did under
    AWX: the project's copy ran, not the one `ansible-galaxy collection verify` checked in the EE. The test above
    would see it."""
    project = project_checkout(tmp_path / "checkout")
    config = (project / "ansible.cfg").read_text()
    (project / "ansible.cfg").write_text(config.replace("[defaults]\n", f"[defaults]\n{OLD_COLLECTIONS_PATH}\n"))
    (project / ".collections" / "ansible_collections" / "backoffice").mkdir(parents=True)
    os.symlink("../../..", project / ".collections" / "ansible_collections" / "backoffice" / "dbops")
    job = awx_job(tmp_path, ee_collections, project, check=True)
    output, _events = run_job(job, tmp_path / "home")
    module_files = set(MODULE_FILE.findall(output))
    assert module_files and all(f"{job}/project/.collections/" in path for path in module_files), module_files
