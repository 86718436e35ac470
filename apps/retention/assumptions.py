"""Turn a CommCell's retention settings into the engine's and the SQL's inputs.

The settings hold the choices the public sources leave open (`RetentionSettings`). A
CommCell without a settings row uses the defaults. ``describe`` lists the settings
that differ from their defaults, for the pages whose results they change.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apps.commcell.models import CommCell

from .engine import EngineSettings
from .models import RetentionSettings

logger = logging.getLogger(__name__)

# "(UTC-05:00) Eastern Time (US & Canada)", "(GMT+01:00) Amsterdam", "UTC+05:30".
_OFFSET_NAME = re.compile(r"(?:UTC|GMT)\s*([+-])(\d{1,2}):?(\d{2})?", re.IGNORECASE)
_ZERO_OFFSET_NAME = re.compile(
    r"^\s*(?:\((?:UTC|GMT)\)|(?:UTC|GMT)\s*$)", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class AgingClock:
    """When data aging runs: local time, offset from UTC and where the offset came from."""

    aging_time: time
    utc_offset_minutes: int
    source: str
    # The IANA zone set in the retention settings, "" when the offset is fixed.
    time_zone: str = ""
    # The CommServe's time zone name that gave a fixed offset, "" otherwise.
    commserve_time_zone: str = ""

    @property
    def sentence(self) -> str:
        """Describe when data aging runs, with the UTC offset and where it comes from.

        For an IANA zone: "Data aging runs daily at 03:30 America/New_York time
        (UTC-05:00 today, follows daylight saving time, set in the retention settings)."
        """
        at = f"{self.aging_time:%H:%M}"
        offset = format_utc_offset(self.utc_offset_minutes)
        if self.time_zone:
            return (
                f"Data aging runs daily at {at} {self.time_zone} time ({offset} today, "
                "follows daylight saving time, set in the retention settings)."
            )
        if self.commserve_time_zone:
            return (
                f"Data aging runs daily at {at} CommServe time ({offset}, from the "
                f'CommServe\'s time zone name "{self.commserve_time_zone}").'
            )
        return f"Data aging runs daily at {at} UTC (no CommServe time zone is known)."


def format_utc_offset(minutes: int) -> str:
    """Format an offset from UTC in minutes as "UTC+01:00" or "UTC-05:30"."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def settings_for(commcell: CommCell | int) -> RetentionSettings:
    """Return the CommCell's settings row, or an unsaved row holding the defaults."""
    commcell_id = commcell if isinstance(commcell, int) else commcell.pk
    row = RetentionSettings.objects.filter(commcell_id=commcell_id).first()
    if row is None:
        row = RetentionSettings(commcell_id=commcell_id)
    return row


def parse_offset(name: str) -> int | None:
    """Return the UTC offset in minutes written in a time zone name, or None."""
    match = _OFFSET_NAME.search(name or "")
    if match is None:
        # "(UTC) Coordinated Universal Time", "(GMT) Casablanca" and "UTC" carry no sign.
        return 0 if _ZERO_OFFSET_NAME.search(name or "") else None

    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes or 0)
    if total > 14 * 60:
        return None
    return -total if sign == "-" else total


