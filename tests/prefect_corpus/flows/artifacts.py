# Follows Prefect docs: "Artifacts" (markdown, table, link and progress artifacts from a flow).
from prefect import flow, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)


@task
def summarize(rows: list[dict[str, int]]) -> int:
    create_table_artifact(key="rows", table=rows, description="input rows")
    return sum(r["value"] for r in rows)


@flow
def reporting() -> int:
    progress = create_progress_artifact(progress=0.0, description="loading")
    total = summarize([{"id": 1, "value": 3}, {"id": 2, "value": 4}])
    update_progress_artifact(artifact_id=progress, progress=100.0)
    create_markdown_artifact(key="report", markdown=f"# Total\n\n{total}")
    create_link_artifact(key="docs", link="https://example.com/report", link_text="report")
    return total


if __name__ == "__main__":
    state = reporting(return_state=True)
    print("OUTCOME", reporting.name, state.type.value, state.name)
    print("RESULT", state.result())
