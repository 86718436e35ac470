"""Finding pages turn page paths in the evidence into links, and nothing else."""

import pytest

from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db

EVIDENCE = {
    "example_job_id": 9001,
    "example_job_pk": 42,
    "example_job_url": "/jobs/42/",
}


def test_detail_links_example_job(viewer_client):
    finding = FindingFactory(evidence=EVIDENCE)

    content = viewer_client.get(f"/findings/{finding.pk}/").content.decode()

    assert '<a href="/jobs/42/" data-example-job>Open job 9001</a>' in content
    assert '<td><a href="/jobs/42/">/jobs/42/</a></td>' in content


def test_list_links_example_job(viewer_client):
    FindingFactory(evidence=EVIDENCE)

    content = viewer_client.get("/findings/").content.decode()

    assert '<a href="/jobs/42/" data-example-job>Open job 9001</a>' in content
    assert '<div>example_job_url: <a href="/jobs/42/">/jobs/42/</a></div>' in content


def test_detail_escapes_path_in_link(viewer_client):
    path = '/jobs/1/"><script>alert(1)</script>'
    finding = FindingFactory(evidence={"example_job_id": 1, "example_job_url": path})

    content = viewer_client.get(f"/findings/{finding.pk}/").content.decode()

    assert "<script>alert(1)" not in content
    assert 'href="/jobs/1/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in content


@pytest.mark.parametrize(
    "url",
    ["https://example.com/jobs/1/", "//example.com/jobs/1/", "javascript:alert(1)"],
)
def test_detail_keeps_other_urls_as_text(viewer_client, url):
    finding = FindingFactory(evidence={"example_job_id": 1, "example_job_url": url})

    content = viewer_client.get(f"/findings/{finding.pk}/").content.decode()

    assert "data-example-job" not in content
    assert f'href="{url}"' not in content
    assert f"<td>{url}</td>" in content


def test_detail_without_example_job_has_no_link(viewer_client):
    finding = FindingFactory(evidence={"days": 30})

    content = viewer_client.get(f"/findings/{finding.pk}/").content.decode()

    assert "data-example-job" not in content


def test_detail_with_list_evidence_has_no_link(viewer_client):
    finding = FindingFactory(evidence=["/jobs/1/"])

    content = viewer_client.get(f"/findings/{finding.pk}/").content.decode()

    assert "data-example-job" not in content
