from django.urls import path
from rest_framework.routers import SimpleRouter

from ml.api.views import ModelPlotView, ModelVersionViewSet, TrainingRunViewSet

router = SimpleRouter()
router.register("models", ModelVersionViewSet, basename="ml-model")
router.register("training-runs", TrainingRunViewSet, basename="ml-training-run")

urlpatterns = [
    path("models/<int:id>/plots/<slug:name>.png", ModelPlotView.as_view(), name="ml-model-plot"),
    *router.urls,
]
