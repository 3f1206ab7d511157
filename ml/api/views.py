"""
Read-only views of model versions and training runs, for any signed-in user. No TensorFlow here.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from ml import artifacts
from ml.api.serializers import ModelVersionSerializer, TrainingRunSerializer
from ml.models import ModelVersion, TrainingRun
from oralcare.api import ErrorSerializer

READ_ERRORS = {401: ErrorSerializer, 404: ErrorSerializer}


@extend_schema_view(
    list=extend_schema(
        summary="List model versions", responses={200: ModelVersionSerializer(many=True), 401: ErrorSerializer}
    ),
    retrieve=extend_schema(summary="Read a model version", responses={200: ModelVersionSerializer, **READ_ERRORS}),
)
@extend_schema(tags=["models"])
class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Trained classifiers with their metrics, operating point and status; exactly one may be active."""

    queryset = ModelVersion.objects.select_related("training_run")
    serializer_class = ModelVersionSerializer
    lookup_value_regex = r"\d+"


class ModelPlotView(APIView):
    """One PNG plot of a model version (training history, ROC curve, confusion matrix or reliability diagram)."""

    @extend_schema(
        summary="Download a plot of a model version",
        operation_id="models_plot_retrieve",
        tags=["models"],
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Model version id."),
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(artifacts.PLOT_NAMES),
                description="Plot name.",
            ),
        ],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The PNG plot."),
            **READ_ERRORS,
        },
    )
    def get(self, request: Request, id: int, name: str) -> FileResponse:  # noqa: A002 - the URL's parameter name
        version = get_object_or_404(ModelVersion, pk=id)
        path = artifacts.plot_paths(version.directory).get(name)
        if path is None:
            raise Http404(f"Model version {version.pk} has no plot named {name!r}.")
        response = FileResponse(open(path, "rb"), content_type="image/png")
        response["Cache-Control"] = "private, max-age=300"
        return response


@extend_schema_view(
    list=extend_schema(
        summary="List training runs", responses={200: TrainingRunSerializer(many=True), 401: ErrorSerializer}
    ),
    retrieve=extend_schema(summary="Read a training run", responses={200: TrainingRunSerializer, **READ_ERRORS}),
)
@extend_schema(tags=["models"])
class TrainingRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Runs of ``manage.py train_model``, updated after every epoch so a long run can be watched."""

    queryset = TrainingRun.objects.all()
    serializer_class = TrainingRunSerializer
    lookup_value_regex = r"\d+"
