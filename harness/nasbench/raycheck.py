"""Does a Ray cluster answer at ``--address``? Asked before ``ray.init``, which, given an address
where nothing listens, retries for minutes (measured: still waiting when killed at 2 min 47 s).

A Ray head's GCS (``HOST:PORT``) and Ray Client server (``ray://HOST:PORT``) are gRPC servers,
so they answer the HTTP/2 connection preface with a SETTINGS frame at once. A refused or silent
port, an unknown host, or a server of another kind (the dashboard's HTTP port is a common slip)
is one ``BadInput`` line within ``CONNECT_TIMEOUT`` seconds. ``auto`` and ``local`` are Ray's
own look-ups and are left to it; with ``RAY_USE_TLS`` set the preface is not sent (TLS first).
"""

from __future__ import annotations

import os
import socket

from nasbench.errors import BadInput

#: seconds to wait for the cluster to accept the connection and for its first frame
CONNECT_TIMEOUT = 10.0
#: the HTTP/2 client preface, then an empty SETTINGS frame (length 0, type 4, flags 0, stream 0)
_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
_SETTINGS = 4


def split_address(address: str) -> tuple[str, int]:
    """(host, port) of ``HOST:PORT`` or ``ray://HOST:PORT``; ``BadInput`` for anything else."""
    target = address.split("://", 1)[1] if "://" in address else address
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BadInput(
            f"bad --address {address!r}: use HOST:PORT of a Ray head (e.g. 127.0.0.1:6379) or ray://HOST:PORT"
        )
    return host.strip("[]"), int(port)


def check_cluster_answers(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Return when a gRPC server answers at ``address``; else one line saying what happened."""
    if address in ("auto", "local"):
        return
    host, port = split_address(address)
    hint = "start one with `ray start --head --port PORT` or fix --address"
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
                return
            sock.settimeout(timeout)
            sock.sendall(_PREFACE)
            first = sock.recv(9)
    except TimeoutError:
        raise BadInput(f"no Ray cluster answers at --address {address} within {timeout:g} s; {hint}") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BadInput(f"no Ray cluster answers at --address {address} ({reason}); {hint}") from None
    if len(first) < 4 or first[3] != _SETTINGS:
        raise BadInput(f"the server at --address {address} is not a Ray head (no gRPC answer); {hint}")
