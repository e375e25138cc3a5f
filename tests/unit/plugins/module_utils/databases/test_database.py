"""DATABASE_URL parsing: a table of real Prisma URLs, every alias and escape, and errors that hide the password."""

from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import parse_database_url
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.url import split_properties

SECRET = "S3cr3t!p@ss"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://app:pw@db.internal:6543/backoffice?schema=api&sslmode=require&connect_timeout=12",
            {
                "host": "db.internal",
                "port": 6543,
                "database": "backoffice",
                "user": "app",
                "password": "pw",
                "schema": "api",
                "connect_timeout": 12,
                "options": {"sslmode": "require"},
            },
        ),
        (
            "postgres://app@localhost/backoffice",
            {
                "host": "localhost",
                "port": 5432,
                "database": "backoffice",
                "user": "app",
                "password": None,
                "schema": "public",
                "connect_timeout": 5,
            },
        ),
        (
            "postgresql://u:p%40ss%3Aw%2Fd@h/db",
            {"user": "u", "password": "p@ss:w/d", "database": "db"},
        ),
        (
            "postgresql://app@localhost/backoffice?host=/var/run/postgresql",
            {"socket": "/var/run/postgresql", "host": "localhost"},
        ),
        ("postgresql://app@h:5432", {"database": "postgres"}),
        (
            "mysql://root:pw@127.0.0.1:3307/shop?sslaccept=accept_invalid_certs&connect_timeout=3",
            {
                "host": "127.0.0.1",
                "port": 3307,
                "database": "shop",
                "user": "root",
                "password": "pw",
                "connect_timeout": 3,
                "options": {"sslaccept": "accept_invalid_certs"},
            },
        ),
        ("mysql://root@localhost/shop", {"port": 3306, "password": None}),
        ("mysql://root@localhost/shop?socket=(/run/mysqld/mysqld.sock)", {"socket": "/run/mysqld/mysqld.sock"}),
    ],
)
def test_network_urls(url, expected):
    target = parse_database_url(url)
    for key, value in expected.items():
        assert getattr(target, key) == value, key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "sqlserver://backoffice.database.windows.net:1433;database=backoffice;user=app;password=pw;encrypt=true",
            {
                "host": "backoffice.database.windows.net",
                "port": 1433,
                "database": "backoffice",
                "user": "app",
                "password": "pw",
                "schema": "dbo",
                "options": {"encrypt": "true"},
            },
        ),
        ("sqlserver://h;Database=d;UserName=u;PWD=p", {"database": "d", "user": "u", "password": "p"}),
        ("sqlserver://h;database=d;UID=u;Password=p", {"user": "u"}),
        ("sqlserver://h;database=d;user id=u", {"user": "u"}),
        ("sqlserver://h;Initial Catalog=catalog;user=u", {"database": "catalog"}),
        ("sqlserver://h;user=u", {"database": "master", "port": 1433}),
        ("sqlserver://h;database=d;schema=api", {"schema": "api"}),
        ("sqlserver://h;database=d;SCHEMA=Api", {"schema": "Api"}),
        # Prisma's JDBC rule: a {...} group ends at the first `}`; what follows is plain text up to `;`.
        ("sqlserver://h;database=d;password={abc;}}45}", {"password": "abc;}45}"}),
        ("sqlserver://h;database=d;password={ThisIsA:SecurePassword;}", {"password": "ThisIsA:SecurePassword;"}),
        ("sqlserver://h;database=d;user={MyServer/MyUser}", {"user": "MyServer/MyUser"}),
        ("sqlserver://h;database=d;password={p=w;x}", {"password": "p=w;x"}),
        ("sqlserver://se{r}ver{;}\\instance:80;database=d", {"host": "server;", "instance": "instance", "port": 80}),
        ("sqlserver://host\\SQLEXPRESS;database=d", {"instance": "SQLEXPRESS", "port": None}),
        ("jdbc:sqlserver://h:1444;database=d", {"port": 1444}),
        (
            "sqlserver://h;database=d;trustServerCertificate=true",
            {"options": {"encrypt": "true", "trust_server_certificate": True}},
        ),
        ("sqlserver://h;database=d;encrypt=false", {"options": {"encrypt": "false"}}),
        ("sqlserver://h;database=d;encrypt=DANGER_PLAINTEXT", {"options": {"encrypt": "danger_plaintext"}}),
        ("sqlserver://h;database=d;loginTimeout=30", {"connect_timeout": 30}),
        ("sqlserver://h;database=d;connectTimeout=7", {"connect_timeout": 7}),
        ("sqlserver://h;database=d;connection_limit=5;poolTimeout=3", {"database": "d"}),
        ("sqlserver://h;database=d;", {"database": "d"}),
    ],
)
def test_sqlserver_urls(url, expected):
    target = parse_database_url(url)
    for key, value in expected.items():
        assert getattr(target, key) == value, key


