"""Whether the holder of Prisma's migrate lock may be ended, and why not; what it is doing, never its values."""

from datetime import UTC, datetime

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import statement_kind
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrate_lock import (
    BUSY,
    IN_TRANSACTION,
    OTHER_SESSION,
    RECENTLY_ACTIVE,
    REFUSALS,
    SEVERAL_HOLDERS,
    UNKNOWN_HOLDER,
    HolderNotReleasable,
    MigrateLockRelease,
    decide_release,
    describe_activity,
    lock_state,
    min_idle,
    plain_holder,
    refusal,
    same_session,
)


def holder(session=4711, state="idle", idle=600.0, running=None, kind=None, **extra):
    return {
        "session": session,
        "state": state,
        "idle_seconds": idle,
        "running_seconds": running,
        "statement_kind": kind,
        **extra,
    }


IDLE = holder()
RUNNING = holder(state="running", idle=None, running=12.4, kind="SELECT")
IN_TX = holder(state="idle_in_transaction", idle=900.0)


def kind_of(problem):
    return None if problem is None else problem.error_kind


@pytest.mark.parametrize(
    ("shown", "minimum", "session", "expected"),
    [
        (IDLE, 300, None, None),
        (IDLE, 600, None, None),
        (IDLE, 601, None, RECENTLY_ACTIVE),
        (IDLE, 0, None, None),
        (holder(idle=0.0), 0, None, None),
        (holder(idle=None), 0, None, RECENTLY_ACTIVE),
        (IDLE, 300, "4711", None),
        (IDLE, 300, 4711, None),
        (IDLE, 300, " 4711 ", None),
        (IDLE, 300, "4712", OTHER_SESSION),
        (RUNNING, 0, None, BUSY),
        (RUNNING, 0, "4711", BUSY),
        (RUNNING, 0, "9", OTHER_SESSION),
        (IN_TX, 0, None, IN_TRANSACTION),
        (holder(state=None), 0, None, BUSY),
        (holder(state="Sleep"), 0, None, BUSY),
        ({"session": None, "detail": "a session this login cannot see"}, 0, None, UNKNOWN_HOLDER),
        ({"session": None}, 0, "4711", UNKNOWN_HOLDER),
    ],
)
def test_who_may_be_ended(shown, minimum, session, expected):
    assert kind_of(refusal(shown, minimum, session)) == expected


def test_every_refusal_says_nothing_was_ended_and_what_to_do():
    for shown, session in (
        (IDLE, "1"),
        (RUNNING, None),
        (IN_TX, None),
        (holder(state=None), None),
        ({"session": None}, None),
    ):
        problem = refusal(shown, 10_000, session)
        assert isinstance(problem, DbopsError) and problem.error_kind in REFUSALS
        assert problem.message.endswith("Nothing was ended.") and problem.hint


def test_a_busy_holder_is_named_with_what_it_runs():
    problem = refusal(holder(state="running", idle=None, running=42.6, kind="CREATE INDEX"), 0)
    assert problem.message.startswith(
        "Session 4711 holds Prisma's migrate lock and is running a CREATE INDEX statement for 43 s"
    )


def test_a_recent_holder_says_how_long_it_idled():
    problem = refusal(holder(idle=12.2), 300)
    assert "has been idle for 12 s, less than min_idle (300 s)" in problem.message


@pytest.mark.parametrize(
    ("shown", "phrase"),
    [
        (IDLE, "idle for 600 s"),
        (holder(idle=None), "idle"),
        (RUNNING, "running a SELECT statement for 12 s"),
        (holder(state="running", idle=None, running=None, kind=None), "running a statement"),
        (holder(state="running", idle=None, running=3, kind="other"), "running a statement for 3 s"),
        (IN_TX, "idle inside an open transaction for 900 s"),
        (holder(state=None), "in a state the database does not tell"),
    ],
)
def test_what_the_holder_is_doing(shown, phrase):
    assert describe_activity(shown) == phrase


def test_nobody_holding_the_lock_ends_nothing():
    decision = decide_release([], 300)
    assert decision.holder is None and decision.session is None
    assert decide_release([], 0, "4711").holder is None


def test_the_one_idle_holder_is_ended():
    assert decide_release([IDLE], 300).session == 4711
    assert decide_release([IDLE], 300, "4711").session == 4711


def test_a_holder_that_must_not_be_ended_raises():
    with pytest.raises(HolderNotReleasable) as refused:
        decide_release([RUNNING], 0)
    assert refused.value.error_kind == BUSY


def test_several_holders_need_the_session_named():
    other = holder(session=12)
    with pytest.raises(HolderNotReleasable) as refused:
        decide_release([IDLE, other], 0)
    assert refused.value.error_kind == SEVERAL_HOLDERS and "4711, 12" in refused.value.message
    assert decide_release([IDLE, other], 0, "12").session == 12
    with pytest.raises(HolderNotReleasable) as refused:
        decide_release([IDLE, other], 0, "13")
    assert refused.value.error_kind == OTHER_SESSION


def test_the_named_session_is_checked_too():
    with pytest.raises(HolderNotReleasable) as refused:
        decide_release([IDLE, holder(session=12, state="running", idle=None)], 0, "12")
    assert refused.value.error_kind == BUSY


