import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from apps.commcell.models import CommCell

from . import audit, tasks
from .analysis import AnalysisAlreadyRunning
from .models import AnalysisRun, ApiToken, AuditLog, Finding, mask_key
from .roles import ROLES

# The input each admin form field expects, for its "invalid" error: (kind, input).
# Subclasses come first (FloatField extends IntegerField) because the first match wins.
EXPECTED_INPUT: list[tuple[type[forms.Field], str, str]] = [
    (
        forms.DateTimeField,
        "date and time",
        "YYYY-MM-DD and HH:MM, such as 2026-01-31 02:30",
    ),
    (forms.DateField, "date", "YYYY-MM-DD, such as 2026-01-31"),
    (forms.TimeField, "time", "HH:MM on a 24-hour clock, such as 02:30"),
    (forms.DecimalField, "number", "digits with a point for decimals, such as 12.5"),
    (forms.FloatField, "number", "digits with a point for decimals, such as 12.5"),
    (forms.IntegerField, "whole number", "digits only, such as 30"),
]


class ValueNamingAdminForm(forms.ModelForm):
    """Admin form whose field errors quote the value typed and the expected input.

    Django's own messages, such as "Enter a valid time.", do not repeat the value,
    so an admin who changed several fields cannot tell which typing failed.
    """

    def add_error(self, field: str | None, error: Any) -> None:
        if isinstance(error, ValidationError) and field in self.fields:
            error = self._name_value(field, error)
        elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            # Model validation reports every field's errors at once, under None.
            error = ValidationError(
                {
                    name: self._name_value(name, ValidationError(items))
                    if name in self.fields
                    else items
                    for name, items in error.error_dict.items()
                }
            )
        super().add_error(field, error)

    def _name_value(self, name: str, error: ValidationError) -> ValidationError:
        field = self.fields[name]
        if isinstance(field.widget, forms.PasswordInput):
            # A password typed into a form never comes back in a message.
            return error
        raw = field.widget.value_from_datadict(
            self.data, self.files, self.add_prefix(name)
        )
        typed = " ".join(raw) if isinstance(raw, list | tuple) else raw
        if not isinstance(typed, str) or not typed.strip():
            return error

        named = []
        for item in error.error_list:
            expected = _expected_input(field) if item.code == "invalid" else None
            if expected is None:
                # Model validation formats the cleaned value, so a typed 150 can read 150.0.
                cleaned = getattr(self, "cleaned_data", {}).get(name)
                spellings = [typed] if cleaned is None else [typed, str(cleaned)]
                named.extend(
                    ValidationError(_with_value(typed, spellings, text), code=item.code)
                    for text in item.messages
                )
            else:
                kind, form = expected
                text = f'"{typed}" is not a valid {kind}: enter {form}.'
                named.append(ValidationError(text, code=item.code))
        return ValidationError(named)


def _with_value(typed: str, spellings: list[str], text: str) -> str:
    """Prefix ``text`` with the typed value unless it contains one of ``spellings``."""
    for value in spellings:
        if re.search(rf"(?<![\w.]){re.escape(value)}(?![\w.])", text):
            return text
    return f'"{typed}": {text}'


