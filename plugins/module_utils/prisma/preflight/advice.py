# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What to do next, in one sentence an on-call engineer can act on (pure)."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.causes import DATA_KINDS

ADVICE = (
    "fix_data_then_retry",
    "retry",
    "revert_then_retry",
    "complete_then_applied",
    "mark_applied",
    "check_by_hand",
    "investigate",
)

RETRY = "resolve it as rolled back and redeploy"
# How much of a statement's opening words the advice quotes.
LABEL_LIMIT = 60


def advise(
    migration: str, state: str, judgement, cause, offending, rehearsal, statements=None, repair=None
) -> tuple[str, str]:
    """`statements`: index -> Statement, to name the statements that could not be judged; `repair`: the repairs
    derived from the verdict (preflight/repair.py), to name the one to run."""
    if state == "applied":
        return "investigate", f"{migration} is already applied: there is nothing to recover."
    verdict = judgement.verdict
    applied = judgement.applied
    if verdict == "complete":
        return (
            "mark_applied",
            f"Every statement of {migration} has taken effect: mark it applied (state=applied); rolling it back "
            "would make the next deploy run it again over what exists.",
        )
    if verdict == "partial":
        lasting = judgement.lasting
        missing = [index for index, present in judgement.present.items() if present is False and index in lasting]
        data = (
            f" once the rows in its way are fixed ({describe(offending)})"
            if offending is not None and offending.count
            else ""
        )
        done = f"{_statements(applied)} of {migration} took effect and {_statements(missing, lower=True)} did not"
        complete = f"run the rest with repair=complete (the completion script){data}, which marks it applied"
        if repair is not None and repair.lossless:
            return (
                "revert_then_retry",
                f"{done}: undo {_statements(applied, lower=True)} with repair=revert (the revert script), which "
                f"resolves it as rolled back, and redeploy{data}; or {complete}.",
            )
        refused = "; ".join(
            f"statement {refusal.index}: {refusal.reason}" for refusal in (repair.refused if repair else ())
        )
        return (
            "complete_then_applied",
            f"{done}: {complete}. It cannot be reverted safely ({refused or 'what took effect is not derived'}).",
        )
    if verdict == "unknown":
        return "check_by_hand", unknown_text(migration, judgement, statements or {})
    if judgement.conflicts:
        return (
            "investigate",
            f"Nothing of {migration} took effect, but a retry would fail: {'; '.join(judgement.conflicts)}.",
        )
    if cause is not None and cause.kind in NOT_RETRIED:
        return "investigate", not_retried(migration, cause, rehearsal)
    if offending is not None and offending.count:
        where = (
            f" at statement {offending_statement(cause, rehearsal)}" if offending_statement(cause, rehearsal) else ""
        )
        return "fix_data_then_retry", f"Will fail{where}: {describe(offending)}; fix them, then {RETRY}."
    if rehearsal.ran:
        if rehearsal.timed_out:
            at = f" at statement {rehearsal.failed_statement_index}" if rehearsal.failed_statement_index else ""
            return (
                "investigate",
                f"The rehearsal was stopped{at} and rolled back ({rehearsal.error}): it cannot tell whether "
                f"{migration} will succeed. Rehearse it again with a larger rehearsal_timeout when the database is "
                "quiet, or check it by hand before resolving.",
            )
        if rehearsal.succeeded:
            return (
                "retry",
                f"Will succeed: nothing of {migration} took effect and a rehearsal ran it without error; {RETRY}.",
            )
        return (
            "investigate",
            f"A rehearsal fails at statement {rehearsal.failed_statement_index} ({rehearsal.error_kind}: "
            f"{rehearsal.error}): fix the cause before resolving.",
        )
    not_rehearsed = f" (not rehearsed: {rehearsal.skipped_reason})" if rehearsal.skipped_reason else ""
    if cause is None or cause.kind in (*DATA_KINDS, "lock_timeout"):
        fixed = (
            f"the rows that made it fail ({cause.kind}) are gone"
            if cause is not None and cause.kind in DATA_KINDS and offending is not None
            else "nothing of it took effect"
        )
        return "retry", f"{fixed[0].upper()}{fixed[1:]}{not_rehearsed}: {RETRY}."
    at = f" at statement {cause.statement_index}" if cause.statement_index else ""
    return (
        "investigate",
        f"{migration} failed{at} with {cause.kind} ({cause.message.splitlines()[0] if cause.message else 'no message'})"
        f"{not_rehearsed}: fix the cause before resolving.",
    )


