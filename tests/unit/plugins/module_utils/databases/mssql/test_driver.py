"""SQL Server connection details that cannot meet a real server here: ODBC strings, tokens, DATETIMEOFFSET."""

import struct
from datetime import UTC, datetime

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import parse_database_url
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import ConnectionFailed
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.driver import (
    bundled_driver_folder,
    bundled_driver_pattern,
    choose_odbc_driver,
    decode_datetimeoffset,
    is_freetds,
    odbc_connection_string,
    pack_access_token,
)


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


BUNDLED = "/venv/site-packages/mssql_python_odbc/libs/linux/debian_ubuntu/x86_64/lib/libmsodbcsql-18.6.so.2.1"


def test_driver_choice():
    assert choose_odbc_driver(["FreeTDS", "ODBC Driver 18 for SQL Server"], None) == "ODBC Driver 18 for SQL Server"
    assert choose_odbc_driver(["PostgreSQL Unicode", "FreeTDS"], None) == "FreeTDS"
    assert choose_odbc_driver(["FreeTDS"], "FreeTDS") == "FreeTDS"
    with pytest.raises(ConnectionFailed, match="No SQL Server ODBC driver"):
        choose_odbc_driver(["PostgreSQL Unicode"], None)
    with pytest.raises(ConnectionFailed, match="is not installed"):
        choose_odbc_driver(["FreeTDS"], "ODBC Driver 18 for SQL Server")


def test_a_registered_driver_wins_over_driver_18_from_pypi():
    assert choose_odbc_driver(["FreeTDS"], None, lambda: BUNDLED) == "FreeTDS"
    assert choose_odbc_driver(["ODBC Driver 17 for SQL Server"], None, lambda: BUNDLED).startswith("ODBC Driver 17")


def test_driver_18_from_pypi_when_no_sql_server_driver_is_registered():
    assert choose_odbc_driver(["PostgreSQL Unicode"], None, lambda: BUNDLED) == BUNDLED
    assert choose_odbc_driver([], None, lambda: BUNDLED) == BUNDLED
    with pytest.raises(ConnectionFailed, match="No SQL Server ODBC driver") as raised:
        choose_odbc_driver([], None, lambda: None)
    assert "pip install mssql-python-odbc" in raised.value.hint


def test_an_absolute_driver_path_is_used_as_is():
    assert choose_odbc_driver([], BUNDLED) == BUNDLED
    assert choose_odbc_driver(["FreeTDS"], "/usr/lib/x86_64-linux-gnu/odbc/libtdsodbc.so").endswith("libtdsodbc.so")
    with pytest.raises(ConnectionFailed, match="is not installed"):
        choose_odbc_driver(["FreeTDS"], "lib/libmsodbcsql-18.6.so.2.1")


@pytest.mark.parametrize(
    ("os_release", "folder"),
    [
        ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n', "debian_ubuntu"),
        ("ID=ubuntu\nID_LIKE=debian\n", "debian_ubuntu"),
        ('ID="rhel"\nID_LIKE="fedora"\n', "rhel"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "rhel"),
        ('ID="opensuse-leap"\nID_LIKE="suse opensuse"\n', "suse"),
        ("ID=alpine\n", None),
        ("", None),
    ],
)
def test_driver_18_from_pypi_folder_per_distribution(os_release, folder):
    assert bundled_driver_folder(os_release) == folder


def test_driver_18_from_pypi_library_pattern():
    assert bundled_driver_pattern("/p/libs", "rhel", "x86_64") == "/p/libs/linux/rhel/x86_64/lib/libmsodbcsql-18.*.so*"


@pytest.mark.parametrize(
    ("driver", "freetds"),
    [
        ("FreeTDS", True),
        ("/usr/lib/x86_64-linux-gnu/odbc/libtdsodbc.so", True),
        ("ODBC Driver 18 for SQL Server", False),
        (BUNDLED, False),
    ],
)
def test_freetds_is_recognised_by_name_or_library(driver, freetds):
    assert is_freetds(driver) is freetds


def test_a_driver_library_path_goes_into_the_string_as_the_driver():
    target = parse_database_url("sqlserver://h:1;database=d;user=u;password=p;encrypt=false")
    assert odbc_connection_string(target, BUNDLED).startswith(f"DRIVER={{{BUNDLED}}};SERVER={{tcp:h,1}};")


def test_freetds_13_takes_a_braced_value_literally_up_to_the_first_closing_brace_and_semicolon():
    target = parse_database_url("sqlserver://h:1;database=d;user=u;password=Bf{;}pa}ss-1;encrypt=false")
    assert target.password == "Bf;pa}ss-1"
    assert "PWD={Bf;pa}ss-1};" in odbc_connection_string(target, "FreeTDS")
    assert "PWD={Bf;pa}}ss-1};" in odbc_connection_string(target, "FreeTDS", doubled_braces=True)
    assert "PWD={Bf;pa}}ss-1};" in odbc_connection_string(target, "ODBC Driver 18 for SQL Server")


def test_a_value_freetds_13_cannot_carry_is_refused_before_connecting():
    target = parse_database_url("sqlserver://h:1;database=d;user=u;password=a}{;}b;encrypt=false")
    assert target.password == "a};b"
    with pytest.raises(ConnectionFailed, match="FreeTDS cannot be given"):
        odbc_connection_string(target, "FreeTDS")
    assert "PWD={a}};b};" in odbc_connection_string(target, "FreeTDS", doubled_braces=True)


def test_access_token_packing_for_sql_copt_ss_access_token():
    packed = pack_access_token("eyJ0")
    assert packed == struct.pack("<I", 8) + "eyJ0".encode("utf-16-le")


def test_datetimeoffset_decoding():
    raw = struct.pack("<6hI2h", 2020, 11, 27, 14, 49, 38, 123456700, 1, 0)
    assert decode_datetimeoffset(raw) == datetime(2020, 11, 27, 13, 49, 38, 123456, tzinfo=UTC)
