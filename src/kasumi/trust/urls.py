"""Trust endpoints outside the language prefix (machines fetch them): ``/pki/…``, ``/tsa``."""

from __future__ import annotations

from django.urls import path

from kasumi.trust.views import pki, tsa

app_name = "trust"

urlpatterns = [
    path("pki/ca/<slug:slug>.crt", pki.ca_certificate, name="ca_certificate"),
    path("pki/crl/<slug:slug>.crl", pki.crl, name="crl"),
    path("pki/ocsp", pki.ocsp, name="ocsp"),
    path("pki/ocsp/<path:encoded>", pki.ocsp, name="ocsp_get"),
    path("tsa", tsa.timestamp, name="tsa"),
]
