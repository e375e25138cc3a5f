"""Planning `prisma migrate resolve` against a reference model transcribed from Prisma's Rust commands."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import PrismaError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import (
    LocalMigration,
    MigrationRecord,
    compute_checksum,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.resolve_plan import (
    apply_plan,
    plan_applied,
    plan_rolled_back,
    touched_rows_diff,
)

T0 = datetime(2020, 11, 27, 13, 49, 38, 123000, tzinfo=UTC)
NAMES = ["20201127134937_init", "20201127134938_added_bio_index", "20201201000000_other"]


def row(id_, name, *, finished=False, rolled_back=False, offset=0):
    return MigrationRecord(
        id=id_,
        migration_name=name,
        checksum="c" * 64,
        started_at=T0 + timedelta(seconds=offset),
        finished_at=T0 + timedelta(seconds=offset + 1) if finished else None,
        rolled_back_at=T0 + timedelta(seconds=offset + 2) if rolled_back else None,
    )


# The reference: mark_migration_rolled_back.rs / mark_migration_applied.rs, step by step.
def reference_rolled_back(rows, name):
    if rows is None:
        return ("error", None)
    relevant = [r for r in rows if r.migration_name == name]
    if not relevant:
        return ("error", "P3011")
    if all(r.finished_at is not None for r in relevant):
        return ("error", "P3012")
    return ("ok", [r.id for r in relevant if r.finished_at is None and r.rolled_back_at is None])


def reference_applied(rows, name, local_names):
    if name not in local_names:
        return ("error", "P3017")
    relevant = [r for r in rows or [] if r.migration_name == name]
    if any(r.finished_at is not None for r in relevant):
        return ("error", "P3008")
    return ("ok", [r.id for r in relevant if r.finished_at is None and r.rolled_back_at is None])


histories = st.lists(
    st.tuples(st.sampled_from([*NAMES, "x'); DELETE FROM _prisma_migrations; --"]), st.booleans(), st.booleans()),
    max_size=8,
).map(
    lambda items: [
        row(f"id-{index}", name, finished=finished, rolled_back=rolled_back, offset=index * 10)
        for index, (name, finished, rolled_back) in enumerate(items)
    ]
)
names = st.sampled_from([*NAMES, "20201127134938_added_bio_inde", "x'); DELETE FROM _prisma_migrations; --"])


def outcome(function, *args, **kwargs):
    try:
        plan = function(*args, **kwargs)
    except DbopsError as error:
        return ("error", error.code), None
    return ("ok", [r.id for r in plan.roll_back]), plan


@settings(max_examples=400, deadline=None)
@given(rows=st.one_of(st.none(), histories), name=names)
def test_rolled_back_matches_prisma(rows, name):
    ours, plan = outcome(plan_rolled_back, rows, name)
    assert ours == reference_rolled_back(rows, name)
    if plan is not None:
        assert plan.insert is None and not plan.create_table
        assert plan.changed == bool(plan.roll_back)


@settings(max_examples=400, deadline=None)
@given(rows=st.one_of(st.none(), histories), name=names, local_names=st.sets(st.sampled_from(NAMES)))
def test_applied_matches_prisma(rows, name, local_names):
    local = [LocalMigration(n, f"-- {n}\nSELECT 1;\n") for n in sorted(local_names)]
    ours, plan = outcome(plan_applied, rows, name, local, new_id="new", now=T0)
    assert ours == reference_applied(rows, name, local_names)
    if plan is not None:
        assert plan.create_table == (rows is None)
        inserted = plan.insert
        assert inserted.id == "new" and inserted.migration_name == name
        assert inserted.checksum == compute_checksum(f"-- {name}\nSELECT 1;\n")
        assert inserted.started_at == inserted.finished_at == T0
        assert inserted.logs == "" and inserted.applied_steps_count == 0 and inserted.rolled_back_at is None
        after = apply_plan(rows, plan, T0 + timedelta(hours=1))
        assert [r.state for r in after if r.migration_name == name][-1] == "applied"
        assert not [r for r in after if r.migration_name == name and r.state == "failed"]


def test_p3011_names_the_migrations_failed_right_now():
    rows = [row("a", NAMES[0], finished=True), row("b", NAMES[1], offset=5), row("c", NAMES[2], offset=9)]
    with pytest.raises(PrismaError) as error:
        plan_rolled_back(rows, "20201127134938_added_bio_inde")
    assert error.value.code == "P3011"
    assert error.value.message == (
        "Migration `20201127134938_added_bio_inde` cannot be rolled back because it was never applied to the "
        'database. Hint: did you pass in the whole migration name? (example: "20201207184859_initial_migration")'
    )
    assert f"`{NAMES[1]}`, `{NAMES[2]}`" in error.value.hint


def test_p3012_message():
    with pytest.raises(PrismaError) as error:
        plan_rolled_back([row("a", NAMES[0], finished=True)], NAMES[0])
    assert error.value.message == (f"Migration `{NAMES[0]}` cannot be rolled back because it is not in a failed state.")


def test_rolled_back_without_table_is_prismas_invariant_error():
    with pytest.raises(DbopsError) as error:
        plan_rolled_back(None, NAMES[1])
    assert error.value.code is None
    assert "without migrations table" in error.value.message


def test_several_failed_rows_of_one_name_are_all_rolled_back():
    rows = [row("a", NAMES[1]), row("b", NAMES[1], rolled_back=True, offset=3), row("c", NAMES[1], offset=6)]
    assert [r.id for r in plan_rolled_back(rows, NAMES[1]).roll_back] == ["a", "c"]


def test_nothing_left_to_roll_back_is_unchanged():
    rows = [row("a", NAMES[1], rolled_back=True), row("b", NAMES[1], finished=True, offset=4)]
    plan = plan_rolled_back(rows, NAMES[1])
    assert not plan.changed


def test_applied_messages():
    with pytest.raises(PrismaError) as error:
        plan_applied([], "nope", [LocalMigration(NAMES[0], "")], new_id="n", now=T0)
    assert error.value.code == "P3017"
    assert error.value.message.startswith("The migration nope could not be found.")
    with pytest.raises(PrismaError) as error:
        plan_applied([row("a", NAMES[0], finished=True)], NAMES[0], [LocalMigration(NAMES[0], "")], new_id="n", now=T0)
    assert error.value.code == "P3008"
    assert error.value.message == f"The migration `{NAMES[0]}` is already recorded as applied in the database."


def test_applied_with_unreadable_script_is_p3017():
    with pytest.raises(PrismaError) as error:
        plan_applied([], NAMES[0], [LocalMigration(NAMES[0], None)], new_id="n", now=T0)
    assert error.value.code == "P3017"


def test_diff_shows_only_touched_rows():
    rows = [row("a", NAMES[0], finished=True), row("b", NAMES[1], offset=5)]
    plan = plan_rolled_back(rows, NAMES[1])
    after = apply_plan(rows, plan, T0 + timedelta(days=1))
    diff = touched_rows_diff(rows, after, plan)
    assert '"id": "b"' in diff["before"] and '"id": "a"' not in diff["before"]
    assert '"state": "failed"' in diff["before"] and '"state": "rolled_back"' in diff["after"]


@pytest.mark.parametrize("problem", ["migration.sql is not a regular file", "migration.sql is not valid UTF-8 (...)"])
def test_applied_refuses_a_file_it_cannot_checksum(problem):
    with pytest.raises(DbopsError) as error:
        plan_applied([], NAMES[0], [LocalMigration(NAMES[0], None, problem=problem)], new_id="n", now=T0)
    assert problem in error.value.message and error.value.code is None
