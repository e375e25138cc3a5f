# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: audit_dir
short_description: Where the recovery's audit record goes, outside the installed collection
version_added: 0.1.0
description:
  - Returns the absolute folder for the audit record of M(backoffice.dbops.prisma_migration_resolve) runs made by the
    role C(backoffice.dbops.p3009_recovery), or an empty string for none.
  - "The first that is set: the term (the role's C(p3009_recovery_audit_dir)); the controller's C(DBOPS_AUDIT_DIR)
    environment variable; C(audit) in the current working directory of C(ansible-playbook), unless O(under_awx)
    is true (AWX keeps the job's C(set_stats) artifact as the record)."
  - A relative folder is taken relative to the current working directory of C(ansible-playbook), never to the
    playbook's folder, which is inside the (read-only) installed collection.
author:
  - Backoffice platform team (@backoffice-platform)
options:
  _terms:
    description: The configured folder; empty for the default.
    type: str
  under_awx:
    description: Whether the run is an AWX job; then there is no default folder.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Choose the audit folder
  ansible.builtin.set_fact:
    audit_folder: "{{ lookup('backoffice.dbops.audit_dir', '', under_awx=awx_job_id is defined) }}"
"""

RETURN = r"""
_raw:
  description: The absolute folder, or an empty string when no file is to be written.
  type: list
  elements: str
"""

import os
from collections.abc import Mapping

from ansible.plugins.lookup import LookupBase

ENVIRONMENT_VARIABLE = "DBOPS_AUDIT_DIR"


def audit_directory(configured: str, environ: Mapping[str, str], cwd: str, *, under_awx: bool) -> str:
    """The folder the audit record goes to (absolute), or "" for none."""
    chosen = (configured or "").strip() or environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not chosen:
        chosen = "" if under_awx else "audit"
    if not chosen:
        return ""
    return os.path.normpath(os.path.join(cwd, os.path.expanduser(chosen)))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        configured = terms[0] if terms else ""
        return [audit_directory(configured, os.environ, os.getcwd(), under_awx=self.get_option("under_awx"))]
