# Follows Prefect docs: "Results" (persist_result with a JSON serializer; settings in code).
from prefect import flow, task
from prefect.serializers import JSONSerializer
from prefect.settings import get_current_settings


@task(persist_result=True, result_serializer=JSONSerializer())
def build(n: int) -> dict[str, int]:
    return {"n": n, "square": n * n}


@task(persist_result=True, result_serializer="json", cache_result_in_memory=False)
def label(record: dict[str, int]) -> str:
    return f"{record['n']}^2={record['square']}"


@flow
def persisted() -> str:
    return label(build(5))


if __name__ == "__main__":
    print("RESULT persist by default", get_current_settings().results.persist_by_default)
    state = persisted(return_state=True)
    print("OUTCOME", persisted.name, state.type.value, state.name)
    print("RESULT", state.result())
