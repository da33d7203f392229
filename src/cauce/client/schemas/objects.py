"""The objects `get_client()` returns, under the names Prefect users import them from
`prefect.client.schemas.objects`."""

from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.flows import Flow
from cauce.schemas.task_runs import TaskRun
from cauce.states import State, StateType

__all__ = ["Deployment", "Flow", "FlowRun", "State", "StateType", "TaskRun", "WorkPool"]
