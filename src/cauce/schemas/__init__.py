"""Objects that cross between the engine, the client, the core and (later) the wire.

Plain dataclasses, one copy for client and server: cheap to build on the hot
path of a task run, and pydantic validates them as they are where needed.
"""
