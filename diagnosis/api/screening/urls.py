from django.urls import path

from diagnosis.api.screening import views

urlpatterns = [
    path("images/<int:image_id>/predictions/", views.ImagePredictionsView.as_view(), name="image-predictions"),
    path("images/<int:image_id>/heatmap/", views.ImageHeatmapView.as_view(), name="image-heatmap"),
    path("health/", views.HealthView.as_view(), name="health"),
]
