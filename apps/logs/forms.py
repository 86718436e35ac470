"""The log upload form, shared by the upload page and the API."""

import zoneinfo
from datetime import datetime

from django import forms
from django.utils import timezone

from apps.commcell.models import CommCell

from .models import validate_time_zone


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files and returns them as a list."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class LogUploadForm(forms.Form):
    commcell = forms.ModelChoiceField(
        queryset=CommCell.objects.order_by("name"),
        label="CommCell",
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "invalid_choice": 'No CommCell has the id "%(value)s". Give the id of '
            "a CommCell the portal knows; /api/commcells/ lists them.",
        },
    )
    media_agent_name = forms.CharField(
        max_length=300,
        label="MediaAgent name",
        required=False,
        help_text="Name of the MediaAgent (or CommServe) that wrote the logs, as "
        "the CommCell lists it.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    time_zone = forms.CharField(
        max_length=64,
        initial="UTC",
        label="Time zone of the logs",
        validators=[validate_time_zone],
        help_text='IANA name of the time zone the log timestamps use, such as "UTC".',
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    file_date = forms.DateTimeField(
        required=False,
        label="Collected at",
        help_text="When the logs were collected (YYYY-MM-DD HH:MM), read in the "
        "time zone of the logs above, not in UTC. Log lines carry no year, so it "
        "comes from this date; it cannot be in the future. Empty means the rollover "
        "date in a file name, the archive date, or now.",
        widget=forms.DateTimeInput(
            attrs={"class": "form-control", "type": "datetime-local"}
        ),
    )
    files = MultipleFileField(
        label="Log files",
        help_text="One or more .log files, or .zip, .gz or .bz2 archives of them.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        value = cleaned.get("file_date")
        zone_name = cleaned.get("time_zone")
        if value is None or zone_name is None:
            return cleaned

        collected_at = in_zone(value, zone_name)
        if collected_at > timezone.now():
            self.add_error(
                "file_date",
                f"Collected at {collected_at:%Y-%m-%d %H:%M} ({zone_name}) is in the "
                "future. Give the date the logs were collected, or leave it empty.",
            )
            return cleaned
        cleaned["file_date"] = collected_at
        return cleaned


def in_zone(value: datetime, zone_name: str) -> datetime:
    """Read a date as wall-clock time in the logs' time zone; any offset is dropped."""
    return value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone_name))
