# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the p3009_recovery role reads its decisions and its record from: the gate after a preflight
(preflight/gate.py), and the audit record and its file name (audit_trail.py, which reads the records back)."""

from __future__ import annotations

from datetime import UTC, datetime

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.audit_trail import audit_file_name, audit_record
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.gate import Intent, gate


def p3009_recovery_gate(
    preflight,
    migration,
    state,
    accept_partial=False,
    accept_unknown="",
    resolve_without_fix=False,
    rehearsal_held="",
    repair="",
):
    intent = Intent(
        migration=str(migration),
        state=str(state),
        accept_partial=boolean(accept_partial, strict=False),
        accept_unknown=str(accept_unknown or ""),
        resolve_without_fix=boolean(resolve_without_fix, strict=False),
        rehearsal_held=str(rehearsal_held or ""),
        repair=str(repair or ""),
    )
    return gate(dict(preflight), intent)


def p3009_recovery_audit_record(run):
    return audit_record(datetime.now(UTC), dict(run))


def p3009_recovery_audit_file(record):
    return audit_file_name(dict(record))


class FilterModule:
    def filters(self):
        return {
            "p3009_recovery_gate": p3009_recovery_gate,
            "p3009_recovery_audit_record": p3009_recovery_audit_record,
            "p3009_recovery_audit_file": p3009_recovery_audit_file,
        }
