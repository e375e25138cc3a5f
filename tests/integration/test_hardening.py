"""Regression tests of the hardening issue, through the real `ansible` command against real databases: bad input
refused cleanly, faults reported as they happened, and secrets kept out of every output."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.backoffice.dbops.tests.support.ansible_run import BIN, run_module, run_module_in
from ansible_collections.backoffice.dbops.tests.support.arm_emulator import ArmEmulator


def encoded_forms(secret: str) -> list[str]:
    """How a secret can leak: as is, percent-encoded (both ways), or base64-encoded."""
    return [
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        quote(secret, safe="").lower(),
        base64.b64encode(secret.encode()).decode(),
    ]


@pytest.mark.parametrize(
    ("module", "url", "pieces"),
    [
        ("wait_for_database", "postgresql://u:4711/secretword@127.0.0.1/db", ("secretword",)),
        ("prisma_migration_info", "postgresql://u:p@ss/word@127.0.0.1/db", ("ss/word", "word@")),
        ("prisma_migration_info", "sqlserver://127.0.0.1:9;database=d;user=u;password=Sup3r;Secr3tTail", ("Secr3t",)),
    ],
)
def test_a_url_that_cannot_be_parsed_is_never_quoted(module, url, pieces):
    extra = {"timeout": 1} if module == "wait_for_database" else {}
    run = run_module(module, {"database_url": url, **extra}, verbosity=3)
    assert run.rc != 0
    assert run.result["msg"].startswith("Invalid database_url"), run.result["msg"]
    for piece in pieces:
        assert piece not in run.output


AZURE_TENANT = "72f988bf-0000-4000-8000-0000000000d1"
AZURE_CLIENT = "5f2c7c34-0000-4000-8000-0000000000d2"
AZURE_SUBSCRIPTION = "00000000-0000-4000-8000-0000000000d3"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emulator = ArmEmulator(
        str(tmp_path_factory.mktemp("arm")),
        tenant=AZURE_TENANT,
        client_id=AZURE_CLIENT,
        client_secret="The~right+secret/for=the;tenant%1",
        subscription_id=AZURE_SUBSCRIPTION,
    ).start()
    emulator.add_server("rg", "sql")
    yield emulator
    emulator.stop()


def test_an_azure_secret_echoed_url_encoded_by_the_token_endpoint_is_redacted(emulator, tmp_path):
    wrong = "Wr0ng~+/=;%-secret_echoed"
    emulator.echo_form_body = True
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LC_ALL": "C.UTF-8",
        **emulator.awx_credential_environment(),
        "AZURE_SECRET": wrong,
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    }
    try:
        failed = run_module_in(
            env,
            "backoffice.dbops.azure_sql_firewall",
            {"resource_group": "rg", "server_name": "sql", "start_ip_address": "198.51.100.7"},
            "-vvv",
        )
    finally:
        emulator.echo_form_body = False
    assert failed.status == "FAILED!" and failed["code"] == "AuthenticationFailed", failed.output
    assert "client_secret=" in failed["msg"]  # the body was echoed, with the secret in it masked
    for form in encoded_forms(wrong):
        assert form not in failed.output
