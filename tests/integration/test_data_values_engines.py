"""The database messages the redaction is tested on (tests/unit/.../common/database_messages.json) are what the real
engines say: each failure is made again on PostgreSQL, MariaDB, SQLite and SQL Server (Babelfish), from the planted
rows, and must give the fixture's text, and lose every planted value it quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.common.data_values import without_values
from ansible_collections.backoffice.dbops.tests.support.planted import FAILING, PLANTED, produce

FIXTURE = Path(__file__).resolve().parents[1] / "unit/plugins/module_utils/common/database_messages.json"
DRIVER_TEXTS = {
    (message["provider"], message["case"]): message
    for message in json.loads(FIXTURE.read_text())["messages"]
    if message["source"] == "driver"
}
MARKS = {"postgresql": pytest.mark.postgresql, "mysql": pytest.mark.mysql, "sqlserver": pytest.mark.mssql}
CASES = [
    pytest.param(provider, case, marks=MARKS.get(provider, ()), id=f"{provider}-{case}")
    for provider, cases in FAILING.items()
    for case in cases
]
# What varies from one database to the next: its name, and the temporary table MariaDB's ALTER works on.
VARYING = re.compile(r"#sql-alter-[0-9a-f-]+")


def normalised(text: str, backend) -> str:
    if backend.provider == "mysql":
        text = text.replace(f"`{backend.target.database}`", "`planted`")
    return VARYING.sub("#sql-alter", text)


@pytest.mark.parametrize(("provider", "case"), CASES)
def test_the_fixture_is_what_the_engine_says_and_loses_its_values(make_backend, provider, case):
    backend = make_backend(provider)
    text = produce(backend, provider, case)
    fixture = DRIVER_TEXTS[(provider, case)]
    assert normalised(text, backend) == normalised(fixture["text"], backend)
    assert sorted(value for value in PLANTED.values() if value in text) == sorted(fixture["values"])
    redacted = without_values(text)
    assert not [value for value in fixture["values"] if value in redacted]
