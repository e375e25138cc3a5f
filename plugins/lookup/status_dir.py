# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: status_dir
short_description: Where the fleet status report files go
version_added: 0.3.0
description:
  - Returns the absolute folder C(playbooks/p3009_status.yml) and C(playbooks/p3009_status_merge.yml) write their
    JSON report and JUnit XML to.
  - "The first that is set: the controller's C(DBOPS_STATUS_DIR) environment variable; the artifacts folder of the
    job when the playbook runs under ansible-runner - which is how AWX runs jobs - (ansible-runner gives it to the
    playbook as C(AWX_ISOLATED_DATA_DIR), C(artifacts/<ident>) in the job's private data folder; AWX's worker
    streams that folder back with the job's events); C(p3009-status) in the working directory of the
    C(ansible-playbook) process."
  - A relative C(DBOPS_STATUS_DIR) is taken relative to that working directory, never to the playbook's folder,
    which is inside the (read-only) installed collection.
author:
  - Backoffice platform team (@backoffice-platform)
"""

EXAMPLES = r"""
- name: Choose the report folder
  ansible.builtin.set_fact:
    report_folder: "{{ lookup('backoffice.dbops.status_dir') }}"
"""

RETURN = r"""
_raw:
  description: The absolute folder.
  type: list
  elements: str
"""

import os
from collections.abc import Mapping

from ansible.plugins.lookup import LookupBase

ENVIRONMENT_VARIABLE = "DBOPS_STATUS_DIR"
# What ansible-runner sets for the playbook it runs: the job's artifacts folder (ansible_runner.config._base).
RUNNER_ARTIFACTS = "AWX_ISOLATED_DATA_DIR"
DEFAULT_FOLDER = "p3009-status"


def status_directory(environ: Mapping[str, str], cwd: str) -> str:
    """The folder the report files go to (absolute)."""
    chosen = environ.get(ENVIRONMENT_VARIABLE, "").strip() or environ.get(RUNNER_ARTIFACTS, "").strip()
    return os.path.normpath(os.path.join(cwd, os.path.expanduser(chosen or DEFAULT_FOLDER)))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [status_directory(os.environ, os.getcwd())]
