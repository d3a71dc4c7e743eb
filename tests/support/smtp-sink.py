#!/usr/bin/env python3
"""A real SMTP server on loopback for the mail tests (Debian python3-aiosmtpd).

    smtp-sink.py PORT DIRECTORY [USER]

With USER, the server requires SMTP AUTH (PLAIN or LOGIN, allowed without TLS here, on
loopback) as USER with the password in the environment variable SMTP_SINK_PASSWORD; other
credentials get 535 and MAIL is refused until AUTH succeeded.

Accepts every message and stores it as DIRECTORY/<time>-<n>.eml (the DATA as received, after the
server undid the dot-stuffing) with the envelope in DIRECTORY/<time>-<n>.json; both are written to a
temporary name first and renamed, so a test never reads half a file. Prints "ready" once it
listens. Stops on SIGTERM/SIGINT.
"""
import json
import os
import signal
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    def _write(self, name, data):
        path = os.path.join(self.directory, name)
        with open(path + '.tmp', 'wb') as f:
            f.write(data)
        os.rename(path + '.tmp', path)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        # Sorted by name = in order of arrival, also across restarts of the sink.
        stem = '%020d-%04d' % (time.time_ns(), self.count)
        self._write(stem + '.json', json.dumps({
            'mailFrom': envelope.mail_from,
            'rcptTos': envelope.rcpt_tos,
            'ehlo': session.host_name,
        }).encode())
        self._write(stem + '.eml', envelope.original_content or envelope.content)
        return '250 Message accepted for delivery'


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        # handled=False: aiosmtpd then answers 535 itself (its default sends nothing).
        return AuthResult(success=ok, handled=False)


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    auth = {}
    if len(sys.argv) > 3:
        auth = dict(authenticator=Authenticator(sys.argv[3], os.environ['SMTP_SINK_PASSWORD']),
                    auth_required=True, auth_require_tls=False)
    os.makedirs(directory, exist_ok=True)
    # Blocked before the controller's thread starts, so it inherits the mask and the signal
    # reaches sigwait below; the controller serves from that thread.
    signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    controller = Controller(Store(directory), hostname='127.0.0.1', port=port, **auth)
    controller.start()
    print('ready', flush=True)
    signal.sigwait(signals)
    controller.stop()


if __name__ == '__main__':
    main()
