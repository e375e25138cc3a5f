"""Offline stand-in for the pip bootstrap script ansible-test downloads (get-pip-X.py) from a host we cannot reach.

`make ansible-test-pip` puts it, with the pip wheel ansible-test asks for, in ansible-test's cache. ansible-test runs
it, as get_pip_X_Y.py from ~/.ansible/test/cache, in each virtualenv it creates without pip:
`python get_pip_X_Y.py --disable-pip-version-check pip==X.Y [--no-setuptools] [--no-wheel]`.
It runs pip straight from the pip wheel saved beside it (a wheel is importable as a zip, as pip documents)
and installs that same wheel: nothing is fetched.
"""

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
arguments = [argument for argument in sys.argv[1:] if argument not in ("--no-setuptools", "--no-wheel")]
version = next(argument.split("==", 1)[1] for argument in arguments if argument.startswith("pip=="))
sys.path.insert(0, os.path.join(here, f"pip-{version}-py3-none-any.whl"))

from pip._internal.cli.main import main  # noqa: E402

sys.exit(main(["install", "--no-index", "--find-links", here, *arguments]))
