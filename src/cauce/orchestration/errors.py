"""What the core refuses, in words fit for a user: the clients and the API map these to
their own errors (NotFound, ClientError; 404, 409, 422)."""


class OrchestrationError(Exception):
    """A request the core cannot carry out; nothing of it was written."""


class ObjectNotFound(OrchestrationError):
    """The pool, deployment, schedule or run named does not exist."""


class ObjectExists(OrchestrationError):
    """An object with that name already exists."""


class InvalidRequest(OrchestrationError):
    """A value the core refuses: a bad schedule, parameter, or a pool still in use."""
