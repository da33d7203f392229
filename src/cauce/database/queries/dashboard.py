"""Reads only the dashboard needs: how many flow runs of each state type were created in
each bucket of a period.

The buckets' edges are computed here in Python, in the server's zone, and the database
only compares `created` with them: one aggregate query, the same on SQLite and PostgreSQL
(no date functions, which the two spell differently), over the `created` index.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, case, func, literal, select

from cauce.database.tables import flow_runs

ONE_HOUR = timedelta(hours=1)


def bucket_edges(now: datetime, zone: str, step: timedelta, count: int) -> list[datetime]:
    """`count + 1` ascending UTC edges of `count` buckets of `step` (whole hours), the last
    bucket holding `now`, each edge on a multiple of `step` of the wall clock in `zone`."""
    hours = int(step / ONE_HOUR)
    local = now.astimezone(ZoneInfo(zone))
    floor = local.replace(minute=0, second=0, microsecond=0, hour=local.hour - local.hour % hours)
    end = floor + step  # wall-clock arithmetic: 6-hour edges stay at 00, 06, 12, 18 local
    if hours == 1:
        # An hour is exact in UTC; on the wall a DST change would skip or repeat one.
        last = end.astimezone(UTC)
        return [last - step * index for index in range(count, -1, -1)]
    edges = {(end - step * index).astimezone(UTC) for index in range(count, -1, -1)}
    return sorted(edges)


def _bucket_of(
    created: ColumnElement[datetime], edges: list[datetime], low: int, high: int
) -> ColumnElement[int]:
    """The index of the bucket holding `created`, known to be in [edges[low], edges[high]):
    nested halves, so each row is compared about log2(buckets) times, not once per bucket."""
    if high - low == 1:
        return literal(low)
    middle = (low + high) // 2
    return case(
        (created < edges[middle], _bucket_of(created, edges, low, middle)),
        else_=_bucket_of(created, edges, middle, high),
    )


def count_runs_by_bucket(
    connection: Connection, edges: list[datetime]
) -> dict[tuple[int, str], int]:
    """Per (bucket index, state type): the flow runs created in that bucket of `edges`
    (bucket i is [edges[i], edges[i + 1])); runs outside the edges are not counted."""
    created = flow_runs.c.created
    bucket = _bucket_of(created, edges, 0, len(edges) - 1)
    # Grouped in an outer query: PostgreSQL would not see the CASE in GROUP BY, with bind
    # parameters of its own, as the one selected.
    runs = (
        select(bucket.label("bucket"), flow_runs.c.state_type.label("state_type"))
        .where(created >= edges[0], created < edges[-1], flow_runs.c.state_type.is_not(None))
        .subquery()
    )
    query = select(runs.c.bucket, runs.c.state_type, func.count()).group_by(
        runs.c.bucket, runs.c.state_type
    )
    return {(int(row[0]), str(row[1])): int(row[2]) for row in connection.execute(query)}
