"""MCP both ways: an MCP server's tools as a toolset (`MCPToolset`), and a toolset of ours served
to any MCP client (`agents mcp serve module:toolset`, `agents.mcp.serve`).

>>> from agents.mcp import MCPToolset
>>> server = MCPToolset.stdio("python", "my_server.py")
>>> agent = Agent(model, tools=[server])

The `mcp` package (the official SDK: `pip install 'gemma-agents[mcp]'`) is imported only when a
server starts or is served, so that `import agents` stays fast without it.
"""

from agents.mcp._results import MCPResult
from agents.mcp._toolset import MCPToolset

__all__ = ["MCPResult", "MCPToolset"]
