"""Admin form errors quote the value typed and the expected input."""

import pytest
from django import forms
from django.forms import modelform_factory

from apps.core.admin import ValueNamingAdminForm
from apps.retention.models import RetentionSettings
from apps.storage.models import StorageThresholds

pytestmark = pytest.mark.django_db


def test_invalid_time_names_value_and_format():
    form_class = modelform_factory(
        RetentionSettings, form=ValueNamingAdminForm, fields=["aging_time"]
    )

    form = form_class(data={"aging_time": "25:99"})

    assert not form.is_valid()
    assert form.errors["aging_time"] == [
        '"25:99" is not a valid time: enter HH:MM on a 24-hour clock, such as 02:30.'
    ]


def test_model_validator_error_gets_value():
    form_class = modelform_factory(
        StorageThresholds, form=ValueNamingAdminForm, fields=["full_soon_days"]
    )

    form = form_class(data={"full_soon_days": "-4"})

    assert not form.is_valid()
    assert form.errors["full_soon_days"] == [
        '"-4": Ensure this value is greater than or equal to 0.'
    ]


def test_error_that_names_value_is_kept():
    form_class = modelform_factory(
        StorageThresholds,
        form=ValueNamingAdminForm,
        fields=["critical_below", "warning_below", "low_below", "full_soon_days"],
    )

    form = form_class(
        data={
            "critical_below": "150",
            "warning_below": "20",
            "low_below": "30",
            "full_soon_days": "30",
        }
    )

    assert not form.is_valid()
    assert form.errors["critical_below"][0].startswith("150.0 is not between")


def test_empty_required_value_keeps_message():
    form_class = modelform_factory(
        StorageThresholds, form=ValueNamingAdminForm, fields=["full_soon_days"]
    )

    form = form_class(data={"full_soon_days": ""})

    assert form.errors["full_soon_days"] == ["This field is required."]


def test_password_field_error_never_repeats_the_value():
    class SecretForm(ValueNamingAdminForm):
        token = forms.CharField(widget=forms.PasswordInput, max_length=4)

        class Meta:
            model = StorageThresholds
            fields = ["full_soon_days"]

    form = SecretForm(data={"full_soon_days": "30", "token": "hunter2-secret"})

    assert not form.is_valid()
    assert "hunter2" not in str(form.errors)
    assert form.errors["token"] == [
        "Ensure this value has at most 4 characters (it has 14)."
    ]
