# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server and Azure SQL: connecting through its driver, and what its errors mean."""

from __future__ import annotations

import glob
import importlib
import os
import platform
import re
import struct
from datetime import UTC, datetime, timedelta, timezone

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.gateway import gateway_problem
from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import (
    ConnectionFailed,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.url import DEFAULT_PORT
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Driver
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.problems import (
    AUTH_FAILED,
    DATABASE_MISSING,
    TLS_ERROR,
    UNREACHABLE,
    ConnectionProblem,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import (
    DatabaseTarget,
)

# Registered ODBC drivers in order of preference; FreeTDS is the fallback Debian ships.
ODBC_DRIVER_PREFERENCE = ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server", "FreeTDS")


# Microsoft's ODBC Driver 18 as PyPI ships it (the package `mssql-python-odbc`, the binaries behind `mssql-python`):
# used by its library path when no SQL Server driver is registered with unixODBC.
BUNDLED_DRIVER_MODULE = "mssql_python_odbc"


# The wheel's libs/linux/<folder>/ per Linux distribution family (os-release ID and ID_LIKE words).
BUNDLED_DRIVER_DISTROS = {
    "debian": "debian_ubuntu",
    "ubuntu": "debian_ubuntu",
    "rhel": "rhel",
    "fedora": "rhel",
    "centos": "rhel",
    "suse": "suse",
    "opensuse": "suse",
    "sles": "suse",
}


# FreeTDS rejects a connection string it cannot parse before it sends anything to the server.
FREETDS_SYNTAX_ERROR = "Syntax error in connection string"


SQL_COPT_SS_ACCESS_TOKEN = 1256


# pyodbc hands DATETIMEOFFSET over as raw bytes under this SQL type code.
SQL_SS_TIMESTAMPOFFSET = -155


# SQL Server / Azure SQL error numbers of a refused login.
SERVER_ERROR_KINDS = {
    18456: AUTH_FAILED,
    4060: DATABASE_MISSING,  # cannot open the database requested by the login
    911: DATABASE_MISSING,  # database does not exist
}


# pyodbc's text ends with "(number) (SQLExecDirectW)" and starts with "[state] [driver][SQL Server]".
ODBC_ERROR_NUMBER = re.compile(r"\((\d+)\) \(SQL\w+\)")


ODBC_DECORATION = re.compile(r"^(\[[^\]]*\]\s*)+")


def is_freetds(driver: str) -> bool:
    """Whether a driver name or library path is FreeTDS's ODBC driver (libtdsodbc)."""
    return "freetds" in driver.lower() or os.path.basename(driver).lower().startswith("libtdsodbc")


def odbc_connection_string(
    target: DatabaseTarget, driver: str, *, with_token: bool = False, doubled_braces: bool | None = None
) -> str:
    """The ODBC connection string for SQL Server: pure, so the exact text is unit-tested.

    Every value is wrapped in `{...}`. ODBC escapes a `}` inside as `}}`, as Microsoft's driver and newer FreeTDS
    read it; FreeTDS 1.3 (Debian 12) ends a braced value at the first `};` and keeps everything before it as
    written, so for FreeTDS a `}` stays single unless `doubled_braces`.
    """
    freetds = is_freetds(driver)
    if doubled_braces is None:
        doubled_braces = not freetds

    def braced(value: str) -> str:
        text = str(value)
        if not doubled_braces and "};" in text:
            raise ConnectionFailed(
                "FreeTDS cannot be given a connection value that contains '};'.",
                hint="Use Microsoft's ODBC Driver 18 for SQL Server (odbc_driver), or change that value.",
            )
        return "{" + (text.replace("}", "}}") if doubled_braces else text) + "}"

    server = target.host + (f"\\{target.instance}" if target.instance else "")
    parts = [f"DRIVER={braced(driver)}"]
    if freetds:
        parts += [f"SERVER={braced(server)}", f"PORT={target.port or DEFAULT_PORT}", "TDS_Version=7.4"]
    else:
        parts.append(f"SERVER={braced('tcp:' + server + (f',{target.port}' if target.port else ''))}")
    parts.append(f"DATABASE={braced(target.database)}")
    if not with_token:
        if target.user is not None:
            parts.append(f"UID={braced(target.user)}")
        if target.password is not None:
            parts.append(f"PWD={braced(target.password)}")
    encrypt = target.options.get("encrypt", "true")
    trust = target.options.get("trust_server_certificate", False)
    if freetds:
        parts.append("Encryption=" + ("off" if encrypt in ("false", "danger_plaintext") else "require"))
    else:
        parts.append("Encrypt=" + {"strict": "strict", "false": "no", "danger_plaintext": "no"}.get(encrypt, "yes"))
        parts.append("TrustServerCertificate=" + ("yes" if trust else "no"))
    if target.options.get("application_name"):
        parts.append(f"APP={braced(target.options['application_name'])}")
    return ";".join(parts) + ";"


def pack_access_token(token: str) -> bytes:
    """An Entra ID token as the SQL Server ODBC driver takes it: UTF-16-LE bytes after a 4-byte length."""
    encoded = token.encode("utf-16-le")
    return struct.pack(f"<I{len(encoded)}s", len(encoded), encoded)


def decode_datetimeoffset(raw: bytes) -> datetime:
    """SQL Server DATETIMEOFFSET as pyodbc returns it (SQL_SS_TIMESTAMPOFFSET_STRUCT), in UTC."""
    year, month, day, hour, minute, second, fraction, tz_hour, tz_minute = struct.unpack("<6hI2h", raw)
    offset = timezone(timedelta(hours=tz_hour, minutes=tz_minute))
    return datetime(year, month, day, hour, minute, second, fraction // 1000, tzinfo=offset).astimezone(UTC)


def choose_odbc_driver(installed: list[str], requested: str | None, bundled=None) -> str:
    """The driver to connect with: `requested` (a registered name, or the absolute path of a driver library), else
    the first registered of ODBC_DRIVER_PREFERENCE, else what `bundled()` finds (Driver 18 from PyPI)."""
    if requested:
        if os.path.isabs(requested):
            return requested
        if requested not in installed:
            raise ConnectionFailed(
                f"ODBC driver '{requested}' is not installed (installed: {', '.join(installed) or 'none'}).",
                hint="Install Microsoft's ODBC Driver 18 for SQL Server or FreeTDS, or set odbc_driver to one listed "
                "or to the absolute path of a driver library.",
            )
        return requested
    for name in ODBC_DRIVER_PREFERENCE:
        if name in installed:
            return name
    found = bundled() if bundled else None
    if found:
        return found
    raise ConnectionFailed(
        f"No SQL Server ODBC driver is installed (installed: {', '.join(installed) or 'none'}).",
        hint="Install Microsoft's ODBC Driver 18 for SQL Server (msodbcsql18, or `pip install mssql-python-odbc` "
        "beside pyodbc) or FreeTDS (tdsodbc).",
    )


def bundled_driver_folder(os_release: str) -> str | None:
    """The folder of mssql-python-odbc's Linux builds for this distribution, from /etc/os-release's text."""
    words = []
    for line in os_release.splitlines():
        key, _equals, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            words += value.strip().strip("\"'").lower().split()
    return next((BUNDLED_DRIVER_DISTROS[word] for word in words if word in BUNDLED_DRIVER_DISTROS), None)


def bundled_driver_pattern(libs_dir: str, folder: str, machine: str) -> str:
    """Where mssql-python-odbc keeps Driver 18's library for one distribution folder and CPU."""
    return os.path.join(libs_dir, "linux", folder, machine, "lib", "libmsodbcsql-18.*.so*")


def find_bundled_driver() -> str | None:
    """The library of Driver 18 installed from PyPI (`mssql-python-odbc`), or None."""
    try:
        package = importlib.import_module(BUNDLED_DRIVER_MODULE)
    except ImportError:
        return None
    try:
        with open("/etc/os-release", encoding="utf-8") as handle:
            folder = bundled_driver_folder(handle.read())
    except OSError:
        return None
    if folder is None:
        return None
    libraries = sorted(glob.glob(bundled_driver_pattern(package.get_libs_dir(), folder, platform.machine())))
    return libraries[-1] if libraries else None


class MssqlDriver(Driver):
    azure_sql = True

    def connect(self, *, read_only: bool, lock_timeout: int, statement_timeout=None):
        del read_only, lock_timeout
        access_token, odbc_driver = self.options.access_token, self.options.odbc_driver
        pyodbc = import_library("pyodbc", "pyodbc", "to connect to SQL Server")
        installed = list(pyodbc.drivers())
        driver = choose_odbc_driver(installed, odbc_driver, None if odbc_driver else find_bundled_driver)
        if os.path.isabs(driver) and not os.path.isfile(driver):
            raise ConnectionFailed(
                f"The ODBC driver library {driver} does not exist.",
                hint="Set odbc_driver to the path of libmsodbcsql-18.*.so or to a registered driver name.",
            )
        extra = {}
        if access_token and is_freetds(driver):
            raise ConnectionFailed(
                "entra_auth needs Microsoft's ODBC driver: FreeTDS cannot send an Entra ID access token.",
                hint="Install ODBC Driver 18 for SQL Server (msodbcsql18, or `pip install mssql-python-odbc`) and set "
                "odbc_driver to it if FreeTDS is registered too.",
            )
        if access_token:
            extra["attrs_before"] = {SQL_COPT_SS_ACCESS_TOKEN: pack_access_token(access_token)}

        def connect(doubled_braces=None):
            text = odbc_connection_string(
                self.target, driver, with_token=bool(access_token), doubled_braces=doubled_braces
            )
            return pyodbc.connect(text, autocommit=False, timeout=self.target.connect_timeout, **extra)

        try:
            connection = connect()
        except pyodbc.Error as exc:
            # FreeTDS releases disagree on `}` inside `{...}`: older ones take it literally, newer ones want `}}`
            # and refuse the older form before anything reaches the server.
            if not (is_freetds(driver) and FREETDS_SYNTAX_ERROR in str(exc)):
                raise
            connection = connect(doubled_braces=True)
        connection.add_output_converter(SQL_SS_TIMESTAMPOFFSET, decode_datetimeoffset)
        if statement_timeout:
            connection.timeout = statement_timeout
        return connection

    def classify_connection_error(self, error: BaseException) -> ConnectionProblem | None:
        # ODBC drivers put SQL Server's error number in the text, before the ODBC call: "(40615) (SQLDriverConnect)".
        text = str(error)
        numbers = [int(number) for number in re.findall(r"\((\d+)\) \(SQL\w+\)", text)]
        for number in numbers:
            problem = gateway_problem(number, text)
            if problem is not None:
                return problem
            if number in SERVER_ERROR_KINDS:
                return ConnectionProblem.of(SERVER_ERROR_KINDS[number])
        if re.search(r"SSL|certificate|Encryption not supported|TLS", text, re.IGNORECASE):
            return ConnectionProblem.of(TLS_ERROR)
        sqlstate = error.args[0] if error.args and isinstance(error.args[0], str) else ""
        if sqlstate in ("08001", "08S01", "HYT00") or 20009 in numbers:
            return ConnectionProblem.of(UNREACHABLE)
        return None

    def is_statement_timeout(self, error: BaseException) -> bool:
        return bool(error.args) and error.args[0] == "HYT00"

    def error_code(self, error: BaseException) -> str | None:
        match = ODBC_ERROR_NUMBER.search(str(error))
        return match.group(1) if match else None

    def error_text(self, error: BaseException) -> str:
        args = getattr(error, "args", ())
        text = args[1] if len(args) > 1 and isinstance(args[1], str) else str(error)
        text = ODBC_DECORATION.sub("", ODBC_ERROR_NUMBER.sub("", text))
        # 1505 and 2627 quote the duplicated row values: user data, never in our output.
        text = text.split(" The duplicate key value is")[0]
        return " ".join(text.split())
