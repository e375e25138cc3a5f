"""The recovery as AWX runs it (ansible-runner with AWX's job layout), the AWX configuration playbook, and the
execution environment definition."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ansible_collections.backoffice.dbops.tests.support.ansible_run import ansible_env
from ansible_collections.backoffice.dbops.tests.support.awx_rules import (
    AWX_AWX_VERSION,
    MODULE_OPTIONS,
    NODE_KEYS,
    NODE_RELATIONS,
    NODE_TEMPLATE_TYPES,
    accept_or_ignore_variables,
    job_variables,
    launch_variables,
    survey_spec_errors,
)
from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.execution_environment import (
    containerfile,
    create_context,
    install_as_the_galaxy_stage,
)
from ansible_collections.backoffice.dbops.tests.support.preflight import (
    add_probes,
    digest_without_probes,
    probes,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    AZURE_SECRET,
    BIN,
    BIO_INDEX,
    RG,
    ROOT,
    SECRET_NAME,
    SERVER,
    arm_emulator,
    azure_vars,
    write_environments,
    write_inventory,
)

VERSION = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]


@pytest.fixture
def emulator(tmp_path):
    with arm_emulator(str(tmp_path)) as emulator:
        yield emulator


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
def test_recovery_as_an_awx_job(tmp_path, emulator, make_backend, check):
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup`")
    backend = make_backend("sqlite")
    database, url = Path(backend.target.path), backend.referee_url
    backend.p3009(tmp_path)
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


STAND_IN = """#!/usr/bin/python
# Stand-in for awx.awx.{name} {version}: its argument spec, Ansible's own validation, and a record of the call.
import json
import re
import os

from ansible.module_utils.basic import AnsibleModule

SPEC = json.loads({spec!r})


