"""The pure parts behind the recovery playbook: the readiness backoff and picking an App Service setting."""

from __future__ import annotations

from itertools import islice
from types import SimpleNamespace

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.errors import AzureError
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.secret_sources import pick_setting
from ansible_collections.backoffice.dbops.plugins.module_utils.common.validation import OptionError
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import ConnectionFailed
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import (
    AUTH_FAILED,
    DATABASE_MISSING,
    FIREWALL_CLOSED,
    PUBLIC_ACCESS_DISABLED,
    TLS_ERROR,
    UNREACHABLE,
    ConnectionProblem,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.wait import (
    MIN_DELAY,
    PROPAGATION,
    RESUMING,
    DatabaseNotReady,
    announcement,
    backoff_delays,
    progress,
    validate_schedule,
    wait_until,
    worth_waiting,
)


def refused(message: str, kind: str | None = UNREACHABLE, *, transient: bool | None = None) -> ConnectionFailed:
    problem = ConnectionProblem.of(kind, transient=transient) if kind else None
    return ConnectionFailed(
        message,
        hint=problem.hint if problem else None,
        error_kind=kind,
        transient=problem.transient if problem else None,
    )


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_backoff_grows_then_stays_at_the_cap():
    assert list(islice(backoff_delays(0.25, 1.5), 7)) == [0.25, 0.375, 0.5625, 0.84375, 1.265625, 1.5, 1.5]


def test_wait_returns_at_the_first_success_without_sleeping_more():
    clock = FakeClock()
    answers = iter([refused("refused"), refused("refused"), None])
    waited = wait_until(
        lambda: next(answers), timeout=10, initial_delay=1, max_delay=1, firewall_rule_opened=True, clock=clock,
        sleep=clock.sleep,
    )  # fmt: skip
    assert waited.attempts == 3 and clock.sleeps == [1, 1]


def test_wait_gives_up_at_the_timeout_with_the_last_error():
    clock = FakeClock()
    with pytest.raises(DatabaseNotReady) as raised:
        wait_until(
            lambda: refused("(40615)", FIREWALL_CLOSED), timeout=3, initial_delay=1, max_delay=2,
            firewall_rule_opened=True, clock=clock, sleep=clock.sleep,
        )  # fmt: skip
    assert "within 3 s" in raised.value.message and "40615" in raised.value.message
    assert raised.value.facts["waiting_for"] == PROPAGATION and raised.value.facts["last_error"] == "(40615)"
    assert raised.value.error_kind == FIREWALL_CLOSED and "firewall" in raised.value.hint
    assert sum(clock.sleeps) == 3  # the last pause is cut to the time left


def test_a_zero_timeout_tries_once():
    clock = FakeClock()
    with pytest.raises(DatabaseNotReady) as raised:
        wait_until(
            lambda: refused("closed"), timeout=0, initial_delay=1, max_delay=1, firewall_rule_opened=True, clock=clock,
            sleep=clock.sleep,
        )  # fmt: skip
    assert clock.sleeps == [] and raised.value.facts["attempts"] == 1


@pytest.mark.parametrize("kind", [UNREACHABLE, FIREWALL_CLOSED, None])
def test_without_a_rule_just_opened_a_refused_connection_fails_at_the_first_attempt(kind):
    """Nothing propagates when no rule was opened: 300 s of waiting would only hide a closed port."""
    clock = FakeClock()
    with pytest.raises(ConnectionFailed) as raised:
        wait_until(
            lambda: refused("Connection refused", kind), timeout=300, initial_delay=1, max_delay=1, clock=clock,
            sleep=clock.sleep,
        )  # fmt: skip
    assert not isinstance(raised.value, DatabaseNotReady)
    assert raised.value.error_kind == kind and raised.value.facts["attempts"] == 1 and clock.sleeps == []


@pytest.mark.parametrize("kind", [AUTH_FAILED, DATABASE_MISSING, TLS_ERROR, PUBLIC_ACCESS_DISABLED])
def test_what_waiting_cannot_fix_fails_at_once(kind):
    clock = FakeClock()
    with pytest.raises(ConnectionFailed) as raised:
        wait_until(
            lambda: refused("no", kind), timeout=300, initial_delay=1, max_delay=1, clock=clock, sleep=clock.sleep
        )
    assert raised.value.error_kind == kind and clock.sleeps == []


def test_a_resuming_serverless_database_is_waited_for_with_or_without_a_rule():
    clock = FakeClock()
    answers = iter([refused("(40613)", DATABASE_MISSING, transient=True), None])
    waited = wait_until(lambda: next(answers), timeout=60, initial_delay=1, max_delay=1, clock=clock, sleep=clock.sleep)
    assert waited.attempts == 2


@pytest.mark.parametrize(
    ("kind", "transient", "rule_opened", "reason"),
    [
        (FIREWALL_CLOSED, None, True, PROPAGATION),
        (UNREACHABLE, None, True, PROPAGATION),
        (None, None, True, PROPAGATION),
        (FIREWALL_CLOSED, None, False, None),
        (UNREACHABLE, None, False, None),
        (None, None, False, None),
        (DATABASE_MISSING, True, False, RESUMING),
        (DATABASE_MISSING, True, True, RESUMING),
        (DATABASE_MISSING, None, True, None),
        (AUTH_FAILED, None, True, None),
        (TLS_ERROR, None, True, None),
        (PUBLIC_ACCESS_DISABLED, None, True, None),
    ],
)
def test_what_is_worth_waiting_for(kind, transient, rule_opened, reason):
    assert worth_waiting(refused("x", kind, transient=transient), rule_opened) == reason


def test_the_lines_of_a_long_wait_say_how_long_why_and_how_far():
    said = announcement("sqlserver app@sql-backoffice.database.windows.net:1433/backoffice", 300, PROPAGATION, 20)
    assert said.startswith("wait_for_database: waiting up to 300 s for sqlserver app@")
    assert "five minutes" in said and "Progress every 20 s." in said
    line = progress("postgresql app@db:5432/shop", 41.6, 300, 37, FIREWALL_CLOSED)
    assert line == (
        "wait_for_database: postgresql app@db:5432/shop still refuses (firewall_closed) after 42 s of up to 300 s, "
        "37 attempts."
    )


def test_pick_an_app_setting_and_a_connection_string():
    assert pick_setting({"DATABASE_URL": "file:./x.db"}, "DATABASE_URL", "app_setting", "api") == ("file:./x.db", None)
    pair = SimpleNamespace(value="sqlserver://x", type=SimpleNamespace(value="SQLAzure"))
    assert pick_setting({"db": pair}, "db", "connection_string", "api") == ("sqlserver://x", "SQLAzure")


def test_a_missing_setting_lists_names_never_values():
    with pytest.raises(AzureError) as raised:
        pick_setting({"B": "secret-b", "A": "secret-a"}, "DATABASE_URL", "app_setting", "api")
    assert raised.value.hint == "Its application settings are: A, B."
    assert "secret" not in str(raised.value)


def test_polling_never_runs_faster_than_the_floor():
    clock = FakeClock()
    with pytest.raises(DatabaseNotReady) as raised:
        wait_until(
            lambda: refused("refused"), timeout=3, initial_delay=0, max_delay=0, firewall_rule_opened=True,
            clock=clock, sleep=clock.sleep,
        )  # fmt: skip
    assert min(clock.sleeps[:-1]) >= MIN_DELAY  # the last pause is cut to the time left
    assert f"({len(clock.sleeps) + 1} attempts)" in raised.value.message
    assert len(clock.sleeps) <= 3 / MIN_DELAY


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"initial_delay": -1}, "initial_delay must be at least 0.1 s, got -1 s"),
        ({"initial_delay": 0}, "initial_delay must be at least 0.1 s, got 0 s"),
        ({"max_delay": -0.5}, "max_delay must be at least 0.25 s"),
        ({"max_delay": 0.1}, "max_delay must be at least 0.25 s"),
        ({"max_delay": 3601}, "max_delay must be at most 60 s"),
        ({"timeout": -1}, "timeout must be at least 0 s, got -1 s"),
        ({"timeout": float("nan")}, "timeout must be a finite number, got nan"),
        ({"timeout": float("inf")}, "timeout must be a finite number"),
        ({"timeout": 10**9}, "timeout must be at most 86400 s"),
        ({"progress_interval": 0.5}, "progress_interval must be at least 1 s"),
        ({"progress_interval": 30}, "progress_interval must be at most 25 s"),
    ],
)
def test_schedules_out_of_range_are_refused_with_what_to_pass(options, said):
    params = {"timeout": 300, "initial_delay": 0.25, "max_delay": 1.5, "progress_interval": 20, **options}
    with pytest.raises(OptionError) as raised:
        validate_schedule(params)
    assert said in raised.value.message
    assert raised.value.hint


def test_a_zero_timeout_is_valid_and_means_try_once():
    assert validate_schedule({"timeout": 0, "initial_delay": 0.25, "max_delay": 1.5, "progress_interval": 20}) is None
