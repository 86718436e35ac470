"""Matcher patterns that could backtrack for hours on one line are rejected."""

import pytest

from apps.logs.defaults import DEFAULT_MATCHERS
from apps.logs.matching import (
    KIND_REGEX,
    InvalidPatternError,
    backtracking_problem,
    compile_pattern,
)
from apps.logs.models import LogMatcher


@pytest.mark.parametrize(
    "pattern",
    [
        "(a+)+$",
        "(a*)*",
        "(a|a)*",
        r"(\w+\s?)*$",
        r"(?:x|xy)+z",
        r"(.+,)*!",
        r"Pruned ((\d+)+)+ AfId",
    ],
)
def test_catastrophic_patterns_rejected(pattern):
    assert backtracking_problem(pattern)
    with pytest.raises(InvalidPatternError) as raised:
        compile_pattern(KIND_REGEX, pattern)
    assert repr(pattern) in str(raised.value)
    assert "(a+)+ as a+" in str(raised.value)


@pytest.mark.parametrize(
    "pattern",
    [
        r"Pruned AfId \[(?P<af>\d+)\]",
        r"(a|b)*c",
        r"(\d+,)*\d+",
        r"(?:a++)+",
        r"Deleted (?:folder|directory) \[(?P<path>[^\]]+)\]",
    ],
)
def test_safe_patterns_accepted(pattern):
    assert backtracking_problem(pattern) == ""
    compile_pattern(KIND_REGEX, pattern)


def test_built_in_matchers_pass_the_check():
    problems = {
        spec.code: backtracking_problem(spec.pattern)
        for spec in DEFAULT_MATCHERS
        if spec.kind == KIND_REGEX
    }

    assert {code: text for code, text in problems.items() if text} == {}


@pytest.mark.django_db
def test_api_rejects_catastrophic_matcher(admin_role_client):
    response = admin_role_client.post(
        "/api/log-matchers/",
        {
            "code": "custom.slow",
            "log_type": "CVMA",
            "kind": "regex",
            "pattern": "(a+)+$",
            "category": "info",
            "severity": "info",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    message = response.json()["pattern"][0]
    assert "'(a+)+$'" in message
    assert "exponential time" in message
    assert not LogMatcher.objects.filter(code="custom.slow").exists()


@pytest.mark.django_db
def test_admin_rejects_catastrophic_matcher(admin_role_user, client):
    admin_role_user.is_staff = True
    admin_role_user.save()
    client.force_login(admin_role_user)

    response = client.post(
        "/admin/logs/logmatcher/add/",
        {
            "code": "custom.slow",
            "log_type": "CVMA",
            "kind": "regex",
            "pattern": "(a|a)*$",
            "category": "info",
            "severity": "info",
            "store_id_from": "none",
            "job_id_from": "prefix",
            "priority": 100,
            "enabled": "on",
        },
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "(a|a)*$" in text
    assert "exponential time" in text
    assert not LogMatcher.objects.filter(code="custom.slow").exists()
