# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Options shared by every module that reads or writes Prisma's migration history.
    DOCUMENTATION = r"""
options:
  database_url:
    description:
      - The exact connection string the Prisma application has in C(DATABASE_URL).
      - "C(postgresql://USER:PASSWORD@HOST:PORT/DATABASE?schema=SCHEMA) (also C(postgres://)); C(schema) is
        where C(_prisma_migrations) lives (default C(public)); C(sslmode), C(sslcert), C(sslaccept),
        C(connect_timeout) and the socket form C(host=/path) are honoured."
      - "C(mysql://USER:PASSWORD@HOST:PORT/DATABASE) for MySQL and MariaDB; the database holds the table;
        C(sslaccept), C(sslcert), C(socket) and C(connect_timeout) are honoured."
      - "C(sqlserver://HOST[:PORT];database=DB;user=USER;password=PASSWORD;schema=SCHEMA;encrypt=true) with
        Prisma's rules: keys are case-insensitive; C(user)/C(username)/C(uid)/C(user id), C(password)/C(pwd) and
        C(database)/C(initial catalog) are aliases; a value with special characters is wrapped in C({...}) (the
        group ends at the first C(})); C(schema) defaults to C(dbo); C(loginTimeout)/C(connectTimeout) in seconds."
      - C(file:./dev.db) or C(file:/absolute/path.db) for SQLite; a relative path resolves against O(project_dir).
      - Never logged or returned; errors never quote the password.
    type: str
    required: true
  project_dir:
    description:
      - The folder a relative SQLite C(file:) path resolves against, as Prisma resolves it against the folder of
        C(schema.prisma).
      - Defaults to the current directory of the module.
    type: path
  migrations_dir:
    description:
      - The Prisma migrations folder (C(prisma/migrations)) with one C(<timestamp>_<name>/migration.sql) per migration
        and C(migration_lock.toml).
    type: path
requirements:
  - psycopg >= 3 (PostgreSQL)
  - PyMySQL (MySQL, MariaDB)
  - pyodbc and an ODBC driver for SQL Server (SQL Server), Microsoft's ODBC Driver 18 (C(msodbcsql18), or the PyPI
    package C(mssql-python-odbc)) or FreeTDS
  - azure-identity (SQL Server with O(entra_auth))
"""

    # How to connect, shared by every module that connects to databases (one or many).
    CONNECTION = r"""
options:
  odbc_driver:
    description:
      - SQL Server only. The ODBC driver to use, as registered with unixODBC (C(odbcinst -q -d)), or the absolute
        path of a driver library such as C(libmsodbcsql-18.*.so) (loaded by path, no registration needed).
      - By default the first registered of C(ODBC Driver 18 for SQL Server), C(ODBC Driver 17 for SQL Server) and
        C(FreeTDS); when none is registered, Microsoft's ODBC Driver 18 from the PyPI package C(mssql-python-odbc) if
        it is installed beside pyodbc.
      - FreeTDS encrypts when the C(DATABASE_URL) says C(encrypt=true) but does not verify the server's certificate,
        even with C(trustServerCertificate=false); Microsoft's driver verifies it. Prefer Microsoft's driver for Azure
        SQL.
    type: str
  entra_auth:
    description:
      - SQL Server only. Authenticate with a Microsoft Entra ID (Azure AD) access token from C(azure-identity) instead
        of the user and password in the C(DATABASE_URL).
      - V(none) uses the password; V(default) uses C(DefaultAzureCredential) (environment, workload identity, managed
        identity, Azure CLI); V(cli) the Azure CLI login; V(managed_identity) the managed identity of the runner.
      - The identity and the cloud come from the environment, as AWX's Microsoft Azure Resource Manager credential
        injects them (C(AZURE_CLIENT_ID), C(AZURE_SECRET), C(AZURE_TENANT), C(AZURE_CLOUD_ENVIRONMENT)), through the
        same sign-in as the collection's Azure modules; with V(default) a service principal in those variables is used
        first. The token is asked for the cloud's Azure SQL scope (for an ARM metadata URL, its
        C(suffixes.sqlServerHostname)) and needs Microsoft's ODBC driver (FreeTDS cannot send it).
    type: str
    choices: [none, default, cli, managed_identity]
    default: none
"""
