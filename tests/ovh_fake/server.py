"""Start the local fake of the OVHcloud API: ``python tests/ovh_fake/server.py [--port 0] [...]``.

It prints one JSON line (url, endpoint, token_url, nic, owner credentials) once listening, then serves
until SIGTERM or SIGINT. See README.md beside this file for the routes, faults and control API.
"""

import os
import sys

if __package__:
    from .transport import main
else:
    # Run as a script: make this directory importable as the package it is.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from ovh_fake.transport import main

if __name__ == '__main__':
    sys.exit(main())