def _expected_input(field: forms.Field) -> tuple[str, str] | None:
    for field_class, kind, form in EXPECTED_INPUT:
        if isinstance(field, field_class):
            return kind, form
    return None


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only admin for audit rows, because the record of a change must stay as
    written."""

    list_display = ["created_at", "actor_name", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "action", "object_repr", "object_id", "request_id"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Admin that lists and shows rows but never adds, changes or deletes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    """Findings as the analysis stored them; only a later analysis changes them."""

    list_display = [
        "code",
        "severity",
        "subject_type",
        "subject_name",
        "commcell",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    ]
    list_filter = ["severity", "subject_type", "analyzer", "commcell"]
    search_fields = ["code", "subject_name", "title"]
    date_hierarchy = "last_seen_at"
    list_select_related = ["commcell"]


@admin.register(AnalysisRun)
class AnalysisRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "commcell",
        "trigger",
        "status",
        "started_at",
        "duration_seconds",
        "requested_by",
    ]
    list_filter = ["status", "trigger", "commcell"]
    date_hierarchy = "created_at"
    list_select_related = ["commcell", "requested_by"]
    actions = ["analyze_again"]

    @admin.action(description="Run analysis now for the CommCells of these runs")
    def analyze_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        commcell_ids = sorted(set(queryset.values_list("commcell_id", flat=True)))
        for commcell in CommCell.objects.filter(pk__in=commcell_ids).order_by("name"):
            try:
                run = tasks.enqueue_analysis(
                    commcell,
                    requested_by=request.user,
                    request_id=getattr(request, "request_id", ""),
                )
            except AnalysisAlreadyRunning as exc:
                self.message_user(request, str(exc), messages.WARNING)
                continue
            self.message_user(
                request,
                f"Analysis of {commcell.name} queued as run {run.pk}.",
                messages.SUCCESS,
            )


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)

# The user fields an audit row records; the password only as "changed".
USER_AUDIT_FIELDS = ("username", "email", "is_active", "is_staff", "is_superuser")


def _user_state(user: Any) -> dict[str, Any]:
    state = {name: getattr(user, name) for name in USER_AUDIT_FIELDS}
    state["groups"] = sorted(user.groups.values_list("name", flat=True))
    return state


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    """Users and their roles, with every change audited.

    Only superusers grant superuser status, edit permissions, pick groups other than
    the two roles or change a superuser, so an admin cannot raise their own rights
    beyond the admin role.
    """

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        request._user_before = _user_state(stored) if stored is not None else {}
        request._password_changed = bool(
            stored is not None and stored.password != obj.password
        )
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        if not request.user.is_superuser:
            # The form offered only the role groups, so keep the others as they were.
            others = set(getattr(request, "_user_before", {}).get("groups", ()))
            user.groups.add(*Group.objects.filter(name__in=others - set(ROLES)))
        after = _user_state(user)
        if getattr(request, "_password_changed", False) or not change:
            after["password"] = "changed" if change else "set"
        audit.record(
            actor=request.user,
            action="user.update" if change else "user.create",
            obj=user,
            before=getattr(request, "_user_before", {}),
            after=after,
            request_id=getattr(request, "request_id", ""),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action="user.delete",
                obj=obj,
                before=_user_state(obj),
                request_id=getattr(request, "request_id", ""),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            self.delete_model(request, user)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """Groups. The viewer and admin groups are the roles, and their permissions are
    set by each migrate, so only superusers add, change or delete groups."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


admin.site.unregister(TokenProxy)


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user"]

    def validate_unique(self) -> None:
        user = self.cleaned_data.get("user")
        if user is not None and ApiToken.objects.filter(user=user).exists():
            name = user.get_username()
            self.add_error(
                "user",
                f"{name} already has an API token, and a user has one token at most. "
                f"Delete the old token in this list first, or replace it with "
                f"manage.py drf_create_token -r {name}.",
            )
            return
        super().validate_unique()


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdmin):
    """API tokens with the key masked. The whole key is shown once, when it is made.

    Creating and deleting a token are audited without the key.
    """

    form = ApiTokenForm
    list_display = ["masked_key", "user", "created"]
    fields = ["user"]
    search_fields = ["user__username"]

    @admin.display(description="Key")
    def masked_key(self, obj: ApiToken) -> str:
        return mask_key(obj.key)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list:
        return ["masked_key", "user", "created"] if obj is not None else ["user"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        return ["masked_key", "user", "created"] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request)

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: Any, change: bool
    ) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action="token.create",
                obj=obj.user,
                after={"user": obj.user.get_username(), "key": self.masked_key(obj)},
                request_id=getattr(request, "request_id", ""),
            )
        messages.warning(
            request,
            f"API token for {obj.user.get_username()}: {obj.key}. Copy it now: "
            "this page does not show it again.",
        )

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action="token.delete",
                obj=obj.user,
                before={"user": obj.user.get_username(), "key": self.masked_key(obj)},
                request_id=getattr(request, "request_id", ""),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for token in queryset.select_related("user"):
            self.delete_model(request, token)
