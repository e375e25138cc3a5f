"""Stand-in for the get-pip bootstrap script ansible-test downloads from a host these machines cannot reach.

ansible-test runs it in each new sanity virtualenv with pip's arguments (`pip==X [--no-setuptools] [--no-wheel]`).
We bootstrap the pip bundled with CPython (ensurepip), then let it install the requested pip from PyPI.
"""

import ensurepip
import os
import ssl
import subprocess
import sys

ensurepip.bootstrap(upgrade=False, default_pip=True)
arguments = [argument for argument in sys.argv[1:] if argument not in ("--no-setuptools", "--no-wheel")]
# The bundled pip trusts only certifi's roots; the requested pip uses the system trust store, so hand over its CAs.
system_roots = ssl.get_default_verify_paths().openssl_cafile
if system_roots and os.path.exists(system_roots):
    arguments = ["--cert", system_roots, *arguments]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *arguments])
