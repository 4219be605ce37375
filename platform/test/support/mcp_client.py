"""Lists and calls a tool through the gateway with the Python `mcp` package (an MCP client that is not ours).

Usage: python3 mcp_client.py URL TOKEN TOOL TEXT
Prints one JSON line: the tool names listed, the called tool's text, and the negotiated protocol version.
The client connects in its default mode ("auto"): it probes `server/discover` and falls back to the
initialize handshake, so the gateway's answer to a method it does not know is part of the test.
"""

import asyncio
import json
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def main(url: str, token: str, tool: str, text: str) -> None:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        listed = await client.list_tools()
        result = await client.call_tool(tool, {"text": text})
        session = client.session
        version = session.initialize_result.protocol_version if session.initialize_result else None
        print(
            json.dumps(
                {
                    "tools": [t.name for t in listed.tools],
                    "isError": bool(result.is_error),
                    "text": [c.text for c in result.content if c.type == "text"],
                    "protocolVersion": version,
                }
            )
        )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
