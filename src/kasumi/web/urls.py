from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from kasumi.ops import views as ops_views
from kasumi.trust.views import verify as trust_verify
from kasumi.web import views
from kasumi.web.api import api

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("api/", api.urls),
    path("", include("kasumi.trust.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("registry/", include("kasumi.registry.urls")),
    path("verify/", trust_verify.verify, name="verify"),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