def main():
    module = AnsibleModule(argument_spec=SPEC)
    with open(os.environ["AWX_RECORD"], "a") as record:
        record.write(json.dumps({{"module": "{name}", "params": module.params}}) + "\\n")
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
"""


@pytest.fixture(scope="module")
def awx_objects(tmp_path_factory) -> dict[str, list[dict]]:
    """Run awx/job_templates.yml against stand-ins of the awx.awx modules; what each module was called with."""
    folder = tmp_path_factory.mktemp("awx")
    modules = folder / "ansible_collections" / "awx" / "awx" / "plugins" / "modules"
    modules.mkdir(parents=True)
    (modules.parent.parent / "galaxy.yml").write_text(f"namespace: awx\nname: awx\nversion: {AWX_AWX_VERSION}\n")
    for name, spec in MODULE_OPTIONS.items():
        (modules / f"{name}.py").write_text(STAND_IN.format(name=name, version=AWX_AWX_VERSION, spec=json.dumps(spec)))
    record = folder / "record.jsonl"
    completed = subprocess.run(
        [f"{BIN}/ansible-playbook", "awx/job_templates.yml"],
        cwd=ROOT,
        env={
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(folder),
            "LC_ALL": "C.UTF-8",
            "ANSIBLE_COLLECTIONS_PATH": f"{folder}:{ROOT}/.collections",
            "AWX_RECORD": str(record),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    # A wrong option name, type or choice fails here, as the real module would.
    assert completed.returncode == 0, completed.stdout + completed.stderr
    calls: dict[str, list[dict]] = {}
    for line in record.read_text().splitlines():
        call = json.loads(line)
        calls.setdefault(call["module"], []).append(call["params"])
    assert set(calls) == set(MODULE_OPTIONS)
    return calls


def templates(awx_objects) -> dict[str, dict]:
    return {template["name"]: template for template in awx_objects["job_template"]}


def production_workflow(awx_objects) -> dict:
    (workflow,) = awx_objects["workflow_job_template"]
    return workflow


def test_every_survey_is_one_awx_accepts(awx_objects):
    for template in [*awx_objects["job_template"], *awx_objects["workflow_job_template"]]:
        assert template["survey_enabled"]
        assert survey_spec_errors(template["survey_spec"]) == [], template["name"]


def test_every_workflow_node_is_one_awx_accepts(awx_objects):
    """A node is refused when saved if its extra_data holds a variable its job template does not accept."""
    job_templates = templates(awx_objects)
    nodes = production_workflow(awx_objects)["workflow_nodes"]
    identifiers = {node["identifier"] for node in nodes}
    for node in nodes:
        assert set(node) <= NODE_KEYS, node
        assert node["unified_job_template"]["type"] in NODE_TEMPLATE_TYPES
        assert set(node.get("related", {})) <= NODE_RELATIONS
        for relation in ("success_nodes", "failure_nodes", "always_nodes"):
            assert {link["identifier"] for link in node.get("related", {}).get(relation, [])} <= identifiers
        if node["unified_job_template"]["type"] == "job_template":
            template = job_templates[node["unified_job_template"]["name"]]
            _accepted, rejected, errors = accept_or_ignore_variables(
                template, node.get("extra_data") or {}, exclude_errors=("required",)
            )
            assert (rejected, errors) == ({}, {}), node["identifier"]


# Every answer set AWX's launch form can send (it sends each question, defaults filled in).
SURVEY_ANSWERS = [
    {"migration": BIO_INDEX, "state": state, "dry_run_open_firewall": opened}
    for state in ("rolled_back", "applied")
    for opened in ("false", "true")
]


@pytest.mark.parametrize("answers", SURVEY_ANSWERS, ids=lambda answers: "-".join(map(str, answers.values())))
def test_the_production_workflow_runs_every_node_against_prod_only(awx_objects, answers):
    workflow, job_templates = production_workflow(awx_objects), templates(awx_objects)
    accepted, _rejected, errors = accept_or_ignore_variables(workflow, answers)
    assert errors == {}
    variables = launch_variables(workflow, accepted)
    spawned = [node for node in workflow["workflow_nodes"] if node["unified_job_template"]["type"] == "job_template"]
    assert [node["identifier"] for node in spawned] == ["dry-run", "resolve"]
    for node in spawned:
        template = job_templates[node["unified_job_template"]["name"]]
        # The dry run's artifacts (its set_stats audit record) reach the resolve, below the workflow's variables.
        job = job_variables(template, node, variables, artifacts={"p3009_recovery_audit": {"environment": "prod"}})
        assert job["env"] == "prod", node["identifier"]
        assert job["migration"] == BIO_INDEX
        assert job["dbops_approved_in_workflow"] is True
        required = [element["variable"] for element in template["survey_spec"]["spec"] if element["required"]]
        assert all(job.get(variable) not in (None, "") for variable in required), node["identifier"]


@pytest.mark.parametrize(
    "launch",
    [{"migration": BIO_INDEX, "env": "test"}, {"migration": BIO_INDEX, "dbops_approved_in_workflow": False}, {}],
    ids=["env", "approval", "nothing"],
)
def test_the_production_workflow_refuses_any_other_launch(awx_objects, launch):
    _accepted, _rejected, errors = accept_or_ignore_variables(production_workflow(awx_objects), launch)
    assert errors


def test_the_rules_catch_what_the_first_definitions_got_wrong(awx_objects):
    """The first workflow: a survey defaulting env to test, and extra_data on a node whose template takes none."""
    job_templates = templates(awx_objects)
    first = {
        "extra_vars": {"env": "prod"},
        "survey_enabled": True,
        "survey_spec": job_templates["P3009 recovery (dry run)"]["survey_spec"],
    }
    assert launch_variables(first, {"migration": BIO_INDEX})["env"] == "test"
    _accepted, _rejected, errors = accept_or_ignore_variables(
        job_templates["P3009 recovery"], {"dbops_approved_in_workflow": True}, exclude_errors=("required",)
    )
    assert "extra_vars" in errors


def test_execution_environment_context_is_created(tmp_path):
    """ansible-builder lays out the image's build context: our requirements, bindep, the built collection and the
    galaxy requirements file that installs it, which its galaxy stage then installs as built."""
    completed = create_context(tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    build = tmp_path / "ctx" / "_build"
    assert "azure-keyvault-secrets" in (build / "requirements.txt").read_text()
    assert not re.search(r"^ansible-core", (build / "requirements.txt").read_text(), re.MULTILINE)
    assert "unixODBC" in (build / "bindep.txt").read_text()
    assert (build / "dbops" / f"backoffice-dbops-{VERSION}.tar.gz").is_file()
    assert "msodbcsql18" in containerfile(tmp_path / "ctx")
    installed = install_as_the_galaxy_stage(tmp_path / "ctx", tmp_path / "usr-share-ansible-collections")
    assert json.loads((installed / "MANIFEST.json").read_text())["collection_info"]["version"] == VERSION


def test_execution_environment_without_the_built_collection_is_refused(tmp_path):
    """Without dist/ (make dist), ansible-builder stops instead of laying out an image without the collection."""
    completed = create_context(tmp_path, with_dist=False)
    assert completed.returncode != 0
    assert "dist/requirements.yml does not exist" in completed.stdout + completed.stderr
    assert not (tmp_path / "ctx").exists()


def test_the_execution_environment_installs_the_version_galaxy_yml_names():
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    (source,) = [entry["src"] for entry in definition["additional_build_files"]]
    assert source == f"dist/backoffice-dbops-{VERSION}.tar.gz"


def test_the_production_workflow_dry_run_shows_the_plan_and_never_rehearses(awx_objects, make_backend, tmp_path):
    """The dry-run node as the workflow spawns it (its job type, its variables, inside a workflow job) against a
    protected prod in the P3009 state: the lock-impact plan, no rehearsal (an event trigger counts every DDL command
    the database runs, rolled back or not), nothing written."""
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup`")
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path)
    backend.execute(backend.fix_data)
    add_probes(backend)
    before, start = digest_without_probes(backend), probes(backend)
    workflow, job_templates = production_workflow(awx_objects), templates(awx_objects)
    accepted, _rejected, _errors = accept_or_ignore_variables(workflow, SURVEY_ANSWERS[0])
    (node,) = [node for node in workflow["workflow_nodes"] if node["identifier"] == "dry-run"]
    template = job_templates[node["unified_job_template"]["name"]]
    assert template["job_type"] == "check"
    job = job_variables(template, node, launch_variables(workflow, accepted))
    hosts = write_environments(
        tmp_path,
        {
            "prod": {
                "p3009_recovery_database_url": backend.url,
                "p3009_recovery_migrations_dir": str(migrations),
                "p3009_recovery_protected": True,
            }
        },
    )
    extra = json.dumps({**job, "awx_workflow_job_id": 7, "awx_job_id": 8})
    completed = subprocess.run(
        [f"{BIN}/ansible-playbook", "playbooks/recover_p3009.yml", "-i", str(hosts), "--check", "--diff", "-e", extra],
        cwd=ROOT, env=ansible_env(), capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    output = " ".join((completed.stdout + completed.stderr).split())
    assert completed.returncode == 0, output
    assert "Impact of statement 1 (CREATE INDEX): SHARE on User; writes wait; reads every row" in output, output
    assert "Rehearsal: not run: prod is protected: the rehearsal runs only after the confirmation" in output
    assert "Dry run: would mark 1 row(s)" in output
    assert probes(backend) == start
    assert digest_without_probes(backend) == before
