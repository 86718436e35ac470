"""Matcher patterns that could backtrack for hours on one line are rejected."""

import pytest

from apps.logs.defaults import DEFAULT_MATCHERS
from apps.logs.matching import (
    KIND_REGEX,
    MAX_UNBOUNDED_REPEATS,
    InvalidPatternError,
    backtracking_problem,
    compile_pattern,
    count_unbounded_repeats,
    has_overlapping_neighbour_repeats,
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
    assert f'"{pattern}"' in str(raised.value)
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


def test_backslashes_not_doubled_in_message():
    with pytest.raises(InvalidPatternError) as raised:
        compile_pattern(KIND_REGEX, r"(\w+\s?)+$")

    assert '"(\\w+\\s?)+$"' in str(raised.value)
    assert "\\\\" not in str(raised.value)


@pytest.mark.parametrize(
    ("pattern", "repeats"),
    [
        ("a*a*a*a*a*a*a*a*a*a*a*a*b", 12),
        (".*.*.*.*.*.*.*.*=x", 8),
        (r"\d+ \w+ \S+ x{2,} .+? [^ ]* (?:y+|z*) (?=q+)", 9),
    ],
)
def test_too_many_unbounded_repeats_rejected(pattern, repeats):
    assert count_unbounded_repeats(pattern) == repeats
    with pytest.raises(InvalidPatternError) as raised:
        compile_pattern(KIND_REGEX, pattern)

    message = str(raised.value)
    assert f'"{pattern}"' in message
    assert f"has {repeats} unbounded repeats" in message
    assert f"at most {MAX_UNBOUNDED_REPEATS}" in message
    assert "upper bound" in message


@pytest.mark.parametrize("pattern", [".*.*=x", "a*a+b", r"x(?:.*)(.+)y", r".*?\S+z"])
def test_overlapping_neighbour_repeats_rejected(pattern):
    assert has_overlapping_neighbour_repeats(pattern)
    with pytest.raises(InvalidPatternError) as raised:
        compile_pattern(KIND_REGEX, pattern)

    assert f'"{pattern}" has two unbounded repeats in a row' in str(raised.value)
    assert "Merge them into one repeat." in str(raised.value)


@pytest.mark.parametrize(
    "pattern", [r"\d+\s+\d+", "a*b*a*", r"[^\]]*\]*", r"(?:\w+,)*\s*", "a{0,9}a*"]
)
def test_separate_neighbour_repeats_accepted(pattern):
    assert not has_overlapping_neighbour_repeats(pattern)
    compile_pattern(KIND_REGEX, pattern)


def test_built_in_matchers_no_overlapping_repeats():
    overlapping = [
        spec.code
        for spec in DEFAULT_MATCHERS
        if spec.kind == KIND_REGEX and has_overlapping_neighbour_repeats(spec.pattern)
    ]

    assert overlapping == []


def test_bounded_repeats_not_counted():
    assert count_unbounded_repeats(r"a{0,200}b?c{3}d++(?>e*)") == 0
    compile_pattern(KIND_REGEX, r"x{1,9}" * 20)


def test_built_in_matchers_within_repeat_cap():
    counts = {
        spec.code: count_unbounded_repeats(spec.pattern)
        for spec in DEFAULT_MATCHERS
        if spec.kind == KIND_REGEX
    }

    assert max(counts.values()) < MAX_UNBOUNDED_REPEATS
    for spec in DEFAULT_MATCHERS:
        compile_pattern(spec.kind, spec.pattern)


@pytest.mark.django_db
def test_api_rejects_polynomial_matcher(admin_role_client):
    response = admin_role_client.post(
        "/api/log-matchers/",
        {
            "code": "custom.poly",
            "log_type": "CVMA",
            "kind": "regex",
            "pattern": "a*a*a*a*a*a*a*a*a*a*a*a*b",
            "category": "info",
            "severity": "info",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    message = response.json()["pattern"][0]
    assert '"a*a*a*a*a*a*a*a*a*a*a*a*b" has 12 unbounded repeats' in message
    assert not LogMatcher.objects.filter(code="custom.poly").exists()


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
    assert '"(a+)+$"' in message
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
