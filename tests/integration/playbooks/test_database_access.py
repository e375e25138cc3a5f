"""Both playbooks reach their databases through the database_access role, and the status playbook leaves the
recovery role alone (issue 18). The behaviour itself is the playbooks' tests' (test_status_playbook,
test_recover_playbook, test_waits)."""

from __future__ import annotations

import yaml

from ansible_collections.backoffice.dbops.tests.support.recovery import ROOT


def tasks_in(node):
    """Every task of a play or task list, blocks and their rescue/always sections included."""
    if isinstance(node, list):
        for item in node:
            yield from tasks_in(item)
    elif isinstance(node, dict):
        if "block" in node or "tasks" in node:
            for key in ("tasks", "block", "rescue", "always"):
                yield from tasks_in(node.get(key) or [])
        else:
            yield node


def included_roles(path):
    found = []
    for task in tasks_in(yaml.safe_load(path.read_text())):
        include = task.get("ansible.builtin.include_role") or task.get("include_role")
        if include:
            found.append((include["name"], include.get("tasks_from")))
    return found


def test_the_status_playbook_reaches_its_databases_through_database_access():
    playbook = ROOT / "playbooks" / "p3009_status.yml"
    roles = included_roles(playbook)
    assert {name for name, _tasks_from in roles} == {"backoffice.dbops.database_access"}
    assert {tasks_from for _name, tasks_from in roles} == {"connection_string.yml", "open.yml", "close.yml"}
    assert "roles/p3009_recovery" not in playbook.read_text()


def test_the_recovery_role_reaches_its_database_through_database_access():
    tasks = ROOT / "roles" / "p3009_recovery" / "tasks"
    roles = [role for name in ("connection_string.yml", "access.yml", "close_access.yml")
             for role in included_roles(tasks / name)]  # fmt: skip
    assert roles == [
        ("backoffice.dbops.database_access", "connection_string.yml"),
        ("backoffice.dbops.database_access", "open.yml"),
        ("backoffice.dbops.database_access", "close.yml"),
    ]


def test_every_entry_point_is_specified():
    role = ROOT / "roles" / "database_access"
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    entry_points = {path.stem for path in (role / "tasks").glob("*.yml")}
    assert set(specs) == entry_points == {"main", "connection_string", "open", "close"}
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text())
    options = {name for spec in specs.values() for name in spec["options"]}
    assert set(defaults) <= options and all(name.startswith("database_access_") for name in options)
