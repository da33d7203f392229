# Follows Prefect docs: "Artifacts" (the Artifact class: create, get, get_or_create).
import asyncio

from prefect import flow
from prefect.artifacts import Artifact


@flow
def publish() -> list[object]:
    made = Artifact(type="markdown", key="daily-report", data="# Done", description="v1").create()
    latest = Artifact.get("daily-report")
    missing = Artifact.get("no-such-report")
    again, created_again = Artifact.get_or_create(key="daily-report", type="markdown", data="x")
    fresh, created_fresh = Artifact.get_or_create(key="weekly-report", type="markdown", data="y")
    return [
        made.key,
        made.type,
        made.description,
        made.flow_run_id is not None,
        latest.id == made.id,
        missing,
        created_again,
        again.id == made.id,
        created_fresh,
        fresh.key,
    ]


@flow
async def publish_async() -> list[object]:
    made = await Artifact(type="markdown", key="async-report", data="# Async").create()
    latest = await Artifact.get("async-report")
    _, created = await Artifact.aget_or_create(key="async-report", type="markdown", data="z")
    return [made.key, latest.id == made.id, created]


if __name__ == "__main__":
    state = publish(return_state=True)
    print("OUTCOME", publish.name, state.type.value, state.name)
    print("RESULT", state.result())
    try:
        Artifact(type="markdown", key="Not A Key", data="x")
    except ValueError:
        print("RESULT bad key refused with ValueError")
    print("RESULT", asyncio.run(publish_async()))
