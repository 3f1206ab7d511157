from django.urls import include, path

urlpatterns = [
    path("", include("diagnosis.api.records.urls")),
    path("", include("diagnosis.api.images.urls")),
    path("", include("diagnosis.api.screening.urls")),
]
