"""One owner of a module's credentials: Ansible's masking gets each by the collection's rule (never a short one,
never inside a name the result carries), and any text loses every encoded form of each."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets
from ansible_collections.backoffice.dbops.plugins.module_utils.common.text import MASK

PASSWORD = "p;}@:/%ü-Secret_42"


class Module:
    """What AnsibleModule offers for masking: its set of no_log values and warnings."""

    def __init__(self):
        self.no_log_values = set()
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def test_a_long_secret_is_masked_in_all_its_forms_and_redacted_from_text():
    module = Module()
    secrets = Secrets(module)
    secrets.add(PASSWORD, "The database password")
    assert {PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD)} <= module.no_log_values
    assert module.warnings == []
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    assert secrets.redact(f"login {quote(PASSWORD, safe='')} / {encoded}") == f"login {MASK} / {MASK}"
    assert list(secrets) == [PASSWORD]


def test_a_short_secret_is_not_registered_and_the_operator_is_told_without_it():
    module = Module()
    secrets = Secrets(module)
    secrets.add("pw", "The password of databases[prod]")
    assert module.no_log_values == set()
    (warning,) = module.warnings
    assert "shorter than 8 characters" in warning and "databases[prod]" in warning and " pw " not in warning
    # Never masked, still redacted where it stands alone, never inside a name.
    assert secrets.redact("password pw for badpw") == f"password {MASK} for badpw"


def test_names_are_kept_out_of_the_masking_whenever_the_secret_comes():
    module = Module()
    secrets = Secrets(module)
    secrets.add("bio_index", "The database password")
    module.no_log_values.add("VALUE-OF-ANOTHER-OPTION")
    names = ["20201127134937_init", "20201127134938_added_bio_index"]
    secrets.keep([*names, None])
    assert "VALUE-OF-ANOTHER-OPTION" in module.no_log_values
    assert not [value for value in module.no_log_values for name in names if value in name]
    # A credential obtained after the names are known (a token) never masks them either.
    secrets.add("20201127134938", "The Entra ID access token")
    assert "20201127134938" not in module.no_log_values


def test_without_a_module_it_only_redacts_and_ignores_nothing_given():
    secrets = Secrets(values=("Db-pass_never-printed-4711", None, ""))
    assert list(secrets) == ["Db-pass_never-printed-4711"]
    assert secrets.redact("x Db-pass_never-printed-4711 y") == f"x {MASK} y"
