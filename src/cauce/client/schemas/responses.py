"""What a proposed state change answers, as `prefect.client.schemas.responses`."""

from cauce.schemas.states import SetStateResult as OrchestrationResult
from cauce.schemas.states import SetStateStatus

__all__ = ["OrchestrationResult", "SetStateStatus"]
