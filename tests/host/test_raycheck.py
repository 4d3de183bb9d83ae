"""``--address`` is asked whether a Ray head answers before ``ray.init`` (which retries for
minutes): refused, silent and non-gRPC servers are one line within the timeout; a server that
speaks HTTP/2 (as a Ray head's GCS does) passes."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from nasbench.errors import BadInput
from nasbench.raycheck import check_cluster_answers, split_address


def serve_once(reply: bytes | None) -> tuple[str, socket.socket]:
    """A listening socket on 127.0.0.1 that answers its first connection with ``reply`` (None:
    accepts and stays silent)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        conn.recv(64)
        if reply is not None:
            conn.sendall(reply)
        time.sleep(3)
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    return f"127.0.0.1:{server.getsockname()[1]}", server


def test_addresses_are_host_and_port_or_ray_client_urls():
    assert split_address("127.0.0.1:6379") == ("127.0.0.1", 6379)
    assert split_address("ray://head.example:10001") == ("head.example", 10001)
    assert split_address("[::1]:6379") == ("::1", 6379)
    for bad in ("nowhere", "host:", ":6379", "host:port", "host:70000"):
        with pytest.raises(BadInput, match="bad --address"):
            split_address(bad)


def test_a_refused_port_is_one_line_at_once():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(BadInput, match=rf"no Ray cluster answers at --address 127.0.0.1:{port} \(Connection refused\)"):
        check_cluster_answers(f"127.0.0.1:{port}")
    assert time.monotonic() - start < 5


def test_a_silent_server_is_given_up_on_after_the_timeout():
    address, server = serve_once(None)
    with server:
        start = time.monotonic()
        with pytest.raises(BadInput, match="no Ray cluster answers at .* within 1 s"):
            check_cluster_answers(address, timeout=1)
        assert time.monotonic() - start < 5


def test_a_server_of_another_kind_is_not_a_ray_head():
    address, server = serve_once(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    with server, pytest.raises(BadInput, match="is not a Ray head"):
        check_cluster_answers(address, timeout=2)


def test_an_http2_server_passes():
    settings_frame = bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
    address, server = serve_once(settings_frame)
    with server:
        check_cluster_answers(address, timeout=2)


def test_ray_s_own_lookups_are_left_to_ray():
    check_cluster_answers("auto")
    check_cluster_answers("local")
