"""Retention settings: the aging clock, the engine settings and the admin page."""

from datetime import UTC, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.models import AnalysisRun, AuditLog
from apps.retention.assumptions import (
    aging_clock,
    describe,
    engine_settings,
    format_utc_offset,
    parse_offset,
    settings_for,
)
from apps.retention.models import RetentionSettings
from tests.factories import AnalysisRunFactory, CommCellFactory

URL = "/admin/retention/retentionsettings/"
WINTER = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "minutes"),
    [
        ("(UTC-05:00) Eastern Time (US & Canada)", -300),
        ("(GMT+01:00) Amsterdam, Berlin", 60),
        ("UTC+05:30", 330),
        ("(UTC+12:45) Chatham Islands", 765),
        ("Pacific Standard Time", None),
        ("UTC", 0),
        ("(UTC) Coordinated Universal Time", 0),
        ("(GMT) Casablanca", 0),
        ("UTC Standard Time", None),
        ("", None),
        ("(UTC+25:00) Nowhere", None),
    ],
)
def test_parse_offset(name, minutes):
    assert parse_offset(name) == minutes


@pytest.mark.django_db
def test_defaults_without_a_row():
    commcell = CommCellFactory()

    settings = settings_for(commcell)

    assert settings.pk is None
    assert settings.aging_time == time(12, 0)
    assert describe(settings) == []
    assert aging_clock(settings, commcell, WINTER).utc_offset_minutes == 0


@pytest.mark.django_db
def test_reported_time_zone_gives_the_offset():
    commcell = CommCellFactory(commserve_time_zone="(UTC-05:00) Eastern Time")

    clock = aging_clock(settings_for(commcell), commcell, SUMMER)

    assert clock.utc_offset_minutes == -300
    assert "Eastern Time" in clock.source


@pytest.mark.django_db
def test_set_time_zone_follows_daylight_saving_and_wins():
    commcell = CommCellFactory(commserve_time_zone="(UTC-05:00) Eastern Time")
    settings = RetentionSettings.objects.create(
        commcell=commcell, time_zone="Europe/Berlin", aging_time=time(2, 30)
    )

    winter = aging_clock(settings, commcell, WINTER)
    summer = aging_clock(settings, commcell, SUMMER)

    assert (winter.utc_offset_minutes, summer.utc_offset_minutes) == (60, 120)
    assert summer.aging_time == time(2, 30)
    assert "Europe/Berlin" in summer.source


@pytest.mark.django_db
def test_engine_settings_carry_every_choice():
    commcell = CommCellFactory()
    settings = RetentionSettings.objects.create(
        commcell=commcell,
        time_zone="Asia/Kolkata",
        days_only_retention=True,
        aging_time=time(23, 15),
        errors_full_starts_cycle=False,
        synthetic_full_starts_cycle=False,
        inactive_copies_hold_jobs=False,
        apply_extended_grace_days=True,
        cycles_when_unknown=3,
        week_starts_monday=False,
        open_cycle_factor=3.5,
        disagreement_tolerance_days=2.0,
    )

    result = engine_settings(settings, commcell, WINTER)

    assert (result.aging_hour, result.aging_minute) == (23, 15)
    assert result.aging_utc_offset_minutes == 330
    assert result.errors_full_starts_cycle is False
    assert result.synthetic_full_starts_cycle is False
    assert result.inactive_copies_hold_jobs is False
    assert result.apply_extended_grace_days is True
    assert result.cycles_when_unknown == 3
    assert result.week_starts_monday is False
    assert result.open_cycle_factor == 3.5
    assert result.disagreement_tolerance_days == 2.0
    assert len(describe(settings)) == 11


@pytest.mark.django_db
def test_admin_adds_settings_and_audits(admin_role_client):
    commcell = CommCellFactory()

    response = admin_role_client.post(
        f"{URL}add/",
        {
            "commcell": commcell.pk,
            "aging_time": "03:00",
            "time_zone": "America/New_York",
            "days_only_retention": "on",
            "errors_full_starts_cycle": "on",
            "synthetic_full_starts_cycle": "on",
            "inactive_copies_hold_jobs": "on",
            "cycles_when_unknown": "1",
            "week_starts_monday": "on",
            "open_cycle_factor": "2",
            "disagreement_tolerance_days": "1",
            "disagreement_min_jobs": "25",
            "disagreement_min_percent": "0.5",
        },
    )

    assert response.status_code == 302
    stored = RetentionSettings.objects.get(commcell=commcell)
    assert stored.days_only_retention is True
    assert stored.disagreement_min_jobs == 25
    assert stored.disagreement_min_percent == 0.5
    entry = AuditLog.objects.get(action="retention.settings.add")
    assert entry.after["time_zone"] == "America/New_York"


@pytest.mark.django_db
def test_admin_rejects_unknown_time_zone(admin_role_client):
    commcell = CommCellFactory()

    response = admin_role_client.post(
        f"{URL}add/",
        {
            "commcell": commcell.pk,
            "aging_time": "12:00",
            "time_zone": "Mars/Olympus",
            "cycles_when_unknown": "1",
            "open_cycle_factor": "2",
            "disagreement_tolerance_days": "1",
            "disagreement_min_jobs": "10",
            "disagreement_min_percent": "1",
        },
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "&quot;Mars/Olympus&quot; is not an IANA time zone." in text
    assert "&#x27;Mars/Olympus&#x27;" not in text
    assert not RetentionSettings.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="retention.settings").exists()


