"""The CommCell connection form: the password or token is write-only."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from apps.core.admin import ValueNamingAdminForm

from .models import CommCell


class CommCellAdminForm(ValueNamingAdminForm):
    """Edits a CommCell without ever rendering its stored password or token.

    A blank secret keeps the stored one, and the clear box deletes it. Field errors
    quote the typed value, except where it may contain a password.
    """

    base_url = forms.URLField(
        label="Base URL",
        max_length=300,
        assume_scheme="https",
        help_text=CommCell._meta.get_field("base_url").help_text,
    )
    secret = forms.CharField(
        label="Password or token",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted. Leave blank to keep the stored value.",
    )
    clear_secret = forms.BooleanField(
        label="Clear the stored password or token",
        required=False,
    )

    class Meta:
        model = CommCell
        fields = [
            "name",
            "base_url",
            "auth_type",
            "username",
            "secret",
            "clear_secret",
            "verify_tls",
            "ca_bundle",
            "timeout_seconds",
            "page_size",
            "initial_job_days",
            "job_overlap_hours",
            "collection_interval_minutes",
            "copy_jobs_interval_hours",
            "enabled",
        ]

    @sensitive_variables("cleaned", "secret")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        secret = cleaned.get("secret", "")
        clear = cleaned.get("clear_secret", False)

        if secret and clear:
            self.add_error(
                "clear_secret",
                "Either enter a new password or token, or clear the stored one, not "
                "both.",
            )
        if not secret and self.instance.pk is None:
            self.add_error(
                "secret", "Enter the password or token the collector logs in with."
            )
        return cleaned

    @sensitive_variables("typed")
    def _name_value(self, name: str, error: ValidationError) -> ValidationError:
        # An error must not repeat a password, so the secret and a base URL with user
        # info keep their messages. The base URL's message omits the user info itself.
        typed = self.data.get(self.add_prefix(name), "")
        if name == "secret" or (name == "base_url" and "@" in str(typed)):
            return error
        return super()._name_value(name, error)

    @property
    def secret_changed(self) -> bool:
        return bool(self.cleaned_data.get("secret")) or bool(
            self.cleaned_data.get("clear_secret")
        )

    def save(self, commit: bool = True) -> CommCell:
        commcell: CommCell = super().save(commit=False)
        if self.cleaned_data.get("clear_secret"):
            commcell.secret = ""
        elif self.cleaned_data.get("secret"):
            commcell.secret = self.cleaned_data["secret"]
        if commit:
            commcell.save()
        return commcell