@pytest.mark.parametrize(
    ("value", "ok"), [(0, True), (300, True), (365 * 86400, True), (-1, False), (365 * 86400 + 1, False)]
)
def test_min_idle_range(value, ok):
    if ok:
        assert min_idle(value) == value
    else:
        with pytest.raises(DbopsError) as refused:
            min_idle(value)
        assert refused.value.error_kind == "invalid_option" and "min_idle" in refused.value.message


@pytest.mark.parametrize(
    ("left", "right", "same"), [(42, "42", True), ("42", 42, True), (None, "42", False), (42, "43", False)]
)
def test_same_session(left, right, same):
    assert same_session(left, right) is same


def test_plain_holder_gives_timestamps_as_iso_utc():
    naive = datetime(2026, 11, 26, 10, 0, 3)
    aware = datetime(2026, 11, 26, 10, 0, 3, 500000, tzinfo=UTC)
    assert plain_holder({"since_latest": naive, "since_earliest": aware, "session": 1}) == {
        "since_latest": "2026-11-26T10:00:03Z",
        "since_earliest": "2026-11-26T10:00:03.500Z",
        "session": 1,
    }


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("SELECT pg_sleep(30), 'secret'", "SELECT"),
        ("select SLEEP(60)", "SELECT"),
        ('/* prisma */ CREATE UNIQUE INDEX "User_email_key" ON "User"("email")', "CREATE INDEX"),
        ("-- note\nALTER TABLE users ADD COLUMN bio text", "ALTER TABLE"),
        ("CREATE OR REPLACE VIEW v AS SELECT 1", "CREATE VIEW"),
        ("DROP TABLE IF EXISTS x", "DROP TABLE"),
        ("CREATE something_else", "CREATE"),
        ("INSERT INTO t VALUES ('alice@example.com')", "INSERT"),
        ("UPDATE accounts SET password = 'hunter2'", "UPDATE"),
        ("'hunter2' OR 1=1", "other"),
        ("42", "other"),
        ("EXEC sp_getapplock @Resource = N'prisma_migrate'", "EXEC"),
        ("WAITFOR DELAY '00:01:00'", "WAITFOR"),
    ],
)
def test_statement_kind_is_keywords_only(text, kind):
    assert statement_kind(text) == kind


def test_statement_kind_never_carries_a_value():
    for secret in ("hunter2", "alice@example.com", "User_email_key", "users"):
        for text in (f"SELECT '{secret}'", f"ALTER TABLE {secret} ADD x int", f"{secret} SELECT", f"/* {secret} */"):
            assert secret.upper() not in (statement_kind(text) or "")


class FakeLock:
    """A MigrateLock whose holders and release answers are given."""

    named_lock = True

    def __init__(self, holders, released=True, after=()):
        self.answers = [holders, *after]
        self.released = released
        self.ended = []

    def lock_holders(self, cursor):
        del cursor
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def release_holder(self, cursor, session, minimum):
        del cursor
        self.ended.append((session, minimum))
        return self.released


class FakeConnection:
    def cursor(self):
        return object()

    def rollback(self):
        pass

    def close(self):
        pass


class FakeDatabase:
    def __init__(self, lock):
        self.lock = lock
        self.connects = []

    def connect(self, **options):
        self.connects.append(options)
        return FakeConnection()


def test_check_mode_names_the_holder_and_ends_nothing():
    lock = FakeLock([IDLE])
    outcome = MigrateLockRelease(FakeDatabase(lock)).release(300, check_mode=True)
    assert outcome.ended == 4711 and lock.ended == []


def test_release_ends_the_holder_and_watches_the_lock_go_free():
    lock = FakeLock([IDLE], after=[[IDLE], []])
    outcome = MigrateLockRelease(FakeDatabase(lock), sleep=lambda _: None).release(300, "4711", check_mode=False)
    assert lock.ended == [(4711, 300)] and outcome.ended == 4711 and outcome.holders_after == []


def test_a_holder_that_became_busy_as_it_was_ended_is_reported_busy():
    lock = FakeLock([IDLE], released=False, after=[[RUNNING]])
    with pytest.raises(HolderNotReleasable) as refused:
        MigrateLockRelease(FakeDatabase(lock)).release(300, check_mode=False)
    assert refused.value.error_kind == BUSY


def test_a_holder_that_let_go_as_it_was_to_be_ended_is_no_failure():
    lock = FakeLock([IDLE], released=False, after=[[]])
    outcome = MigrateLockRelease(FakeDatabase(lock)).release(300, check_mode=False)
    assert outcome.ended is None and outcome.holders_after == []


def test_a_database_without_a_named_lock_is_never_connected():
    lock = FakeLock([IDLE])
    lock.named_lock = False
    database = FakeDatabase(lock)
    assert MigrateLockRelease(database).holders() == []
    assert MigrateLockRelease(database).release(0, check_mode=False).ended is None
    assert database.connects == []


def test_the_state_is_info_or_released_and_anything_else_is_refused_by_name():
    assert [lock_state(state) for state in ("info", "released")] == ["info", "released"]
    with pytest.raises(DbopsError) as refused:
        lock_state("absent")
    assert refused.value.error_kind == "invalid_option" and "info or released" in refused.value.message
