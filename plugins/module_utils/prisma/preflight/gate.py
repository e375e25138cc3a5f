# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The recovery's go/no-go after a preflight: whether the p3009_recovery role may resolve the migration as asked,
or which check stops it and what the operator must do (pure).

The role reads the gate as one record (filter backoffice.dbops.p3009_recovery_gate); it does not re-derive it from
the preflight's fields. Every stop names the override that lets a person who checked go on, and says nothing was
written; messages name counts and statement numbers, never sample values: they also go into the audit record.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import RESOLVED_AS

RESOLVE = "resolve"
NEEDS_OVERRIDE = "needs_override"
# The checks, in the order the role applies them: the first that stops the resolve is the one reported.
UNKNOWN = "unknown"
MISSING_STATEMENTS = "missing_statements"
APPLIED_STATEMENTS = "applied_statements"
REHEARSAL_TIMED_OUT = "rehearsal_timed_out"
DATA_NOT_FIXED = "data_not_fixed"
REPAIR_UNAVAILABLE = "repair_unavailable"
CHECKS = (UNKNOWN, REPAIR_UNAVAILABLE, MISSING_STATEMENTS, APPLIED_STATEMENTS, REHEARSAL_TIMED_OUT, DATA_NOT_FIXED)
# Statements whose effect decides what the history may say (a statement of another category changes no schema and
# no data the next deploy would meet).
LASTING = ("schema", "data", "unmodelled")


@dataclass(frozen=True)
class Intent:
    """What the operator asked of the role: the migration, the state to resolve it to, and the overrides given."""

    migration: str
    state: str
    accept_partial: bool = False
    # The migration a person checked by hand (accept_unknown=<name>); only that one is accepted.
    accept_unknown: str = ""
    resolve_without_fix: bool = False
    # Why the rehearsal did not run in this pass when the role held it (a protected environment); "" otherwise.
    rehearsal_held: str = ""
    # revert or complete (-e repair=...): the repair runs the preflight's script before resolving; "" otherwise.
    repair: str = ""


def gate(result: dict, intent: Intent) -> dict:
    """The gate record: `action` (resolve, or needs_override), `check` (the check that stops it, or None),
    `message` (what to do, or None), `redeploy_held` and `audit` (what the audit record may carry)."""
    check, message = _stop(result, intent)
    rehearsal = result["rehearsal"]
    return {
        "action": NEEDS_OVERRIDE if check else RESOLVE,
        "check": check,
        "message": message,
        # A redeploy waits for a rehearsal that succeeded, or one that could not run (its reason is in the record).
        "redeploy_held": bool(rehearsal["ran"] and not rehearsal["succeeded"]),
        "audit": audit_facts(result, intent),
    }


def statements_where(result: dict, present) -> list[int]:
    """The lasting statements whose effect is `present` (True, False; None: not judgeable), by index."""
    return [
        statement["index"]
        for statement in result["statements"]
        if statement["effect_present"] is present and statement["category"] in LASTING
    ]


def audit_facts(result: dict, intent: Intent) -> dict:
    """What the audit record keeps of the preflight: kinds, counts, indexes and outcomes; no sample, no message."""
    cause = result.get("cause") or {}
    offending = result.get("offending") or {}
    rehearsal = result["rehearsal"]
    return {
        "cause_kind": cause.get("kind"),
        "cause_statement_index": cause.get("statement_index"),
        "offending_count": offending.get("count"),
        "verdict": result["verdict"],
        "applied_statements": statements_where(result, True),
        "rehearsal": {
            "ran": rehearsal["ran"],
            "succeeded": rehearsal["succeeded"],
            "failed_statement_index": rehearsal["failed_statement_index"],
            "error_kind": rehearsal["error_kind"],
            "skipped_reason": rehearsal_not_run_reason(rehearsal, intent),
            "timed_out": rehearsal["timed_out"],
        },
        "advice": result["advice"],
        "unjudged_statements": [statement["index"] for statement in result.get("unjudged") or []],
        "accept_partial": intent.accept_partial,
        # The person who checked by hand what the catalog could not tell, for this migration.
        "accept_unknown": intent.accept_unknown == intent.migration,
        "resolve_without_fix": intent.resolve_without_fix,
        "repair": _repair_facts(result, intent),
    }


def _repair_facts(result: dict, intent: Intent) -> dict | None:
    """The repair asked for, and the script shown before it ran: its SHA-256 and statement count; never its text."""
    if not intent.repair:
        return None
    shown = (result.get("repair") or {}).get(intent.repair) or {}
    return {"kind": intent.repair, "sha256": shown.get("sha256"), "statements": shown.get("statements") or []}


def rehearsal_not_run_reason(rehearsal: dict, intent: Intent) -> str | None:
    """Why the rehearsal did not run: the role's hold, else the module's own reason."""
    return intent.rehearsal_held or rehearsal["skipped_reason"]


