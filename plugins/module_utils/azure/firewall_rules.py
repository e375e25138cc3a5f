# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Temporary Azure SQL firewall rules: naming, ownership, expiry, validation and planning.

Pure: nothing here talks to Azure or the network, so every rule of the game is unit-tested. The module composes
these steps with the thin SDK client (sql_firewall) and the runner's address (client_ip).

A rule is ours when its name starts with OWNED_PREFIX. The firewall rule name is the only free-form
field Azure keeps, so the expiry lives in it: `<base>-until-<UTC timestamp>`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.errors import ARM_HINTS, AzureError

OWNED_PREFIX = "dbops-"
EXPIRY_MARKER = "-until-"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
# The portal's "Allow Azure services and resources to access this server" switch is this rule.
AZURE_SERVICES_RULE = "AllowAllWindowsAzureIps"
AZURE_SERVICES_ADDRESS = "0.0.0.0"
MAX_RULES_PER_SERVER = 128
MAX_NAME_LENGTH = 128
FORBIDDEN_NAME_CHARACTERS = "<>*%&:;\\/?"
MAX_RUNNER_LABEL = 60
# Safe defaults of the caps an operator may raise: a /24 at most, and access for a day at most.
DEFAULT_MAX_ADDRESSES = 256
DEFAULT_MAX_EXPIRES_IN = "1d"

_EXPIRY_SUFFIX = re.compile(re.escape(EXPIRY_MARKER) + r"(\d{8}T\d{6}Z)$")
_DURATION_PART = re.compile(r"(\d+)([dhms])")
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
# Public network access values under which no firewall rule can admit anyone.
CLOSED_PUBLIC_ACCESS = ("Disabled", "SecuredByPerimeter")


class FirewallError(AzureError):
    """A request this module refuses, or Azure refused; the message says what to do."""


@dataclass(frozen=True)
class Rule:
    name: str
    start_ip_address: str
    end_ip_address: str

    def as_dict(self) -> dict:
        expires = expiry_of(self.name)
        return {**asdict(self), "expires_at": format_iso(expires) if expires else None, "owned": is_owned(self)}


@dataclass(frozen=True)
class Plan:
    """What to change on the server; `rule` is the one granting access afterwards (None for absent)."""

    rule: Rule | None
    put: Rule | None = None
    replaces: Rule | None = None
    deletes: tuple[Rule, ...] = ()
    # Our unexpired rules for this runner that were open before this call: left by an earlier run (interrupted,
    # since every run closes its rule) or held by one still running from here.
    leftovers: tuple[Rule, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.put or self.deletes)

    def diff(self) -> list[dict]:
        def shown(rule: Rule | None) -> dict:
            return {"start_ip_address": rule.start_ip_address, "end_ip_address": rule.end_ip_address} if rule else {}

        entries = [
            {"before_header": rule.name, "after_header": rule.name, "before": shown(rule), "after": {}}
            for rule in self.deletes
        ]
        if self.put:
            entries.append(
                {
                    "before_header": self.put.name,
                    "after_header": self.put.name,
                    "before": shown(self.replaces),
                    "after": shown(self.put),
                }
            )
        return entries


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def format_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_duration(text: str, option: str = "expires_in") -> timedelta:
    """`30m`, `2h`, `1h30m`, `1d`, `45s` or ISO 8601 `PT15M`/`P1DT2H`; a bare number is refused (which unit?)."""
    value = str(text).strip()
    iso = _ISO_DURATION.fullmatch(value.upper())
    if value.upper().startswith("P") and iso and any(iso.groups()):
        days, hours, minutes, seconds = (int(group or 0) for group in iso.groups())
        duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    elif value and _DURATION_PART.sub("", value.lower()) == "":
        units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
        parts = _DURATION_PART.findall(value.lower())
        if len({unit for _amount, unit in parts}) != len(parts):
            raise FirewallError(f"{option} '{text}' repeats a unit; write e.g. 1h30m.")
        duration = timedelta(**{units[unit]: int(amount) for amount, unit in parts})
    else:
        raise FirewallError(f"{option} '{text}' is not a duration; write e.g. 30m, 2h, 1h30m or PT15M.")
    if duration <= timedelta(0):
        raise FirewallError(f"{option} '{text}' must be longer than zero.")
    return duration


def runner_label(hostname: str) -> str:
    """The runner's short host name, reduced to characters every rule name accepts."""
    short = hostname.split(".", 1)[0]
    label = re.sub(r"[^A-Za-z0-9_-]+", "-", short).strip("-")[:MAX_RUNNER_LABEL].strip("-")
    return label or "runner"


def default_base(hostname: str) -> str:
    return OWNED_PREFIX + runner_label(hostname)


def rule_name(base: str, expires_at: datetime | None) -> str:
    return base + (EXPIRY_MARKER + format_timestamp(expires_at) if expires_at else "")


