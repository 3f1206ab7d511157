from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from oralcare.api import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/auth/", include("accounts.api.urls")),
    path("api/", include("ml.api.urls")),
    path("api/", include("diagnosis.api.urls")),
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("", include("oralcare.frontend")),
]
