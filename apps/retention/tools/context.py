"""The retention settings one CommCell's tools run under, resolved once per run.

Every tool evaluates jobs with the engine settings of the CommCell's
``RetentionSettings`` and its aging clock (``apps.retention.assumptions``), and the
pages name the settings that change the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from apps.commcell.models import CommCell
from apps.retention.assumptions import aging_clock, describe, engine_settings
from apps.retention.assumptions import settings_for as stored_settings
from apps.retention.engine import EngineSettings
from apps.retention.models import RetentionSettings

DEFAULT_AGING_TIME = time(12, 0)


@dataclass(frozen=True)
class ToolSettings:
    """The engine settings, days-only switch and aging clock of one CommCell.

    ``settings`` and ``commcell`` are None for a rule typed without a plan, which
    runs under the defaults.
    """

    engine: EngineSettings = field(default_factory=EngineSettings)
    days_only: bool = False
    aging_time: time = DEFAULT_AGING_TIME
    utc_offset_minutes: int = 0
    clock_source: str = "UTC: no time zone known"
    lines: tuple[str, ...] = ()
    settings: RetentionSettings | None = None
    commcell: CommCell | None = None

    def offset_at(self, moment: datetime) -> int:
        """Return the CommServe's UTC offset in minutes in force at ``moment``."""
        if self.settings is None or self.commcell is None:
            return self.utc_offset_minutes
        return aging_clock(self.settings, self.commcell, moment).utc_offset_minutes

    def describe(self) -> list[str]:
        """Return the clock sentence and one sentence per non-default setting."""
        return list(self.lines)


def tool_settings(commcell: CommCell, now: datetime) -> ToolSettings:
    """Resolve a CommCell's retention settings and aging clock at ``now``."""
    row = stored_settings(commcell)
    clock = aging_clock(row, commcell, now)
    # The clock sentence already names a changed aging time.
    others = describe(row, with_clock=False)
    lines = (clock.sentence, *others)
    return ToolSettings(
        engine=engine_settings(row, commcell, now),
        days_only=row.days_only_retention,
        aging_time=clock.aging_time,
        utc_offset_minutes=clock.utc_offset_minutes,
        clock_source=clock.source,
        lines=lines,
        settings=row,
        commcell=commcell,
    )
