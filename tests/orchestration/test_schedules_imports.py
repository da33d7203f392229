"""The schedule math loads cronsim and dateutil at the first schedule it reads, so a
server whose scheduler pass finds no schedule carries neither."""

from __future__ import annotations

import json
import subprocess
import sys

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
    out = subprocess.run(
        [sys.executable, "-c", LOADED_BEFORE_AND_AFTER],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    before, after, cron, rrule = json.loads(out.splitlines()[-1])
    assert before == []
    assert after == ["cronsim", "dateutil"]
    assert cron == "2026-01-01T09:00:00+00:00"
    assert rrule == "2026-01-02T00:00:00+00:00"