@pytest.mark.django_db
def test_admin_change_records_before_and_after(admin_role_client):
    settings = RetentionSettings.objects.create(commcell=CommCellFactory())

    response = admin_role_client.post(
        f"{URL}{settings.pk}/change/",
        {
            "aging_time": "12:00",
            "time_zone": "",
            "errors_full_starts_cycle": "on",
            "synthetic_full_starts_cycle": "on",
            "inactive_copies_hold_jobs": "on",
            "cycles_when_unknown": "2",
            "week_starts_monday": "on",
            "open_cycle_factor": "2",
            "disagreement_tolerance_days": "1",
            "disagreement_min_jobs": "10",
            "disagreement_min_percent": "1",
        },
    )

    assert response.status_code == 302
    entry = AuditLog.objects.get(action="retention.settings.update")
    assert (
        entry.before["cycles_when_unknown"],
        entry.after["cycles_when_unknown"],
    ) == (
        "1",
        "2",
    )


@pytest.mark.django_db
def test_viewer_cannot_open_settings(viewer_client):
    assert viewer_client.get(URL).status_code == 302


@pytest.mark.django_db
def test_admin_save_queues_analysis(admin_role_client):
    commcell = CommCellFactory()
    settings = RetentionSettings.objects.create(commcell=commcell)

    response = admin_role_client.post(
        f"{URL}{settings.pk}/change/",
        {
            "aging_time": "12:00",
            "days_only_retention": "on",
            "errors_full_starts_cycle": "on",
            "synthetic_full_starts_cycle": "on",
            "inactive_copies_hold_jobs": "on",
            "cycles_when_unknown": "1",
            "week_starts_monday": "on",
            "open_cycle_factor": "2",
            "disagreement_tolerance_days": "1",
            "disagreement_min_jobs": "10",
            "disagreement_min_percent": "1",
        },
        follow=True,
    )

    run = AnalysisRun.objects.get(commcell=commcell)
    assert run.status == AnalysisRun.Status.QUEUED
    assert f"Analysis run {run.pk} of {commcell.name} is queued" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_admin_save_during_analysis_warns(admin_role_client):
    commcell = CommCellFactory()
    AnalysisRunFactory(
        commcell=commcell,
        status=AnalysisRun.Status.RUNNING,
        started_at=timezone.now(),
        finished_at=None,
    )
    settings = RetentionSettings.objects.create(commcell=commcell)

    response = admin_role_client.post(
        f"{URL}{settings.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert not RetentionSettings.objects.exists()
    assert AnalysisRun.objects.filter(commcell=commcell).count() == 1
    assert "is already queued or running" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "Mars/Olympus"])
def test_settings_reject_non_canonical_zones(zone):
    settings = RetentionSettings(commcell=CommCellFactory(), time_zone=zone)

    with pytest.raises(ValidationError) as raised:
        settings.full_clean()

    message = raised.value.message_dict["time_zone"][0]
    assert message.startswith(f'"{zone}" is not an IANA time zone.')


@pytest.mark.django_db
def test_describe_without_clock_lines():
    settings = RetentionSettings(
        commcell=CommCellFactory(),
        aging_time=time(9, 0),
        time_zone="America/New_York",
        days_only_retention=True,
    )

    assert describe(settings, with_clock=False) == [
        "Days-only retention is on: cycles are ignored."
    ]
    assert len(describe(settings)) == 3


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "UTC+00:00"), (120, "UTC+02:00"), (-300, "UTC-05:00"), (330, "UTC+05:30")],
)
def test_format_utc_offset(minutes, text):
    assert format_utc_offset(minutes) == text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "offset"), [(WINTER, "UTC-05:00"), (SUMMER, "UTC-04:00")]
)
def test_clock_sentence_names_zone(moment, offset):
    commcell = CommCellFactory()
    settings = RetentionSettings.objects.create(
        commcell=commcell, time_zone="America/New_York", aging_time=time(3, 30)
    )

    sentence = aging_clock(settings, commcell, moment).sentence

    assert sentence == (
        f"Data aging runs daily at 03:30 America/New_York time ({offset} today, "
        "follows daylight saving time, set in the retention settings)."
    )


@pytest.mark.django_db
def test_clock_sentence_fixed_offset():
    commcell = CommCellFactory(commserve_time_zone="(UTC+02:00) Athens")

    sentence = aging_clock(settings_for(commcell), commcell, SUMMER).sentence

    assert sentence == (
        "Data aging runs daily at 12:00 CommServe time (UTC+02:00, from the "
        'CommServe\'s time zone name "(UTC+02:00) Athens").'
    )


@pytest.mark.django_db
def test_clock_sentence_without_zone():
    commcell = CommCellFactory(commserve_time_zone="")

    sentence = aging_clock(settings_for(commcell), commcell, SUMMER).sentence

    assert sentence == (
        "Data aging runs daily at 12:00 UTC (no CommServe time zone is known)."
    )


def settings_form(commcell, **overrides) -> dict:
    data = {
        "commcell": commcell.pk,
        "aging_time": "12:00",
        "cycles_when_unknown": "1",
        "open_cycle_factor": "2",
        "disagreement_tolerance_days": "1",
        "disagreement_min_jobs": "10",
        "disagreement_min_percent": "1",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-1", "0"])
def test_admin_min_jobs_starts_at_one(admin_role_client, value):
    commcell = CommCellFactory()

    response = admin_role_client.post(
        f"{URL}add/", settings_form(commcell, disagreement_min_jobs=value)
    )

    errors = response.context["adminform"].form.errors["disagreement_min_jobs"]
    assert errors == [f'"{value}": Ensure this value is greater than or equal to 1.']
    assert not RetentionSettings.objects.exists()


@pytest.mark.django_db
def test_admin_min_jobs_input_min_one(admin_role_client):
    response = admin_role_client.get(f"{URL}add/")

    text = response.content.decode()
    field = text.split('name="disagreement_min_jobs"')[1].split(">")[0]
    assert 'min="1"' in field
