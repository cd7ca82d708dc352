#!/usr/bin/env python3
"""moto's EC2 Query API emulation (PyPI moto[ec2], pinned in scripts/setup.sh) on a free
loopback port, for the IaaS tests.

What the tests rely on: a request needs a SigV4 Authorization header scoped to `ec2` (without
one moto routes it to its S3 emulation); signatures are not checked; a new instance is
`pending`, then `running` on the next describe; errors are HTTP 400 with
<Errors><Error><Code>; POST /moto-api/reset clears every instance.

Prints "PORT <n>" once it listens on 127.0.0.1.
"""
import logging
import sys

try:
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
except ImportError as e:  # the test reports stderr
    print("moto is not installed (run scripts/setup.sh): %s" % e, file=sys.stderr, flush=True)
    sys.exit(1)


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print("PORT %d" % server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
