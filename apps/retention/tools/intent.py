"""Group retention rules by the intent their settings and copy names show.

Days alone give three groups: short-term under 30 days, standard from 30 to 90 days,
and long-term over 90 days or infinite. Two intents come before days:

- compliance: the copy is WORM, its name contains a compliance word (compliance,
  legal, hold, archive, vault), or an extended rule keeps fulls a year or more;
- disaster recovery: the copy name contains a DR word (DR, disaster, offsite,
  off-site, replica, remote) as a whole word; underscores count as separators.

Names are the only signal for disaster recovery, so a copy named otherwise falls
into its days group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.retention.engine import INFINITE_DAYS, ExtendedRule, intent_group

SHORT_TERM = "short_term"
STANDARD = "standard"
LONG_TERM = "long_term"
DISASTER_RECOVERY = "disaster_recovery"
COMPLIANCE = "compliance"

GROUP_LABELS = {
    SHORT_TERM: "Short-term (under 30 days)",
    STANDARD: "Standard (30 to 90 days)",
    LONG_TERM: "Long-term (over 90 days)",
    DISASTER_RECOVERY: "Disaster recovery",
    COMPLIANCE: "Compliance",
}
GROUP_ORDER = (SHORT_TERM, STANDARD, LONG_TERM, DISASTER_RECOVERY, COMPLIANCE)

# An extended rule that keeps fulls this long or forever marks a compliance copy.
COMPLIANCE_EXTENDED_DAYS = 365

COMPLIANCE_WORDS = re.compile(r"\b(compliance|legal|hold|archive|vault)\b", re.I)
DR_WORDS = re.compile(
    r"(?:\b|_)(dr|disaster|offsite|off-site|replica|remote)(?:\b|_)", re.I
)


@dataclass(frozen=True, slots=True)
class Intent:
    """The intent group of a rule and the setting or name that decided it."""

    group: str
    label: str
    basis: str


def classify_intent(
    days: int,
    *,
    copy_name: str = "",
    worm: bool = False,
    extended: tuple[ExtendedRule, ...] = (),
) -> Intent:
    """Return the intent group of a copy's retention and why it belongs there."""
    long_rule = next(
        (
            rule
            for rule in extended
            if rule.end_days == INFINITE_DAYS
            or rule.end_days >= COMPLIANCE_EXTENDED_DAYS
        ),
        None,
    )
    if worm:
        return _intent(COMPLIANCE, "the copy is WORM")
    if COMPLIANCE_WORDS.search(copy_name):
        return _intent(COMPLIANCE, f"the copy name {copy_name!r} names compliance")
    if long_rule is not None:
        kept = (
            "forever"
            if long_rule.end_days == INFINITE_DAYS
            else (f"{long_rule.end_days} days")
        )
        return _intent(
            COMPLIANCE, f"an extended rule keeps {long_rule.kind.value} {kept}"
        )
    if DR_WORDS.search(copy_name):
        return _intent(
            DISASTER_RECOVERY, f"the copy name {copy_name!r} names disaster recovery"
        )

    group = intent_group(days)
    if days == INFINITE_DAYS:
        return _intent(group, "infinite retention days")
    return _intent(group, f"{days} retention days")


def _intent(group: str, basis: str) -> Intent:
    return Intent(group=group, label=GROUP_LABELS[group], basis=basis)
