"""An ingested three-track release, a GB buyer with a wallet, and a JSON client for the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from pressplant.accounts.actions import issue_token
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (the ingested three-track album)
from tests.orders.conftest import PASSWORD, buyer, fund  # noqa: F401


class Api:
    """django.test.Client speaking JSON to /api/v1, with an optional Bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json",
                                headers={**self.headers, **(headers or {})})


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def buyer_api(buyer) -> Api:  # noqa: F811  (the imported fixture)
    return Api(issue_token(buyer))
