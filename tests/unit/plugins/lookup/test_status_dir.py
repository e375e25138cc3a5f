"""Where the fleet status report files go: never $PWD as the shell saw it, never the installed collection."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.lookup.status_dir import status_directory


def test_dbops_status_dir_wins_over_the_runners_artifacts():
    environ = {"DBOPS_STATUS_DIR": "/srv/status", "AWX_ISOLATED_DATA_DIR": "/runner/artifacts/7"}
    assert status_directory(environ, "/runner/project") == "/srv/status"


def test_under_ansible_runner_the_jobs_artifacts_folder():
    assert status_directory({"AWX_ISOLATED_DATA_DIR": "/runner/artifacts/7"}, "/runner/project") == (
        "/runner/artifacts/7"
    )


def test_otherwise_the_real_working_directory_whatever_pwd_says():
    assert status_directory({"PWD": "/somewhere/else"}, "/home/ops/run") == "/home/ops/run/p3009-status"
    assert status_directory({}, "/home/ops/run") == "/home/ops/run/p3009-status"


def test_a_relative_folder_is_relative_to_the_working_directory():
    assert status_directory({"DBOPS_STATUS_DIR": "reports/"}, "/home/ops") == "/home/ops/reports"
    assert status_directory({"DBOPS_STATUS_DIR": " "}, "/home/ops") == "/home/ops/p3009-status"
