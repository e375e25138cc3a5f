"""The pure rules of azure_sql_firewall: naming, ownership, expiry, validation, planning, 40615 parsing."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.firewall_rules import (
    AZURE_SERVICES_RULE,
    MAX_RULES_PER_SERVER,
    FirewallError,
    Rule,
    base_of,
    default_base,
    expired_rules,
    expiry_of,
    firewall_request,
    is_owned,
    parse_duration,
    plan_absent,
    plan_present,
    rule_name,
    runner_label,
    validate_base,
    validate_range,
    validate_rule_name,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.azure.gateway import client_ip_from_40615, first_ipv4

NOW = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
IP = "203.0.113.7"
AZURE_SERVICES = Rule(AZURE_SERVICES_RULE, "0.0.0.0", "0.0.0.0")
PORTAL_RULE = Rule("ClientIPAddress_2026-2-27_9-15-2", "192.0.2.10", "192.0.2.10")

# Real texts: pyodbc's str() of the error with Microsoft's driver and with FreeTDS, as recorded through the test TDS
# gateway (fixtures/odbc_40615.json), and sqlcmd/tsql output.
RECORDED = json.loads((Path(__file__).parent / "fixtures" / "odbc_40615.json").read_text())
ODBC_DRIVER_18 = RECORDED["odbc_driver_18"]
FREETDS_PYODBC = RECORDED["freetds"]
ODBC_DRIVER_18_LINE = (
    "[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Cannot open server 'myserver' requested by the login. "
    "Client with IP address '203.0.113.7' is not allowed to access the server.  To enable access, use the Azure "
    "Management Portal or run sp_set_firewall_rule on the master database to create a firewall rule for this IP "
    "address or address range.  It may take up to five minutes for this change to take effect. (40615) "
    "(SQLDriverConnect)"
)
FREETDS_TSQL = (
    "Msg 40615 (severity 14, state 1) from myserver:\n"
    "\tCannot open server 'myserver' requested by the login. Client with IP address '203.0.113.7' is not allowed to "
    "access the server.  To enable access, use the Azure Management Portal or run sp_set_firewall_rule on the master "
    "database to create a firewall rule for this IP address or address range.  It may take up to five minutes for "
    "this change to take effect.\n"
)
FREETDS_SQLCMD = (
    "Msg 40615, Level 14, State 1, Server myserver, Line 1\n"
    "Cannot open server 'myserver' requested by the login. Client with IP address '203.0.113.7' is not allowed to "
    "access the server.  To enable access, use the Azure Management Portal or run sp_set_firewall_rule on the master "
    "database to create a firewall rule for this IP address or address range.  It may take up to five minutes for "
    "this change to take effect."
)
# Our connector wraps the driver message on one line, with the target and a hint.
WRAPPED = (
    "Cannot connect to sqlserver app@myserver.database.windows.net:1433/backoffice (schema dbo): "
    "('42000', \"[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Cannot open server 'myserver' requested "
    "by the login. Client with IP address '203.0.113.7' is not allowed to access the server. (40615) "
    '(SQLDriverConnect)")'
)
GERMAN = (
    "Msg 40615, Level 14, State 1\nDer Server 'myserver', der von der Anmeldung angefordert wurde, kann nicht "
    "geöffnet werden. Der Client mit der IP-Adresse '203.0.113.7' hat keine Zugriffsberechtigung für den Server."
)
LOGIN_FAILED = (
    "('28000', \"[28000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user 'app'. "
    '(18456) (SQLDriverConnect)")'
)
TIMEOUT = "('HYT00', '[HYT00] [Microsoft][ODBC Driver 18 for SQL Server]Login timeout expired (0) (SQLDriverConnect)')"


@pytest.mark.parametrize(
    "message", [ODBC_DRIVER_18, ODBC_DRIVER_18_LINE, FREETDS_PYODBC, FREETDS_TSQL, FREETDS_SQLCMD, WRAPPED, GERMAN]
)
def test_40615_gives_the_client_ip_for_every_driver(message):
    assert client_ip_from_40615(message) == IP


@pytest.mark.parametrize("message", [LOGIN_FAILED, TIMEOUT, "", None, "Client with IP address '203.0.113.7' (42000)"])
def test_no_40615_no_address(message):
    assert client_ip_from_40615(message) is None


def test_40615_must_be_a_number_of_its_own():
    assert client_ip_from_40615("error 140615 from 203.0.113.7") is None
    assert client_ip_from_40615("error 406150 from 203.0.113.7") is None


def test_40615_without_quotes_takes_the_first_valid_address():
    assert client_ip_from_40615("Msg 40615: client 999.1.1.1 then 203.0.113.7 refused") == IP


@pytest.mark.parametrize(
    ("body", "expected"),
    [("203.0.113.7\n", IP), ('{"ip":"203.0.113.7"}', IP), ("2001:db8::1", None), ("", None), ("1.2.3.4.5", None)],
)
def test_ip_echo_answers(body, expected):
    assert first_ipv4(body) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d", timedelta(days=1)),
        ("45s", timedelta(seconds=45)),
        ("PT15M", timedelta(minutes=15)),
        ("pt1h30m", timedelta(hours=1, minutes=30)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["30", "", "P", "PT", "1h1h", "0m", "PT0S", "1 h", "-5m", "1w", "1.5h", "soon"])
def test_bad_durations_are_refused(text):
    with pytest.raises(FirewallError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("hostname", "label"),
    [
        ("awx-job-42.example.com", "awx-job-42"),
        ("automation-job-7-x9z2k", "automation-job-7-x9z2k"),
        ("we!rd:host", "we-rd-host"),
        ("...", "runner"),
        ("x" * 100, "x" * 60),
    ],
)
def test_runner_label(hostname, label):
    assert runner_label(hostname) == label


@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2999, 12, 31)),
)
def test_generated_names_are_valid_ours_and_round_trip(hostname, moment):
    expires = moment.replace(microsecond=0, tzinfo=UTC)
    base = default_base(hostname)
    name = rule_name(base, expires)
    validate_rule_name(name)
    validate_base(base, with_expiry=True)
    assert is_owned(Rule(name, IP, IP))
    assert expiry_of(name) == expires
    assert base_of(name) == base
    assert expiry_of(base) is None
    assert base_of(base) == base


def test_expiry_is_read_only_from_our_names():
    assert expiry_of("someone-until-20260301T100000Z") is None
    assert expiry_of("dbops-x-until-20261399T100000Z") is None
    assert expiry_of("dbops-x-until-20260301T100000Z") == NOW


def test_ownership_never_covers_azure_services_or_foreign_rules():
    assert not is_owned(AZURE_SERVICES)
    assert not is_owned(Rule("dbops-sneaky", "0.0.0.0", "0.0.0.0"))
    assert not is_owned(PORTAL_RULE)
    assert is_owned(Rule("dbops-runner", IP, IP))


@pytest.mark.parametrize(
    "name", ["", "x" * 129, "dbops-a<b", "dbops-a/b", "dbops-a\\b", "dbops-a%b", "dbops-a?b", "dbops-end.", "a\tb"]
)
def test_invalid_rule_names(name):
    with pytest.raises(FirewallError):
        validate_rule_name(name)


@given(st.text(min_size=1, max_size=128).filter(lambda s: not s.endswith(".")))
def test_rule_name_validation_matches_azures_rules(name):
    allowed = not any(c in "<>*%&:;\\/?" or ord(c) < 32 for c in name)
    try:
        validate_rule_name(name)
    except FirewallError:
        assert not allowed
    else:
        assert allowed


@pytest.mark.parametrize(
    "name", ["office", AZURE_SERVICES_RULE, "dbops-x-until-20260301T100000Z", "dbops-" + "x" * 106]
)
def test_user_names_must_be_ours_and_leave_room_for_the_expiry(name):
    with pytest.raises(FirewallError):
        validate_base(name, with_expiry=True)


def test_a_long_name_is_fine_without_expiry():
    validate_base("dbops-" + "x" * 122, with_expiry=False)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("203.0.113.9", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("300.1.1.1", "300.1.1.1"),
        ("0.0.0.0", "0.0.0.0"),
    ],
)
def test_invalid_ranges(start, end):
    with pytest.raises(FirewallError):
        validate_range(start, end)


def test_valid_range_is_normalised():
    assert validate_range(" 198.51.100.0", "198.51.100.255") == ("198.51.100.0", "198.51.100.255")


def test_first_run_creates_a_rule_with_its_expiry():
    plan = plan_present([AZURE_SERVICES], "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(hours=1))
    assert plan.changed
    assert plan.put == Rule("dbops-awx-until-20260301T110000Z", IP, IP)
    assert plan.deletes == ()
    assert plan.diff() == [
        {
            "before_header": plan.put.name,
            "after_header": plan.put.name,
            "before": {},
            "after": {"start_ip_address": IP, "end_ip_address": IP},
        }
    ]


def test_rerun_reuses_a_fresh_rule():
    existing = [AZURE_SERVICES, Rule("dbops-awx-until-20260301T104500Z", IP, IP)]
    plan = plan_present(existing, "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(hours=1))
    assert not plan.changed
    assert plan.rule == existing[1]
    assert plan.diff() == []


def test_a_rule_with_less_than_half_the_time_left_is_renewed():
    existing = [Rule("dbops-awx-until-20260301T102000Z", IP, IP)]
    plan = plan_present(existing, "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(hours=1))
    assert plan.put.name == "dbops-awx-until-20260301T110000Z"


def test_a_permanent_rule_is_not_reused_for_expiring_access():
    existing = [Rule("dbops-awx", IP, IP)]
    plan = plan_present(existing, "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(hours=1))
    assert plan.put.name == "dbops-awx-until-20260301T110000Z"


def test_without_expiry_same_addresses_is_a_no_op_and_new_ones_update():
    existing = [Rule("dbops-office", "198.51.100.0", "198.51.100.255")]
    assert not plan_present(existing, "dbops-office", "198.51.100.0", "198.51.100.255", now=NOW).changed
    plan = plan_present(existing, "dbops-office", "198.51.100.0", "198.51.100.127", now=NOW)
    assert plan.put == Rule("dbops-office", "198.51.100.0", "198.51.100.127")
    assert plan.diff()[0]["before"] == {"start_ip_address": "198.51.100.0", "end_ip_address": "198.51.100.255"}


def test_purge_removes_only_our_expired_rules():
    expired_foreign = Rule("someone-until-20200101T000000Z", IP, IP)
    ours_expired = Rule("dbops-other-until-20260301T095959Z", "192.0.2.1", "192.0.2.1")
    ours_fresh = Rule("dbops-other-until-20260301T100001Z", "192.0.2.2", "192.0.2.2")
    ours_permanent = Rule("dbops-office", "192.0.2.3", "192.0.2.3")
    existing = [AZURE_SERVICES, PORTAL_RULE, expired_foreign, ours_expired, ours_fresh, ours_permanent]
    assert expired_rules(existing, NOW) == [ours_expired]
    plan = plan_present(existing, "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(minutes=30), purge_expired=True)
    assert plan.deletes == (ours_expired,)
    assert not plan_present(existing, "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(minutes=30)).deletes


def test_absent_removes_every_rule_of_the_base_only():
    existing = [
        AZURE_SERVICES,
        Rule("dbops-awx", IP, IP),
        Rule("dbops-awx-until-20260301T110000Z", IP, IP),
        Rule("dbops-awx2-until-20260301T110000Z", IP, IP),
        Rule("dbops-other-until-20200101T000000Z", IP, IP),
    ]
    assert [r.name for r in plan_absent(existing, "dbops-awx", now=NOW).deletes] == [
        "dbops-awx",
        "dbops-awx-until-20260301T110000Z",
    ]
    purged = plan_absent(existing, "dbops-awx", now=NOW, purge_expired=True)
    assert purged.deletes[-1].name == "dbops-other-until-20200101T000000Z"
    assert not plan_absent([AZURE_SERVICES], "dbops-awx", now=NOW).changed


def test_the_128_rule_limit_counts_what_purge_frees():
    full = [Rule(f"portal-{i}", IP, IP) for i in range(MAX_RULES_PER_SERVER - 1)]
    full.append(Rule("dbops-old-until-20200101T000000Z", IP, IP))
    with pytest.raises(FirewallError) as error:
        plan_present(full, "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(hours=1))
    assert error.value.code == "TooManyFirewallRules"
    plan = plan_present(full, "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(hours=1), purge_expired=True)
    assert plan.put and len(plan.deletes) == 1


def request_params(**extra) -> dict:
    return {
        "name": None,
        "state": "present",
        "start_ip_address": None,
        "end_ip_address": None,
        "expires_in": None,
        "purge_expired": False,
        "max_addresses": 256,
        "max_expires_in": "1d",
        **extra,
    }


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"start_ip_address": "1.0.0.0", "end_ip_address": "223.255.255.255"}, "opens 3741319168 addresses"),
        ({"start_ip_address": "198.51.100.0", "end_ip_address": "198.51.101.0"}, "opens 257 addresses"),
        ({"expires_in": "100000d"}, "expires_in 100000d is longer than max_expires_in 1d"),
        ({"expires_in": "25h"}, "longer than max_expires_in"),
        ({"max_addresses": 0}, "max_addresses must be at least 1"),
        ({"max_expires_in": "0m"}, "must be longer than zero"),
    ],
)
def test_ranges_and_durations_beyond_the_caps_are_refused(extra, said):
    with pytest.raises(FirewallError) as raised:
        firewall_request(request_params(**extra), "runner")
    assert said in raised.value.message
    assert raised.value.hint or "max_" in raised.value.message


def test_the_caps_are_options_an_operator_can_raise():
    request = firewall_request(
        request_params(
            start_ip_address="198.51.100.0", end_ip_address="198.51.101.255", max_addresses=512, expires_in="2d",
            max_expires_in="7d",
        ),
        "runner",
    )  # fmt: skip
    assert (request.start, request.end, request.expires_in) == ("198.51.100.0", "198.51.101.255", timedelta(days=2))
    assert firewall_request(request_params(start_ip_address=IP, expires_in="1h"), "runner").start == IP


def test_rules_an_earlier_run_left_open_are_reported():
    kept = Rule("dbops-awx-until-20260301T104500Z", IP, IP)
    other_job = Rule("dbops-awx-job-41-until-20260301T103000Z", IP, IP)
    other_runner = Rule("dbops-elsewhere-until-20260301T103000Z", "198.51.100.99", "198.51.100.99")
    expired = Rule("dbops-awx-job-40-until-20260301T090000Z", IP, IP)
    existing = [AZURE_SERVICES, PORTAL_RULE, kept, other_job, other_runner, expired]
    plan = plan_present(existing, "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(hours=1))
    assert plan.rule == kept and not plan.put
    assert plan.leftovers == (kept, other_job)
    fresh = plan_present([AZURE_SERVICES, other_runner], "dbops-awx", IP, IP, now=NOW, expires_in=timedelta(hours=1))
    assert fresh.leftovers == ()
