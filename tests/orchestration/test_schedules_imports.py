"""The schedule math loads cronsim and dateutil at the first schedule it reads, so a
server whose scheduler pass finds no schedule carries neither."""

from __future__ import annotations

from tests.conftest import json_printed_by

LOADED_BEFORE_AND_AFTER = """
import json, sys
from datetime import UTC, datetime
from cauce.orchestration import schedules
from cauce.orchestration.schedules import CronSchedule, RRuleSchedule

def loaded():
    return sorted({m.split(".")[0] for m in sys.modules} & {"cronsim", "dateutil"})

before = loaded()
after = datetime(2026, 1, 1, tzinfo=UTC)
cron = schedules.next_run_times(CronSchedule("0 9 * * *", "UTC"), after, count=1)[0]
rrule = schedules.next_run_times(RRuleSchedule("FREQ=DAILY", "UTC"), after, count=1)[0]
print(json.dumps([before, loaded(), cron.isoformat(), rrule.isoformat()]))
"""


def test_cronsim_and_dateutil_load_at_the_first_schedule_read():
    before, after, cron, rrule = json_printed_by(LOADED_BEFORE_AND_AFTER)
    assert before == []
    assert after == ["cronsim", "dateutil"]
    assert cron == "2026-01-01T09:00:00+00:00"
    assert rrule == "2026-01-02T00:00:00+00:00"
