"""Registry browser URLs, mounted at ``/registry/`` inside the language prefix."""

from __future__ import annotations

from django.urls import path

from kasumi.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.index, name="index"),
    path("residents/", views.resident_search, name="resident_search"),
    path("residents/<str:resident_code>/", views.person, name="person"),
    path("households/<str:number>/", views.household, name="household"),
    path("corporations/", views.corporation_search, name="corporation_search"),
    path("corporations/<str:number>/", views.corporation, name="corporation"),
    path("addresses/match/", views.address_match, name="address_match"),
]
