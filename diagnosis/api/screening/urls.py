from django.urls import path

from diagnosis.api.screening import views

urlpatterns = [
    path("images/<int:pk>/predictions/", views.ImagePredictionsView.as_view(), name="image-predictions"),
    path("images/<int:pk>/heatmap/", views.ImageHeatmapView.as_view(), name="image-heatmap"),
    path("health/", views.HealthView.as_view(), name="health"),
]
