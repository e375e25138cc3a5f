"""The one Azure error mapper redacts every form of the session's secrets from what it reports."""

import re
from urllib.parse import quote, quote_plus

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from ansible_collections.backoffice.dbops.plugins.module_utils.azure.errors import AzureError, azure_errors

SECRET = "Az~+/=;%-client.secret_77"
LOWER_HEX = re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group(0).lower(), quote_plus(SECRET))


@pytest.mark.parametrize("error_class", [ClientAuthenticationError, HttpResponseError])
@pytest.mark.parametrize("echoed", [SECRET, quote_plus(SECRET), quote(SECRET, safe=""), LOWER_HEX])
def test_a_secret_echoed_in_any_encoding_is_redacted(error_class, echoed):
    with pytest.raises(AzureError) as raised, azure_errors("get a token", secrets=(SECRET,)):
        raise error_class(f"AADSTS7000215: body was grant_type=client_credentials&client_secret={echoed}&scope=x")
    assert echoed not in raised.value.message and SECRET not in raised.value.message
    assert "client_secret=********&scope=x" in raised.value.message
