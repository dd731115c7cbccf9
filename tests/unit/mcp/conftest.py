from tests.unit.mcp.servers import demo_http

__all__ = ["demo_http"]
