"""The server: HTTP transport over the orchestration core and the database.

Map: app.py builds the FastAPI app (lifespan, health, placeholder page);
auth.py checks HTTP basic auth on /api; database.py hands each request its
engine; api/ holds one thin router per entity. No rule and no SQL lives here:
routers parse, call orchestration/ or database/, and respond.
"""
