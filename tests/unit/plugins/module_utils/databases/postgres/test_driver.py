"""PostgreSQL's driver: Prisma's TLS parameters in libpq's terms."""

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import ConnectionFailed
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.driver import tls_parameters


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
