"""Serving an ASGI application with uvicorn, shared by the agent gateway and the citizens' web
server: no project code, so both may import it whatever else their contracts forbid them."""
