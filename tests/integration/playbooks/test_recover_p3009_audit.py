"""The recovery's audit record and its guard rails, as a user installing the collection meets them: the record goes
to a folder outside the collection that is proven writable before anything is touched, it keeps error codes and
drops data values, and Prisma's own codes decide what a rerun or a baseline does."""

from __future__ import annotations

import json
import subprocess

import pytest

from ansible_collections.backoffice.dbops.tests.support.fleet import deployed_init
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    BIO_INDEX,
    PLAYBOOK,
    RG,
    ROOT,
    SECRET_NAME,
    SERVER,
    arm_emulator,
    azure_vars,
    playbook_env,
    write_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.scenarios import INIT, LATER

DATA_VALUE = "bio-of-ada-4711"
NATIVE_LOGS = (
    'Database error code: 23505\n\nDatabase error:\nERROR: could not create unique index "User_bio_key"\n'
    f"DETAIL: Key (bio)=({DATA_VALUE}) is duplicated.\n\n"
    f'DbError {{ code: SqlState(E23505), detail: Some("Key (bio)=({DATA_VALUE}) is duplicated."), hint: None }}\n'
)


def p3009_sqlite(make_backend, tmp_path):
    """The seed scenario in P3009 on SQLite, the failed row's logs as Prisma's native engine writes them (quoting a
    data value)."""
    backend = make_backend("sqlite")
    backend.p3009(tmp_path)
    backend.execute(f"UPDATE {backend.table} SET logs = ? WHERE migration_name = ?", (NATIVE_LOGS, BIO_INDEX))
    return backend


def run(inventory, env: str, migration: str, *flags, cwd, environment=None, **extra):
    command = [f"{BIN}/ansible-playbook", f"{ROOT}/{PLAYBOOK}", "-i", str(inventory), *flags]
    command += ["-e", json.dumps({"env": env, "migration": migration, **extra})]
    completed = subprocess.run(
        command, cwd=cwd, env=environment or playbook_env(), capture_output=True, text=True, timeout=300, check=False
    )
    completed.output = completed.stdout + completed.stderr
    return completed


def records_in_the_repository() -> set:
    """Audit records under the playbook's folder or the repository's root, where no default may put one."""
    return {str(path) for folder in (ROOT / "audit", ROOT / "playbooks" / "audit") for path in folder.glob("*")}


def only_record(folder) -> dict:
    (path,) = sorted(folder.glob("*.json"))
    return json.loads(path.read_text())


def test_the_default_audit_folder_is_the_working_directory_and_data_values_stay_out(tmp_path, make_backend):
    backend = p3009_sqlite(make_backend, tmp_path)
    workdir = tmp_path / "operator"
    workdir.mkdir()
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {"p3009_recovery_database_url": backend.url, "p3009_recovery_project_dir": backend.project_dir},
    )
    # Whatever `make demo` or another run left in the repository, this run adds nothing there.
    before = records_in_the_repository()
    result = run(inventory, "rehearsal", BIO_INDEX, cwd=workdir)
    assert result.returncode == 0, result.output
    assert records_in_the_repository() == before
    record = only_record(workdir / "audit")
    text = json.dumps(record)
    assert DATA_VALUE not in text
    assert "Database error code: 23505" in record["before"][0]["logs"]
    assert "DETAIL: Key (bio)=([redacted]) is duplicated." in record["before"][0]["logs"]
    assert record["outcome"] == "resolved"


def test_dbops_audit_dir_names_the_folder(tmp_path, make_backend):
    backend = p3009_sqlite(make_backend, tmp_path)
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {"p3009_recovery_database_url": backend.url, "p3009_recovery_project_dir": backend.project_dir},
    )
    environment = {**playbook_env(), "DBOPS_AUDIT_DIR": "records"}
    result = run(inventory, "rehearsal", BIO_INDEX, cwd=tmp_path, environment=environment)
    assert result.returncode == 0, result.output
    assert only_record(tmp_path / "records")["outcome"] == "resolved"


