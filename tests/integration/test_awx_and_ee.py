"""The recovery as AWX runs it (ansible-runner with AWX's job layout), the AWX configuration playbook, and the
execution environment definition."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import ansible_env
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import ArmEmulator
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    AZURE_SECRET,
    BIN,
    BIO_INDEX,
    CLIENT_ID,
    RG,
    ROOT,
    SECRET_NAME,
    SERVER,
    SUBSCRIPTION,
    TENANT,
    azure_vars,
    p3009_database,
    write_inventory,
)

AWX_MODULES = ["execution_environment", "project", "inventory", "inventory_source", "credential", "job_template",
               "workflow_job_template"]  # fmt: skip


@pytest.fixture
def emulator(tmp_path):
    emulator = ArmEmulator(
        str(tmp_path), tenant=TENANT, client_id=CLIENT_ID, client_secret=AZURE_SECRET, subscription_id=SUBSCRIPTION
    ).start()
    yield emulator
    emulator.stop()


def awx_job(tmp_path, emulator, extravars: dict, inventory, *, check: bool) -> str:
    """A private data dir as AWX writes it for a job: survey answers, credential variables, inventory, project."""
    job = tmp_path / "job"
    (job / "env").mkdir(parents=True)
    (job / "env" / "extravars").write_text(json.dumps({**extravars, "awx_job_id": 42, "awx_user_name": "ops-alice"}))
    (job / "env" / "envvars").write_text(json.dumps(emulator.awx_credential_environment()))
    if check:
        (job / "env" / "cmdline").write_text("--check --diff")
    shutil.copytree(inventory, job / "inventory")
    (job / "project").symlink_to(ROOT)
    return str(job)


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_recovery_as_an_awx_job(tmp_path, emulator, check):
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup`")
    database = tmp_path / "dev.db"
    database.touch()
    url = f"file:{database}"
    p3009_database("sqlite", url, tmp_path)
    server = emulator.add_server(RG, SERVER)
    emulator.vault_secrets[SECRET_NAME] = url
    inventory = write_inventory(
        tmp_path, "test", azure_vars(emulator, p3009_recovery_audit_dir=str(tmp_path / "audit"))
    )
    before = database.read_bytes()
    job = awx_job(
        tmp_path, emulator, {"env": "test", "migration": BIO_INDEX, "state": "rolled_back", "confirm": ""}, inventory,
        check=check,
    )  # fmt: skip
    # As AWX's worker does: ansible-runner in its own process (forking from this threaded test process is unsafe).
    subprocess.run(
        [f"{BIN}/ansible-runner", "run", job, "-p", "playbooks/recover_p3009.yml", "--ident", "job", "-vvv"],
        env=ansible_env(), capture_output=True, check=False, timeout=300,
    )  # fmt: skip
    artifacts = Path(job) / "artifacts" / "job"
    output = (artifacts / "stdout").read_text()
    assert (artifacts / "status").read_text().strip() == "successful", output
    assert AZURE_SECRET not in output
    assert server.rules == {}
    events = [json.loads(path.read_text()) for path in sorted((artifacts / "job_events").glob("*.json"))]
    audit = [event for event in events if event.get("event") == "playbook_on_stats"]
    record = audit[-1]["event_data"]["artifact_data"]["p3009_recovery_audit"]
    assert record["operator"] == "ops-alice" and record["awx_job_id"] == 42
    if check:
        assert record["outcome"] == "dry_run"
        assert emulator.write_calls == 0  # a dry run opens the firewall only when asked
        assert database.read_bytes() == before
        assert not (tmp_path / "audit").exists()
    else:
        assert record["outcome"] == "resolved"
        assert emulator.write_calls == 2  # the rule created, then deleted
        assert database.read_bytes() != before
        assert len(list((tmp_path / "audit").glob("*.json"))) == 1


def test_awx_configuration_playbook_parses(tmp_path):
    """No AWX here: the playbook must pass a syntax check against stand-ins of the awx.awx modules it uses."""
    modules = tmp_path / "ansible_collections" / "awx" / "awx" / "plugins" / "modules"
    modules.mkdir(parents=True)
    (modules.parent.parent / "galaxy.yml").write_text("namespace: awx\nname: awx\nversion: 24.6.1\n")
    for name in AWX_MODULES:
        (modules / f"{name}.py").write_text("")
    completed = subprocess.run(
        [f"{BIN}/ansible-playbook", "--syntax-check", "awx/job_templates.yml"],
        cwd=ROOT,
        env={
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "ANSIBLE_COLLECTIONS_PATH": f"{tmp_path}:{ROOT}/.collections",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_execution_environment_context_is_created(tmp_path):
    completed = subprocess.run(
        [f"{BIN}/ansible-builder", "create", "-f", f"{ROOT}/execution-environment.yml", "-c", str(tmp_path / "ctx")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    build = tmp_path / "ctx" / "_build"
    assert "azure-keyvault-secrets" in (build / "requirements.txt").read_text()
    assert "unixODBC" in (build / "bindep.txt").read_text()
    assert (build / "dbops" / "plugins" / "modules" / "wait_for_database.py").is_file()
    containerfile = next(path for path in (tmp_path / "ctx").iterdir() if path.name in ("Containerfile", "Dockerfile"))
    assert "msodbcsql18" in containerfile.read_text()
