"""Flow parameters: coerced from type hints, and bad ones fail the run before user code."""

from __future__ import annotations

import datetime
from typing import Any

import pydantic
import pytest

from cauce import flow, task
from tests.conftest import Store
from tests.engine.records import names, only_run_of


class Window(pydantic.BaseModel):
    start: datetime.date
    days: int = 7


class TestCoercion:
    def test_string_is_coerced_to_the_hinted_int(self, store: Store) -> None:
        @flow
        def doubles(x: int) -> int:
            return x * 2

        assert doubles("3") == 6  # type: ignore[arg-type]

    def test_dict_is_coerced_to_the_hinted_pydantic_model(self, store: Store) -> None:
        @flow
        def window_flow(window: Window) -> Window:
            return window

        window = window_flow({"start": "2024-02-28", "days": "2"})  # type: ignore[arg-type]
        assert window == Window(start=datetime.date(2024, 2, 28), days=2)

    def test_iso_strings_are_coerced_to_dates_and_datetimes(self, store: Store) -> None:
        @flow
        def when(day: datetime.date, moment: datetime.datetime) -> tuple[Any, Any]:
            return day, moment

        day, moment = when("2024-02-29", "2024-02-29T10:30:00+00:00")  # type: ignore[arg-type]
        assert day == datetime.date(2024, 2, 29)
        assert moment == datetime.datetime(2024, 2, 29, 10, 30, tzinfo=datetime.UTC)

    def test_defaults_and_unhinted_parameters_are_passed_as_given(self, store: Store) -> None:
        marker = object()

        @flow
        def mixed(a, b: int = 2, c: Any = None) -> tuple[Any, Any, Any]:  # type: ignore[no-untyped-def]
            return a, b, c

        assert mixed(marker, c=marker) == (marker, 2, marker)

    def test_recorded_parameters_are_the_call_arguments(self, store: Store) -> None:
        @flow
        def recorded_parameters(x: int, day: datetime.date, tags: list[str]) -> None:
            pass

        recorded_parameters(4, datetime.date(2024, 1, 2), ["a"])
        run = only_run_of(store, "recorded-parameters")
        assert run.flow_run.parameters["x"] == 4
        assert run.flow_run.parameters["tags"] == ["a"]
        assert "2024" in str(run.flow_run.parameters["day"])

    def test_task_parameters_are_not_validated(self, store: Store) -> None:
        @task
        def echo(x: int) -> Any:
            return x

        @flow
        def calls_echo() -> Any:
            return echo("not a number")  # type: ignore[arg-type]

        assert calls_echo() == "not a number"


class TestBadParameters:
    def test_bad_parameter_fails_the_run_before_the_body_runs(self, store: Store) -> None:
        body_ran: list[bool] = []

        @flow
        def needs_int(x: int) -> None:
            body_ran.append(True)

        state = needs_int("abc", return_state=True)  # type: ignore[arg-type]
        assert not body_ran
        assert state.is_failed()
        assert state.message is not None
        assert state.message.startswith("Validation of flow parameters failed with error:")
        assert (
            "x" in state.message and "valid integer" in state.message and "'abc'" in state.message
        )

        run = only_run_of(store, "needs-int")
        assert run.flow_run.state.is_failed()
        assert names(run.states) == ["Pending", "Failed"]
        assert run.flow_run.state.message == state.message
        assert run.flow_run.run_count == 0
        assert run.task_runs == []

    def test_bad_parameter_raises_a_type_error_to_the_caller(self, store: Store) -> None:
        @flow
        def needs_int(x: int) -> None:
            pass

        with pytest.raises(TypeError, match="x"):
            needs_int("abc")  # type: ignore[arg-type]

    def test_each_bad_field_is_named(self, store: Store) -> None:
        @flow
        def window_flow(window: Window, count: int) -> None:
            pass

        state = window_flow({"start": "soon"}, "many", return_state=True)  # type: ignore[arg-type]
        assert state.message is not None
        assert "window.start" in state.message and "count" in state.message

    def test_bad_parameter_is_logged_on_the_run(self, store: Store) -> None:
        @flow
        def needs_int(x: int) -> None:
            pass

        needs_int("abc", return_state=True)  # type: ignore[arg-type]
        messages = only_run_of(store, "needs-int").messages
        assert any(m.startswith("Validation of flow parameters failed") for m in messages)

    def test_missing_argument_is_a_type_error_and_no_run(self, store: Store) -> None:
        @flow
        def needs_int(x: int) -> None:
            pass

        with pytest.raises(TypeError, match="'x'"):
            needs_int()  # type: ignore[call-arg]


class TestValidationOff:
    def test_validate_parameters_false_passes_values_unchanged(self, store: Store) -> None:
        @flow(validate_parameters=False)
        def unvalidated(x: int) -> Any:
            return x

        assert unvalidated("3") == "3"  # type: ignore[arg-type]
        assert unvalidated("abc") == "abc"  # type: ignore[arg-type]