def test_under_awx_the_artifact_is_the_record_and_no_file_is_written(tmp_path, make_backend):
    backend = p3009_sqlite(make_backend, tmp_path)
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {"p3009_recovery_database_url": backend.url, "p3009_recovery_project_dir": backend.project_dir},
    )
    result = run(inventory, "rehearsal", BIO_INDEX, cwd=tmp_path, awx_job_id=7)
    assert result.returncode == 0, result.output
    assert not (tmp_path / "audit").exists()


@pytest.fixture
def emulator(tmp_path):
    with arm_emulator(str(tmp_path / "arm")) as emulator:
        yield emulator


def test_an_unwritable_audit_folder_stops_the_run_before_anything_is_touched(tmp_path, make_backend, emulator):
    backend = p3009_sqlite(make_backend, tmp_path)
    emulator.add_server(RG, SERVER)
    emulator.vault_secrets[SECRET_NAME] = f"file:{backend.target.path}"
    emulator.reset_counters()
    # Root may write anywhere it has a folder: a path below a regular file is unwritable for anyone.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    inventory = write_inventory(tmp_path, "test", azure_vars(emulator, p3009_recovery_audit_dir=str(blocker / "audit")))
    before = backend.digest()
    result = run(inventory, "test", BIO_INDEX, cwd=tmp_path, environment=playbook_env(emulator))
    assert result.returncode != 0
    assert f"Cannot write the audit record to {blocker}/audit" in result.output
    assert "Nothing was read or changed" in result.output
    assert emulator.requests == []  # not even the Key Vault read or a token
    assert backend.digest() == before


def test_prisma_codes_decide_baseline_and_rerun(tmp_path, make_backend):
    """`applied` of a migration that never ran is a baseline Prisma allows; a rerun is P3008, a no-op."""
    backend = make_backend("sqlite")
    migrations = deployed_init(backend, tmp_path)
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {
            "p3009_recovery_database_url": backend.url,
            "p3009_recovery_project_dir": backend.project_dir,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(tmp_path / "audit"),
        },
    )
    first = run(inventory, "rehearsal", LATER, cwd=tmp_path, state="applied")
    assert first.returncode == 0, first.output
    rows = [row for row in backend.rows() if row[3] == LATER]
    assert len(rows) == 1 and rows[0][2] is not None  # recorded as applied
    digest = backend.digest()
    rerun = run(inventory, "rehearsal", LATER, cwd=tmp_path, state="applied")
    assert rerun.returncode == 0, rerun.output
    assert f"{LATER} is already applied: nothing to do." in rerun.output
    assert backend.digest() == digest
    outcomes = [json.loads(path.read_text())["outcome"] for path in sorted((tmp_path / "audit").glob("*.json"))]
    assert sorted(outcomes) == ["resolved", "unchanged"]


def test_bad_choices_are_refused_by_the_argument_spec(tmp_path, make_backend):
    backend = p3009_sqlite(make_backend, tmp_path)
    inventory = write_inventory(
        tmp_path, "rehearsal", {"p3009_recovery_database_url": backend.url, "p3009_recovery_redeploy": {"kind": "ftp"}}
    )
    result = run(inventory, "rehearsal", BIO_INDEX, cwd=tmp_path, state="undone")
    assert result.returncode != 0
    assert "p3009_recovery_state must be one of: rolled_back, applied, got: undone" in result.output
    assert "must be one of: none, azure_devops, github_actions, command, got: ftp" in result.output
    assert not (tmp_path / "audit").exists()


def test_a_refusal_is_recorded_with_prisma_s_code(tmp_path, make_backend):
    backend = p3009_sqlite(make_backend, tmp_path)
    inventory = write_inventory(
        tmp_path,
        "rehearsal",
        {
            "p3009_recovery_database_url": backend.url,
            "p3009_recovery_project_dir": backend.project_dir,
            "p3009_recovery_audit_dir": str(tmp_path / "audit"),
        },
    )
    result = run(inventory, "rehearsal", INIT, cwd=tmp_path)
    assert result.returncode != 0
    assert f"{INIT} is not a failed migration" in result.output
    assert f"Failed right now: {BIO_INDEX}" in result.output
    record = only_record(tmp_path / "audit")
    assert (record["outcome"], record["error_code"]) == ("failed", "P3012")