def test_sqlserver_keys_are_case_insensitive_values_are_not():
    assert split_properties("DataBase=Shop;USER=Admin") == [("database", "Shop"), ("user", "Admin")]


def test_sqlite_relative_path_resolves_against_project_dir():
    assert parse_database_url("file:./dev.db", "/srv/api/prisma").path == "/srv/api/prisma/dev.db"
    assert parse_database_url("file:../data/dev.db", "/srv/api/prisma").path == "/srv/api/data/dev.db"
    assert parse_database_url("file:/var/db/dev.db", "/ignored").path == "/var/db/dev.db"
    assert parse_database_url("file:dev.db?connection_limit=1", "/p").path == "/p/dev.db"


def test_sqlite_relative_path_defaults_to_cwd(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert parse_database_url("file:./dev.db").path == str(tmp_path / "dev.db")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "empty"),
        ("mongodb://u:" + SECRET + "@h/db", "Unsupported database URL scheme 'mongodb'"),
        ("localhost:5432", "Unsupported"),
        ("just-text", "no scheme"),
        ("postgresql://u:" + SECRET + "@h:99999/db", "invalid port"),
        ("postgresql://u:" + SECRET + "@h:abc/db", "invalid port"),
        ("postgresql://u:" + SECRET + "@h/db?connect_timeout=soon", "connect_timeout"),
        ("postgresql://u:" + SECRET + "@h/db?sslmode=maybe", "sslmode"),
        ("mysql://u:" + SECRET + "@h", "names no database"),
        ("mysql://u:" + SECRET + "@h/db?sslaccept=sometimes", "sslaccept"),
        ("file:", "names no file"),
        ("sqlserver:h;database=d;password=" + SECRET, "Malformed sqlserver URL"),
        ("sqlserver://h:port;database=d;password=" + SECRET, "invalid port"),
        ("sqlserver://h;database=d;password={" + SECRET, "never closes"),
        ("sqlserver://h;database=d;password=" + SECRET + ";encrypt=maybe", "encrypt"),
        ("sqlserver://h;database=d;password=" + SECRET + ";trustServerCertificate=perhaps", "true or false"),
        ("sqlserver://h;database=d;password=" + SECRET + ";novalue", "has no '=value'"),
    ],
)
def test_bad_urls_give_clear_errors_without_the_password(url, fragment):
    with pytest.raises(DatabaseUrlError) as error:
        parse_database_url(url)
    assert fragment in str(error.value)
    assert SECRET not in str(error.value)
    assert "p@ss" not in str(error.value)


def test_describe_never_shows_the_password():
    for url in (
        f"postgresql://app:{SECRET}@db:5432/shop?schema=api",
        f"mysql://app:{SECRET}@db/shop",
        f"sqlserver://db;database=shop;user=app;password={{{SECRET}}}",
    ):
        target = parse_database_url(url)
        assert SECRET not in target.describe()
        assert SECRET not in repr(target)


printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30)


@given(password=printable, user=printable)
def test_postgres_credentials_survive_percent_encoding(password, user):
    url = f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@db.internal:5432/shop?schema=api"
    target = parse_database_url(url)
    assert (target.user, target.password, target.schema) == (user, password, "api")