def unknown_text(migration: str, judgement, statements: dict) -> str:
    """Each statement the catalog could not judge, and what a person must check, then how to go on."""
    if judgement.mismatches:
        what = judgement.reasons[min(judgement.reasons)] if judgement.reasons else "changed by hand?"
        head = f"What {migration} left behind cannot be told: {what}"
    else:
        parts = []
        for index in judgement.unjudged:
            statement = statements.get(index)
            named = f" ({label(statement)})" if statement is not None else ""
            parts.append(f"statement {index}{named}: {judgement.reasons[index]}")
        head = f"What {migration} left behind cannot be told from the catalog: " + "; ".join(parts)
    return (
        f"{head}. Nothing should be resolved until a person has checked; then resolve it as rolled back or "
        f"applied with accept_unknown={migration}."
    )


def label(statement) -> str:
    """A statement by its opening words, up to its first string literal (a data migration's literals can be row
    values): `UPDATE "User" SET "balance" = "balance" * 100`."""
    flat = " ".join(statement.text.split())
    head = flat.split("'", 1)[0].rstrip()
    cut = head if len(head) <= LABEL_LIMIT else head[: LABEL_LIMIT - 3].rstrip()
    return cut if cut == flat else f"{cut} ..."


# Causes a redeploy of the same migration.sql meets again whatever the data, so never `retry`, even after a rehearsal
# that succeeded: the rehearsal sends each statement whole, under its own limits.
NOT_RETRIED = ("unsupported_by_adapter", "syntax_error", "statement_timeout")


def not_retried(migration: str, cause, rehearsal) -> str:
    statement = f"statement {cause.statement_index} (`{_first_line(cause.statement)}`)" if cause.statement_index else ""
    at = f" at {statement}" if statement else ""
    error = _first_line(cause.message) or "no message"
    rehearsed = rehearsal.ran and rehearsal.succeeded
    if cause.kind == "unsupported_by_adapter":
        return (
            f"{statement[0].upper()}{statement[1:]} of {migration} has a `;` inside a quoted body, string or comment: "
            f"Prisma's driver adapter sends migration.sql cut at every `;`, so the database got a fragment of it "
            f"({error}); the data is not the cause and a redeploy through the adapter fails the same way"
            + (
                " (the rehearsal sends each statement whole, so its success says nothing about that)"
                if rehearsed
                else ""
            )
            + ". Apply the migration without the adapter (Prisma's native engine, or by hand) before resolving."
        )
    if cause.kind == "statement_timeout":
        return (
            f"{migration} was cancelled{at} by a statement timeout ({error}): a redeploy meets the same limit unless "
            "the deploy's timeout is raised or the statement runs faster (less load, less data)"
            + (" - the rehearsal ran it under its own limit, not the deploy's" if rehearsed else "")
            + ". Decide that before resolving."
        )
    if rehearsed:
        return (
            f"{migration} failed{at} with a syntax error ({error}), and a rehearsal of migration.sql as it is now runs "
            "without error: the file changed since it failed. Check the change is what should be deployed before "
            "resolving."
        )
    return (
        f"{migration} failed{at} with a syntax error ({error}): a redeploy of the same migration.sql fails the same "
        "way. Correct the migration before resolving."
    )


def _first_line(text: str | None) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


def offending_statement(cause, rehearsal):
    if rehearsal.ran and rehearsal.failed_statement_index:
        return rehearsal.failed_statement_index
    return cause.statement_index if cause is not None else None


def describe(offending) -> str:
    """The rows in the way, with the first sample when samples were asked for (sample_size > 0)."""
    plan = offending.plan
    table = plan.table.name
    columns = ", ".join(plan.columns)
    first = offending.samples[0] if offending.samples else None
    rows = _rows(offending.count)
    if plan.kind == "unique_violation":
        if first and offending.groups == 1:
            return f"{rows} of {table} share {_values(first)}"
        example = f", e.g. {_values(first)} in {first['rows']} rows" if first else ""
        return f"{rows} of {table} share {offending.groups} duplicated {columns} value(s){example}"
    if plan.kind == "foreign_key_violation":
        example = f", e.g. {_values(first)}" if first else ""
        return f"{rows} of {table} reference {columns} value(s) with no parent row{example}"
    if plan.kind == "not_null_violation":
        example = f", e.g. {_values(first)}" if first else ""
        return f"{rows} of {table} have no {columns}{example}"
    example = f", e.g. {_values(first)}" if first else ""
    return f"{rows} of {table} fail the CHECK condition{example}"


def _rows(count: int) -> str:
    return f"{count} row" + ("" if count == 1 else "s")


def _values(sample: dict) -> str:
    return ", ".join(f"{column} {value!r}" for column, value in sample["values"].items())


def _statements(indexes, lower=False) -> str:
    word = "statement" if len(indexes) == 1 else "statements"
    text = f"{word} {', '.join(map(str, indexes))}"
    return text if lower else text[0].upper() + text[1:]