def _stop(result: dict, intent: Intent) -> tuple[str | None, str | None]:
    migration, verdict = intent.migration, result["verdict"]
    rolled_back = intent.state == "rolled_back"
    if verdict == "unknown" and intent.accept_unknown != migration:
        return UNKNOWN, _unknown(result, migration)
    if intent.repair:
        stop = _repair_stop(result, intent)
        if stop is not None:
            return REPAIR_UNAVAILABLE, stop
        return _data_stop(result, intent, migration)
    if (
        intent.state == "applied"
        # A pending migration marked applied is a baseline (its schema made another way), as Prisma allows.
        and result["migration_state"] == "failed"
        and verdict in ("none", "partial")
        and not intent.accept_partial
    ):
        return MISSING_STATEMENTS, (
            f"{migration} has statement(s) {_indexes(statements_where(result, False))} not in effect (verdict "
            f"{verdict}): applied would make Prisma skip them for good. Nothing was written. "
            "Run them with -e repair=complete (the completion script above), or re-run with -e accept_partial=true "
            "once the schema is as the migration leaves it."
        )
    if rolled_back and verdict in ("partial", "complete") and not intent.accept_partial:
        return APPLIED_STATEMENTS, (
            f"{migration} left statement(s) {_indexes(statements_where(result, True))} applied (verdict {verdict}): "
            "rolled back would make the next deploy run them again. Nothing was written. Undo them with "
            "-e repair=revert or run the rest with -e repair=complete (the scripts above); after compensating by hand, "
            "re-run with -e accept_partial=true."
        )
    if not rolled_back or intent.resolve_without_fix:
        return None, None
    return _data_stop(result, intent, migration)


def _repair_stop(result: dict, intent: Intent) -> str | None:
    """Why the repair asked for cannot run, or None."""
    migration, repair = intent.migration, intent.repair
    if RESOLVED_AS.get(repair) != intent.state:
        return (
            f"repair={repair} resolves the migration as {RESOLVED_AS.get(repair, '?')}, not {intent.state}. Nothing "
            "was written. Leave out -e state (or pass the state the repair resolves it as)."
        )
    if result["migration_state"] != "failed" or not result.get("repair"):
        return (
            f"No repair is derived for {migration} (it is {result['migration_state']}, verdict {result['verdict']}): "
            "a repair needs a failed migration whose statements are all judged. Nothing was written."
        )
    revert = result["repair"]["revert"]
    if repair == "revert" and not revert["lossless"]:
        refused = "; ".join(
            f"statement {entry['index']} ({entry['label']}): {entry['reason']}" for entry in revert["refused"]
        )
        return (
            f"{migration} cannot be reverted without losing what it changed: {refused}. Nothing was written. "
            "Complete it instead (-e repair=complete), or restore by hand what the statement removed."
        )
    return None


def _data_stop(result: dict, intent: Intent, migration: str) -> tuple[str | None, str | None]:
    """A rehearsal stopped at its deadline, or one that fails, or rows in the way (unless resolve_without_fix)."""
    rehearsal = result["rehearsal"]
    verdict = result["verdict"]
    if intent.resolve_without_fix:
        return None, None
    if rehearsal["timed_out"]:
        return REHEARSAL_TIMED_OUT, (
            f"The rehearsal of {migration} was stopped at statement {rehearsal['failed_statement_index'] or '?'} "
            f"and rolled back ({rehearsal['error']}): whether it will succeed is not known. Nothing was written. "
            "Raise p3009_recovery_preflight_rehearsal_timeout when the database is quiet, or check the migration by "
            "hand and run again with -e resolve_without_fix=true."
        )
    offending = result.get("offending")
    in_the_way = bool(offending and offending["count"])
    failing = rehearsal["ran"] and not rehearsal["succeeded"]
    # A repair runs the failed statement again (the completion, or the redeploy after a revert): rows in the way
    # stop it whatever the verdict.
    if (verdict in ("partial", "complete") and not intent.repair) or not (
        failing or (not rehearsal["ran"] and in_the_way)
    ):
        return None, None
    cause = result.get("cause")
    index = rehearsal["failed_statement_index"] or (cause.get("statement_index") if cause else "?")
    kind = rehearsal["error_kind"] or (cause.get("kind") if cause else "unknown")
    rows = (
        f": {offending['count']} row(s) of {offending['table']} in the way, listed above with the query that finds them"
        if in_the_way
        else ""
    )
    return DATA_NOT_FIXED, (
        f"Will fail at statement {index} ({kind}){rows}. Resolving now would only bring P3009 back on the next "
        "deploy. Nothing was written. Fix the data and run again (-e resolve_without_fix=true resolves anyway)."
    )


def _unknown(result: dict, migration: str) -> str:
    unjudged = result.get("unjudged") or []
    listed = "".join(
        f"statement {statement['index']} ({statement['label']}): {statement['reason']}; " for statement in unjudged
    )
    advice = "" if unjudged else f"{result['advice_text']} "
    return (
        f"What {migration} left behind cannot be told from the catalog (verdict unknown), so neither rolled back nor "
        f"applied is safe: {listed}{advice}Nothing was written. Once a person has checked, re-run with "
        f"-e accept_unknown={migration}."
    )


def _indexes(indexes: list[int]) -> str:
    return ", ".join(map(str, indexes))
