"""``python -m syncd.sandbox linear``: the emulator served from a shell answers the real ``gql`` client."""

from __future__ import annotations

import re
import socket

from gql import Client, gql
from gql.transport.requests import RequestsHTTPTransport

from syncd.schemas import linear_schema
from tests.support.sandbox_command import sandbox_command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_command_line_serves_the_demo_org_and_prints_its_key() -> None:
    port = free_port()
    with sandbox_command("linear", "--port", str(port)) as banner:
        url = re.search(r"on (http://\S+/graphql)", banner)
        key = re.search(r"API key: (\S+)", banner)
        assert url is not None
        assert key is not None
        assert f":{port}/" in url.group(1)

        transport = RequestsHTTPTransport(url=url.group(1), headers={"Authorization": key.group(1)}, retries=0)
        with Client(schema=linear_schema(), transport=transport) as session:
            data = session.execute(gql("query { viewer { id name } organization { name } }"))

    assert data["viewer"]["id"]
    assert data["organization"]["name"]
