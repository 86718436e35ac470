import pytest

from apps.logs.models import LogMatcher

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/logs/logmatcher/add/"


@pytest.fixture
def staff_admin(admin_role_user, client):
    admin_role_user.is_staff = True
    admin_role_user.save()
    client.force_login(admin_role_user)
    return client


def matcher_form(**values):
    form = {
        "code": "custom.ddb_slow",
        "log_type": "SIDBEngine",
        "kind": "regex",
        "pattern": r"QI time \[(?P<qi_us>\d+)\]",
        "category": "ddb_state",
        "severity": "medium",
        "store_id_from": "engine_token",
        "job_id_from": "prefix",
        "priority": 100,
        "description": "",
        "enabled": "on",
    }
    form.update(values)
    return form


def test_admin_adds_matcher(staff_admin):
    response = staff_admin.post(ADD_URL, matcher_form())

    assert response.status_code == 302
    matcher = LogMatcher.objects.get(code="custom.ddb_slow")
    assert matcher.built_in is False


def test_admin_rejects_bad_regex(staff_admin):
    response = staff_admin.post(ADD_URL, matcher_form(pattern="QI time [(unclosed"))
    text = response.content.decode()

    assert response.status_code == 200
    assert "The regular expression" in text
    assert "QI time [(unclosed" in text
    assert not LogMatcher.objects.filter(code="custom.ddb_slow").exists()


def test_admin_accepts_literal_with_brackets(staff_admin):
    response = staff_admin.post(
        ADD_URL, matcher_form(kind="literal", pattern="Status [Failed")
    )

    assert response.status_code == 302


def test_admin_rejects_bad_code(staff_admin):
    response = staff_admin.post(ADD_URL, matcher_form(code="Has Spaces"))

    assert response.status_code == 200
    assert not LogMatcher.objects.filter(code="Has Spaces").exists()


def test_admin_disables_built_in(staff_admin):
    matcher = LogMatcher.objects.get(code="cvma.volume_deleted")
    url = f"/admin/logs/logmatcher/{matcher.pk}/change/"

    response = staff_admin.post(
        url, matcher_form(code=matcher.code, pattern=matcher.pattern, enabled="")
    )

    matcher.refresh_from_db()
    assert response.status_code == 302
    assert matcher.enabled is False
    assert matcher.built_in is True


def test_admin_cannot_delete_built_in(staff_admin):
    matcher = LogMatcher.objects.get(code="cvma.volume_deleted")

    response = staff_admin.get(f"/admin/logs/logmatcher/{matcher.pk}/delete/")

    assert response.status_code == 403


def test_built_in_matchers_seeded():
    from apps.logs.defaults import DEFAULT_MATCHERS

    codes = set(LogMatcher.objects.filter(built_in=True).values_list("code", flat=True))

    assert codes == {spec.code for spec in DEFAULT_MATCHERS}
