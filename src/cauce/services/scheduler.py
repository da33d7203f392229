"""The scheduler service: keep every active schedule's upcoming runs made, mark late runs.

The decisions are orchestration/scheduling.py's; this is their pass, as the server runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection

from cauce.orchestration.scheduling import SchedulerMemo, mark_late_runs, schedule_upcoming_runs
from cauce.services.loop import Outcome


def scheduler_pass(late_after: timedelta) -> Callable[[Connection, datetime], Outcome]:
    """The pass at `now`: make missing upcoming runs, then mark overdue Scheduled runs Late.

    The passes share a memo, so that one that finds nothing to do computes nothing; a
    pass's findings join it only once its transaction committed (`Outcome`), so a pass
    rolled back leaves the next one to make its runs."""
    memo = SchedulerMemo()

    def run(connection: Connection, now: datetime) -> Outcome:
        draft = memo.draft()
        made = schedule_upcoming_runs(connection, now, draft)
        late = mark_late_runs(connection, now, late_after)
        done = [f"made {made} scheduled run(s)"] if made else []
        done += [f"marked {late} run(s) Late"] if late else []
        return Outcome(", ".join(done) or None, partial(memo.keep, draft))

    return run
