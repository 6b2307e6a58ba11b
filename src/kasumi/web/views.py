"""Site pages: the landing page and staff sign-in/sign-out (Django's auth views)."""

from __future__ import annotations

from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what the platform offers today, with links."""
    return render(request, "web/home.html")


class StaffLoginView(LoginView):
    """Staff sign-in for the registry browser; lands on the browser unless ``next`` says otherwise."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # Resolved per request, in the active language: English users stay under /en/.
        return reverse("registry:index")


@method_decorator(never_cache, name="dispatch")
class StaffLogoutView(LogoutView):
    """Sign-out (POST only, as Django requires), back to the browser's sign-in."""

    def get_default_redirect_url(self) -> str:
        return reverse("registry:index")
