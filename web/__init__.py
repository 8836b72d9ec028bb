"""The HTTP JSON service: create_app (FastAPI), its routers, schemas, error handlers and the server."""
