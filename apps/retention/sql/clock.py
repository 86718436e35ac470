"""Data aging runs per local date, for an aging clock that follows daylight saving time.

Data aging runs daily at a local time of the CommServe. In a zone with daylight
saving time that local time is a different UTC time of day in summer and in winter,
so the SQL cannot add whole days to one offset. This module lists the run of every
local date in a range, computed as ``apps.retention.engine.clock`` computes it, for
the SQL to look up (``queries.aging_run``). A zone whose offset does not change over
the range needs no table: the fixed offset gives the same runs.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# The furthest a table reaches past the analysis moment, about 55 years. Later
# moments take the offset at the analysis moment.
MAX_FUTURE_DAYS = 20_000


@dataclass(frozen=True, slots=True)
class AgingRuns:
    """The data aging run of each local date from ``first_day`` on.

    ``rows`` are (day number, run in milliseconds since 1970 UTC), one per local
    date; the day number counts local dates from 1970-01-01. ``offsets_ms`` are the
    distinct UTC offsets the zone has at the aging time over the range.
    """

    rows: tuple[tuple[int, int], ...]
    offsets_ms: frozenset[int]

    @property
    def changes_offset(self) -> bool:
        return len(self.offsets_ms) > 1

    @property
    def min_offset_ms(self) -> int:
        return min(self.offsets_ms)

    def last_run_ms(self, now_ms: int) -> int | None:
        """Return the last run at or before ``now_ms``, or None outside the range."""
        runs = [run for _, run in self.rows]
        index = bisect_right(runs, now_ms)
        if index == 0 or index == len(runs):
            return None
        return runs[index - 1]


def aging_runs(zone_name: str, aging_time: time, first: date, last: date) -> AgingRuns:
    """List the runs at ``aging_time`` in ``zone_name`` on each date from first to last.

    A run time that falls in the hour skipped by a change to summer time is read
    with the offset before the change, as Python's ``zoneinfo`` reads it.
    """
    zone = ZoneInfo(zone_name)
    time_of_day_ms = (aging_time.hour * 60 + aging_time.minute) * 60_000
    rows = []
    offsets = set()

    day = first
    while day <= last:
        local = datetime.combine(day, aging_time, tzinfo=zone)
        run_ms = (local - EPOCH) // timedelta(milliseconds=1)
        day_no = day.toordinal() - EPOCH_ORDINAL
        rows.append((day_no, run_ms))
        offsets.add(day_no * DAY_MS + time_of_day_ms - run_ms)
        day += timedelta(days=1)

    return AgingRuns(rows=tuple(rows), offsets_ms=frozenset(offsets))


def date_range(
    first_moment: datetime, now: datetime, longest_days: int
) -> tuple[date, date]:
    """Return the local dates a table needs, from the first job to the last due date.

    Two days of margin on each side cover any UTC offset. The end is ``now`` plus the
    longest retention in days (at least ten years, for manual retention dates) and
    at most ``MAX_FUTURE_DAYS``.
    """
    ahead = min(max(longest_days, 3_650), MAX_FUTURE_DAYS)
    first = first_moment.astimezone(UTC).date() - timedelta(days=2)
    last = now.astimezone(UTC).date() + timedelta(days=ahead + 2)
    return max(first, date(1970, 1, 3)), min(last, date(9999, 12, 1))
