"""
The risk summary of a case: the most severe result and the highest probability among its photos' latest results,
and how many of its photos still wait for one. Each value is a correlated subquery of the case query, so a page of
cases costs the same number of queries however many photos and predictions the cases have.
"""

from django.db import models
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from diagnosis.models import Case, Prediction

# Severity rank of each label, highest for the most severe, so a case takes the label of its most severe photo.
SEVERITY = {
    Prediction.Label.HIGH_RISK: 3,
    Prediction.Label.UNCERTAIN: 2,
    Prediction.Label.LOW_RISK: 1,
}
PENDING_STATUSES = [
    Prediction.Status.WAITING_FOR_MODEL,
    Prediction.Status.QUEUED,
    Prediction.Status.RUNNING,
]


def with_risk_summary(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate each case with ``risk_label``, ``max_probability`` and ``pending_predictions``."""
    latest_results = _latest_predictions_of_case(succeeded_only=True)
    by_severity = latest_results.annotate(severity=_severity()).order_by("-severity")
    by_probability = latest_results.filter(probability__isnull=False).order_by(F("probability").desc())

    pending = (
        _latest_predictions_of_case(succeeded_only=False)
        .filter(status__in=PENDING_STATUSES)
        .values("image__case")
        .annotate(count=models.Count("pk"))
        .values("count")
    )

    return cases.annotate(
        risk_label=Subquery(by_severity.values("label")[:1], output_field=models.CharField()),
        max_probability=Subquery(by_probability.values("probability")[:1], output_field=models.FloatField()),
        pending_predictions=Coalesce(Subquery(pending, output_field=IntegerField()), 0),
    )


def _latest_predictions_of_case(*, succeeded_only: bool) -> QuerySet[Prediction]:
    """Select the latest prediction (or latest succeeded one) of each non-excluded photo of the outer case."""
    # A photo keeps its older predictions after re-classification, so only the newest one counts.
    same_image = Prediction.objects.filter(image=OuterRef("image"))
    if succeeded_only:
        same_image = same_image.filter(status=Prediction.Status.SUCCEEDED)
    latest_id = same_image.order_by("-created_at", "-id").values("pk")[:1]

    predictions = Prediction.objects.filter(image__case=OuterRef("pk"), image__is_excluded=False)
    if succeeded_only:
        predictions = predictions.filter(status=Prediction.Status.SUCCEEDED)
    return predictions.filter(pk=Subquery(latest_id)).order_by()


def _severity() -> models.Case:
    ranks = [When(label=label, then=Value(rank)) for label, rank in SEVERITY.items()]
    return models.Case(*ranks, default=Value(0), output_field=IntegerField())