@given(password=printable.filter(lambda text: "}" not in text))
def test_sqlserver_braced_values_are_literal(password):
    target = parse_database_url(f"sqlserver://db:1433;database=shop;user=app;password={{{password}}};encrypt=true")
    assert target.password == password
    assert target.options["encrypt"] == "true"


@pytest.mark.parametrize(
    ("url", "hidden", "said"),
    [
        # urllib reads host `u`, port 4711 and the database "secretword@host/db": nothing may quote that.
        ("postgresql://u:4711/secretword@host/db", ("4711/secretword", "secretword"), "database path"),
        ("postgresql://u:p@ss/word@host/db", ("p@ss/word", "ss/word"), "database path"),
        ("mysql://app:pa/ss@db.internal:3306/shop", ("pa/ss",), "database path"),
        ("postgresql://u:4711?secret@host/db", ("4711?secret", "secret@host"), "query"),
        ("postgresql://u:p#ss@host/db", ("p#ss", "ss@host"), "after '#'"),
        ("postgresql://u:p?ss@host/db", ("p?ss", "ss@host"), "query"),
    ],
)
def test_an_unencoded_password_is_refused_without_quoting_any_part(url, hidden, said):
    with pytest.raises(DatabaseUrlError) as error:
        parse_database_url(url)
    message = str(error.value)
    assert said in message
    for piece in hidden:
        assert piece not in message


def test_an_unbraced_sqlserver_password_with_a_semicolon_is_refused_without_its_tail():
    with pytest.raises(DatabaseUrlError) as error:
        parse_database_url("sqlserver://db:1433;database=shop;user=app;password=Sup3r;Secr3tTail;encrypt=true")
    message = str(error.value)
    assert "Secr3tTail" not in message and "Sup3r" not in message
    assert "after 'password'" in message and "{...}" in message


@given(password=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20))
def test_no_unencoded_password_is_ever_quoted(password):
    secret = f"Qz{password}Jk"
    for url in (f"postgresql://app:{secret}@db.internal:5432/shop", f"mysql://app:{secret}@db.internal/shop"):
        try:
            target = parse_database_url(url)
        except DatabaseUrlError as error:
            assert secret not in str(error) and "Qz" not in str(error) and "Jk" not in str(error)
        else:
            assert target.password == unquote(secret)
            assert "Qz" not in target.describe() and "Jk" not in target.describe()


def test_a_variant_is_chosen_after_connecting_and_its_preflight_parts_follow(tmp_path):
    """A family whose URL form a variant shares (CockroachDB's postgresql://) tells them apart by the server the
    connection reached: after_connect returns the variant's parts, and the preflight's parts are built from them."""
    from types import SimpleNamespace

    from ansible_collections.backoffice.dbops.plugins.module_utils.databases import sqlite
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import open_database
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import assemble
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
    from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.dialect import SqliteDialect

    class VariantDialect(SqliteDialect):
        lockfile_providers = ("variant",)

    dialect_class, *others = sqlite.PARTS
    variant = SimpleNamespace(PARTS=(VariantDialect, *others), __name__=sqlite.__name__)
    seen = []

    def after_connect(parts, connection):
        seen.append(connection.execute("SELECT sqlite_version()").fetchone()[0])
        return assemble(parts.dialect.target, parts.driver.options, variant)

    (tmp_path / "dev.db").touch()
    database = open_database(f"file:{tmp_path / 'dev.db'}", kind=PreflightDatabase)
    assert isinstance(database.dialect, dialect_class) and database.catalog.dialect is database.dialect
    database.family = SimpleNamespace(**vars(sqlite), after_connect=after_connect)
    database.connect(read_only=True, lock_timeout=1).close()
    assert seen and database.dialect.lockfile_providers == ("variant",)
    # Built again for the variant's parts, not kept from before connecting.
    assert database.catalog.dialect is database.dialect
