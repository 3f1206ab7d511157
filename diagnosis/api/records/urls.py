from django.urls import path
from rest_framework.routers import SimpleRouter

from diagnosis.api.records import views

router = SimpleRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register("cases", views.CaseViewSet, basename="case")
router.register("reviews", views.ReviewViewSet, basename="review")

urlpatterns = [
    path(
        "cases/<int:pk>/reviews/",
        views.CaseReviewViewSet.as_view({"get": "list", "post": "create"}),
        name="case-reviews",
    ),
    *router.urls,
]