def aging_clock(
    settings: RetentionSettings, commcell: CommCell, moment: datetime
) -> AgingClock:
    """Resolve the aging time and UTC offset in force at ``moment``.

    An IANA time zone set by an admin wins and follows daylight saving time. Next
    comes the offset in the time zone name the CommServe reports, which is the
    standard offset only. Without either, UTC.
    """
    if settings.time_zone:
        try:
            zone = ZoneInfo(settings.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning(
                "commcell %s: time zone %r is invalid, so aging is dated in UTC; "
                "set an IANA name such as Europe/Berlin in the retention settings",
                commcell.pk,
                settings.time_zone,
            )
        else:
            offset = moment.astimezone(zone).utcoffset() or timedelta(0)
            return AgingClock(
                settings.aging_time,
                int(offset.total_seconds() // 60),
                f"time zone {settings.time_zone} set in the retention settings",
                settings.time_zone,
            )

    reported = parse_offset(commcell.commserve_time_zone)
    if reported is not None:
        return AgingClock(
            settings.aging_time,
            reported,
            f"time zone reported by the CommServe ({commcell.commserve_time_zone})",
            commserve_time_zone=commcell.commserve_time_zone,
        )
    return AgingClock(settings.aging_time, 0, "UTC: no time zone known")


def engine_settings(
    settings: RetentionSettings, commcell: CommCell, moment: datetime | None = None
) -> EngineSettings:
    """Return the engine settings for ``commcell`` at ``moment`` (default now)."""
    clock = aging_clock(settings, commcell, moment or datetime.now(UTC))
    return EngineSettings(
        errors_full_starts_cycle=settings.errors_full_starts_cycle,
        synthetic_full_starts_cycle=settings.synthetic_full_starts_cycle,
        aging_hour=clock.aging_time.hour,
        aging_minute=clock.aging_time.minute,
        aging_utc_offset_minutes=clock.utc_offset_minutes,
        aging_time_zone=clock.time_zone,
        inactive_copies_hold_jobs=settings.inactive_copies_hold_jobs,
        apply_extended_grace_days=settings.apply_extended_grace_days,
        cycles_when_unknown=settings.cycles_when_unknown,
        week_starts_monday=settings.week_starts_monday,
        open_cycle_factor=settings.open_cycle_factor,
        disagreement_tolerance_days=settings.disagreement_tolerance_days,
    )


def describe(settings: RetentionSettings, *, with_clock: bool = True) -> list[str]:
    """Sentences naming each setting that differs from its default.

    ``with_clock`` False leaves out the aging time and the time zone, for pages that
    show the aging clock's own sentence next to these.
    """
    default = RetentionSettings()
    lines = []
    if with_clock and settings.aging_time != default.aging_time:
        lines.append(f"Data aging runs at {settings.aging_time:%H:%M} CommServe time.")
    if with_clock and settings.time_zone:
        lines.append(f"The CommServe's time zone is set to {settings.time_zone}.")
    if settings.days_only_retention:
        lines.append("Days-only retention is on: cycles are ignored.")

    if not settings.errors_full_starts_cycle:
        lines.append("Fulls that completed with errors do not start a cycle.")
    if not settings.synthetic_full_starts_cycle:
        lines.append("Synthetic fulls do not start a cycle.")
    if not settings.inactive_copies_hold_jobs:
        lines.append("Inactive secondary copies do not hold jobs.")
    if settings.apply_extended_grace_days:
        lines.append("Extended retention adds the grace days.")

    if settings.cycles_when_unknown != default.cycles_when_unknown:
        lines.append(
            f"{settings.cycles_when_unknown:,} cycles are assumed where the CommServe "
            "reports days only."
        )
    if not settings.week_starts_monday:
        lines.append("Weeks start on Sunday for extended retention.")

    if settings.open_cycle_factor != default.open_cycle_factor:
        lines.append(
            "Open cycles are flagged once older than "
            f"{settings.open_cycle_factor:g} times the retention days."
        )
    if settings.disagreement_tolerance_days != default.disagreement_tolerance_days:
        lines.append(
            "CommServe dates may differ by "
            f"{settings.disagreement_tolerance_days:g} days before a job is flagged."
        )
    if (
        settings.disagreement_min_jobs != default.disagreement_min_jobs
        or settings.disagreement_min_percent != default.disagreement_min_percent
    ):
        lines.append(
            "A copy gets a disagreement finding when at least "
            f"{settings.disagreement_min_jobs:,} of its compared jobs or "
            f"{settings.disagreement_min_percent:g}% of them disagree with the "
            "CommServe."
        )
    return lines
