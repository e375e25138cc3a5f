"""SQL Server connection details that cannot meet a real server here: ODBC strings, tokens, DATETIMEOFFSET."""

import struct
from datetime import UTC, datetime

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import redact
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.connector import parse_database_url
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.errors import ConnectionFailed
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.mssql import (
    choose_odbc_driver,
    decode_datetimeoffset,
    odbc_connection_string,
    pack_access_token,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.flavours.postgres import tls_parameters


def test_odbc_driver_18_string_escapes_braces():
    target = parse_database_url(
        "sqlserver://backoffice.database.windows.net:1433;database=backoffice;user=app;password={pa;ss}};encrypt=true"
    )
    assert odbc_connection_string(target, "ODBC Driver 18 for SQL Server") == (
        "DRIVER={ODBC Driver 18 for SQL Server};SERVER={tcp:backoffice.database.windows.net,1433};"
        "DATABASE={backoffice};UID={app};PWD={pa;ss}}};Encrypt=yes;TrustServerCertificate=no;"
    )


def test_odbc_string_with_token_has_no_credentials():
    target = parse_database_url("sqlserver://h;database=d;user=u;password=p;trustServerCertificate=true")
    text = odbc_connection_string(target, "ODBC Driver 17 for SQL Server", with_token=True)
    assert "UID" not in text and "PWD" not in text
    assert "TrustServerCertificate=yes" in text


def test_freetds_string():
    target = parse_database_url("sqlserver://h\\inst;database=d;user=u;password=p;encrypt=false")
    assert odbc_connection_string(target, "FreeTDS") == (
        "DRIVER={FreeTDS};SERVER={h\\inst};PORT=1433;TDS_Version=7.4;DATABASE={d};UID={u};PWD={p};Encryption=off;"
    )


def test_driver_choice():
    assert choose_odbc_driver(["FreeTDS", "ODBC Driver 18 for SQL Server"], None) == "ODBC Driver 18 for SQL Server"
    assert choose_odbc_driver(["PostgreSQL Unicode", "FreeTDS"], None) == "FreeTDS"
    assert choose_odbc_driver(["FreeTDS"], "FreeTDS") == "FreeTDS"
    with pytest.raises(ConnectionFailed, match="No SQL Server ODBC driver"):
        choose_odbc_driver(["PostgreSQL Unicode"], None)
    with pytest.raises(ConnectionFailed, match="is not installed"):
        choose_odbc_driver(["FreeTDS"], "ODBC Driver 18 for SQL Server")


def test_access_token_packing_for_sql_copt_ss_access_token():
    packed = pack_access_token("eyJ0")
    assert packed == struct.pack("<I", 8) + "eyJ0".encode("utf-16-le")


def test_datetimeoffset_decoding():
    raw = struct.pack("<6hI2h", 2020, 11, 27, 14, 49, 38, 123456700, 1, 0)
    assert decode_datetimeoffset(raw) == datetime(2020, 11, 27, 13, 49, 38, 123456, tzinfo=UTC)


def test_redact_hides_plain_and_url_encoded_secrets():
    assert redact("auth failed for p@ss/word and p%40ss%2Fword", ["p@ss/word"]) == (
        "auth failed for ******** and ********"
    )
    assert redact("nothing", [None, ""]) == "nothing"


def test_prisma_tls_parameters_in_libpq_terms():
    assert tls_parameters({}) == {}
    assert tls_parameters({"sslmode": "require"}) == {"sslmode": "require"}
    assert tls_parameters({"sslmode": "require", "sslcert": "/ca.pem", "sslaccept": "strict"}) == {
        "sslmode": "verify-full",
        "sslrootcert": "/ca.pem",
    }
    assert tls_parameters({"sslmode": "require", "sslcert": "/ca.pem"}) == {
        "sslmode": "require",
        "sslrootcert": "/ca.pem",
    }
    with pytest.raises(ConnectionFailed, match="PKCS#12"):
        tls_parameters({"sslidentity": "/id.p12"})
