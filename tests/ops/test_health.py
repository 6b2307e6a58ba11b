from __future__ import annotations

import pytest
from django.test import Client


def test_healthz_answers_without_the_database():
    assert Client().get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_the_database():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] in {"sqlite", "postgresql"}


@pytest.mark.django_db
def test_openapi_document_is_3_1_and_lists_the_registry():
    doc = Client().get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert any(path.startswith("/api/registry/residents") for path in doc["paths"])
