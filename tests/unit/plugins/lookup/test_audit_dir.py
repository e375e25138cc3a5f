"""Where the audit record goes: never the playbook's folder, which is inside the read-only installed collection."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.lookup.audit_dir import audit_directory


def test_the_role_variable_wins_over_the_environment():
    assert audit_directory("/srv/audit", {"DBOPS_AUDIT_DIR": "/var/audit"}, "/home/ops", under_awx=False) == (
        "/srv/audit"
    )


def test_the_environment_wins_over_the_working_directory():
    assert audit_directory("", {"DBOPS_AUDIT_DIR": "/var/audit"}, "/home/ops", under_awx=False) == "/var/audit"


def test_the_default_is_audit_in_the_working_directory():
    assert audit_directory("", {}, "/home/ops/run", under_awx=False) == "/home/ops/run/audit"


def test_relative_folders_are_relative_to_the_working_directory():
    assert audit_directory("records/p3009", {}, "/home/ops", under_awx=False) == "/home/ops/records/p3009"
    assert audit_directory("", {"DBOPS_AUDIT_DIR": "../a"}, "/home/ops/run", under_awx=False) == "/home/ops/a"


def test_awx_writes_no_file_unless_asked():
    assert audit_directory("", {}, "/runner/project", under_awx=True) == ""
    assert audit_directory(" ", {"DBOPS_AUDIT_DIR": " "}, "/runner/project", under_awx=True) == ""
    assert audit_directory("", {"DBOPS_AUDIT_DIR": "/audit"}, "/runner/project", under_awx=True) == "/audit"
    assert audit_directory("/audit", {}, "/runner/project", under_awx=True) == "/audit"
