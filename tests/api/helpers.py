"""Helpers shared by the API tests."""

from typing import Any

from django.test import Client

# A name that breaks HTML, attribute quoting and naive SQL if anything interpolates it.
HOSTILE_NAME = "<script>alert(\"x\")</script> & 'quote' --"


def get_json(api_client: Client, url: str, /, **params: Any) -> Any:
    response = api_client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def names(payload: dict[str, Any]) -> list[str]:
    return [row["name"] for row in payload["results"]]
