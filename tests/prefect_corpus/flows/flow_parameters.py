# Follows Prefect docs: "Write and run flows" (parameters are type-coerced by pydantic).
from datetime import date

from prefect import flow


@flow
def report(day: date, count: int = 1, scale: float = 1.0) -> str:
    return f"{day.isoformat()} {count * scale} {type(count).__name__}"


if __name__ == "__main__":
    state = report("2024-02-29", count="3", scale=2, return_state=True)
    print("OUTCOME", report.name, state.type.value, state.name)
    print("RESULT", state.result())