def expiry_of(name: str) -> datetime | None:
    """The expiry encoded in one of our rule names, or None (not ours, or never expires)."""
    match = _EXPIRY_SUFFIX.search(name)
    if not match or not name.startswith(OWNED_PREFIX):
        return None
    try:
        return datetime.strptime(match.group(1), TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def base_of(name: str) -> str:
    """The name without its expiry suffix: rules of one base are the same access, renewed."""
    return _EXPIRY_SUFFIX.sub("", name) if expiry_of(name) else name


def is_owned(rule: Rule) -> bool:
    if rule.name == AZURE_SERVICES_RULE:
        return False
    if rule.start_ip_address == AZURE_SERVICES_ADDRESS and rule.end_ip_address == AZURE_SERVICES_ADDRESS:
        return False
    return rule.name.startswith(OWNED_PREFIX)


def validate_rule_name(name: str) -> None:
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise FirewallError(f"Firewall rule name must be 1 to {MAX_NAME_LENGTH} characters; '{name}' has {len(name)}.")
    bad = sorted({character for character in name if character in FORBIDDEN_NAME_CHARACTERS or ord(character) < 32})
    if bad:
        raise FirewallError(
            f"Firewall rule name '{name}' contains {' '.join(repr(c) for c in bad)}; "
            f"Azure refuses any of {FORBIDDEN_NAME_CHARACTERS} and control characters."
        )
    if name.endswith("."):
        raise FirewallError(f"Firewall rule name '{name}' must not end with a dot.")


def validate_base(name: str, with_expiry: bool) -> None:
    """Check a user-chosen name before the expiry suffix is added to it."""
    if name == AZURE_SERVICES_RULE or not name.startswith(OWNED_PREFIX):
        raise FirewallError(
            f"Rule '{name}' is not one of ours: this module only manages rules named {OWNED_PREFIX}*.",
            hint=f"Omit name to get one generated, or start it with {OWNED_PREFIX}.",
        )
    if _EXPIRY_SUFFIX.search(name):
        raise FirewallError(f"name '{name}' must not end with {EXPIRY_MARKER}<timestamp>; expires_in adds it.")
    validate_rule_name(rule_name(name, datetime(2000, 1, 1, tzinfo=UTC)) if with_expiry else name)


def validate_ipv4(address: str, option: str) -> str:
    try:
        parsed = ipaddress.ip_address(str(address).strip())
    except ValueError:
        raise FirewallError(f"{option} '{address}' is not an IPv4 address.") from None
    if parsed.version != 4:
        raise FirewallError(f"{option} '{address}' is IPv6; Azure SQL firewall rules take IPv4 only.")
    return str(parsed)


def validate_range(start: str, end: str) -> tuple[str, str]:
    start = validate_ipv4(start, "start_ip_address")
    end = validate_ipv4(end, "end_ip_address")
    if ipaddress.IPv4Address(start) > ipaddress.IPv4Address(end):
        raise FirewallError(f"start_ip_address {start} is after end_ip_address {end}.")
    if start == end == AZURE_SERVICES_ADDRESS:
        raise FirewallError(
            "0.0.0.0-0.0.0.0 is Azure's 'Allow Azure services' switch, which this module never manages."
        )
    return start, end


def range_size(start: str, end: str) -> int:
    return int(ipaddress.IPv4Address(end)) - int(ipaddress.IPv4Address(start)) + 1


def _overlaps(rule: Rule, start: str, end: str) -> bool:
    try:
        first, last = ipaddress.IPv4Address(rule.start_ip_address), ipaddress.IPv4Address(rule.end_ip_address)
    except ValueError:
        return False
    return first <= ipaddress.IPv4Address(end) and ipaddress.IPv4Address(start) <= last


def leftover_rules(existing: list[Rule], base: str, start: str, end: str, now: datetime) -> tuple[Rule, ...]:
    """Our rules, not expired, of this runner (the same name base, or open to its addresses)."""
    return tuple(
        rule
        for rule in existing
        if is_owned(rule)
        and not (expiry_of(rule.name) and expiry_of(rule.name) < now)
        and (base_of(rule.name) == base or _overlaps(rule, start, end))
    )


def _same_addresses(rule: Rule, start: str, end: str) -> bool:
    return (rule.start_ip_address, rule.end_ip_address) == (start, end)


def expired_rules(existing: list[Rule], now: datetime) -> list[Rule]:
    """Our rules whose recorded expiry has passed; never anyone else's."""
    return [rule for rule in existing if is_owned(rule) and (expiry_of(rule.name) or now) < now]


def plan_present(
    existing: list[Rule],
    base: str,
    start: str,
    end: str,
    *,
    now: datetime,
    expires_in: timedelta | None = None,
    purge_expired: bool = False,
) -> Plan:
    """Open access for start-end under `base`, reusing a rule that already does it.

    With expires_in, a rule of the same base and addresses is reused while at least half of the
    requested time is left, so reruns are no-ops but a nearly expired rule is not relied upon.
    """
    purged = expired_rules(existing, now) if purge_expired else []
    if expires_in is None:
        keep = next((rule for rule in existing if rule.name == base), None)
        target = Rule(base, start, end)
    else:
        fresh_enough = now + expires_in / 2
        keep = next(
            (
                rule
                for rule in existing
                if base_of(rule.name) == base
                and expiry_of(rule.name)
                and expiry_of(rule.name) >= fresh_enough
                and _same_addresses(rule, start, end)
            ),
            None,
        )
        target = Rule(rule_name(base, now + expires_in), start, end)
        if keep is None:
            keep = next((rule for rule in existing if rule.name == target.name), None)
    leftovers = leftover_rules(existing, base, start, end, now)
    if keep is not None and _same_addresses(keep, start, end):
        deletes = tuple(rule for rule in purged if rule.name != keep.name)
        return Plan(rule=keep, deletes=deletes, leftovers=leftovers)
    deletes = tuple(rule for rule in purged if rule.name != target.name)
    remaining = len(existing) - len(deletes) + (0 if keep else 1)
    if remaining > MAX_RULES_PER_SERVER:
        raise FirewallError(
            f"The server already has {len(existing) - len(deletes)} firewall rules; Azure allows "
            f"{MAX_RULES_PER_SERVER} per server.",
            code="TooManyFirewallRules",
            hint="Set purge_expired: true to remove our expired rules, or delete unused rules.",
        )
    return Plan(rule=target, put=target, replaces=keep, deletes=deletes, leftovers=leftovers)


def plan_absent(existing: list[Rule], base: str, *, now: datetime, purge_expired: bool = False) -> Plan:
    """Remove every rule of `base` (with or without an expiry), and our expired ones if asked."""
    doomed = [rule for rule in existing if base_of(rule.name) == base and is_owned(rule)]
    if purge_expired:
        doomed += [rule for rule in expired_rules(existing, now) if rule not in doomed]
    return Plan(rule=None, deletes=tuple(doomed))


@dataclass(frozen=True)
class FirewallRequest:
    """What the module's options ask for, validated before any call to Azure."""

    base: str
    present: bool
    start: str | None
    end: str | None
    expires_in: timedelta | None
    purge_expired: bool


def firewall_request(params: dict, hostname: str) -> FirewallRequest:
    expires_in = parse_duration(params["expires_in"]) if params.get("expires_in") else None
    max_text = params.get("max_expires_in") or DEFAULT_MAX_EXPIRES_IN
    max_expires_in = parse_duration(max_text, "max_expires_in")
    max_addresses = params.get("max_addresses", DEFAULT_MAX_ADDRESSES)
    if max_addresses < 1:
        raise FirewallError(f"max_addresses must be at least 1, got {max_addresses}.")
    if expires_in is not None and expires_in > max_expires_in:
        raise FirewallError(
            f"expires_in {params['expires_in']} is longer than max_expires_in {max_text}.",
            hint="Ask for the time the job needs (the rule is removed at the end anyway), or raise max_expires_in "
            "if the access really must last that long.",
        )
    base = params.get("name") or default_base(hostname)
    validate_base(base, with_expiry=expires_in is not None)
    present = params["state"] == "present"
    start = end = params.get("start_ip_address")
    if present and start:
        start, end = validate_range(start, params.get("end_ip_address") or start)
        check_range_size(start, end, max_addresses)
    return FirewallRequest(base, present, start, end, expires_in, bool(params.get("purge_expired")))


def check_range_size(start: str, end: str, max_addresses: int) -> None:
    size = range_size(start, end)
    if size > max_addresses:
        raise FirewallError(
            f"start_ip_address {start} to end_ip_address {end} opens {size} addresses; max_addresses allows "
            f"{max_addresses}.",
            hint="Open only this runner's address (omit start_ip_address), a smaller range, or raise max_addresses "
            "for a range you mean to open.",
        )


def require_public_access(server_name: str, public_network_access: str | None) -> None:
    """A server whose public network access is closed cannot be opened by a rule: refuse before any write."""
    if public_network_access in CLOSED_PUBLIC_ACCESS:
        raise FirewallError(
            f"Public network access of server {server_name} is {public_network_access}: "
            "a firewall rule cannot open it. Nothing was changed.",
            code="PublicNetworkAccessDisabled",
            hint=ARM_HINTS["DenyPublicEndpointEnabled"],
        )


def plan_request(request: FirewallRequest, existing: list[Rule], *, now: datetime, start=None, end=None) -> Plan:
    """The plan for the request, with `start`/`end` the addresses to open when present."""
    if not request.present:
        return plan_absent(existing, request.base, now=now, purge_expired=request.purge_expired)
    return plan_present(
        existing, request.base, start, end, now=now, expires_in=request.expires_in, purge_expired=request.purge_expired
    )
