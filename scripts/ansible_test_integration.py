"""ansible-test integration --local on the collection copy COLLECTION_ROOT (…/ansible_collections/backoffice/dbops).

Targets get their settings only from tests/integration/integration_config.yml: written here from the environment
(DBOPS_TEST_POSTGRES_URL, an admin URL of a PostgreSQL server that may create databases), else from a throwaway
server started for the run, as the pytest suite does.
"""

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.backends import postgres


def main(root: Path, arguments: list[str]) -> int:
    with contextlib.ExitStack() as stack:
        url = os.environ.get("DBOPS_TEST_POSTGRES_URL")
        if not url:
            why_not = postgres.server_unavailable()
            if why_not:
                sys.exit(f"No PostgreSQL for the integration targets: {why_not} (or set DBOPS_TEST_POSTGRES_URL)")
            url = stack.enter_context(postgres.throwaway_server()) + "/postgres"
        config = root / "tests" / "integration" / "integration_config.yml"
        config.write_text(json.dumps({"dbops_test_postgres_url": url}) + "\n")
        command = ["ansible-test", "integration", "--local", "--python", f"{sys.version_info[0]}.{sys.version_info[1]}"]
        return subprocess.run([*command, *arguments], cwd=root, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
