"""``manage.py reclassify``: classify a chosen set of images again with the active model."""

from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from diagnosis import screening
from diagnosis.models import Image, Prediction
from ml.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Request a new prediction with the active model for each chosen image; earlier predictions are kept. "
        "Choose images with --since, --model-version or --all. Excluded images are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                            help="Only images uploaded on or after this date (in the server's time zone).")
        parser.add_argument("--model-version", metavar="NAME",
                            help="Only images whose latest successful prediction came from this model version.")
        parser.add_argument("--all", action="store_true", help="Every image that is not excluded.")
        parser.add_argument("--dry-run", action="store_true", help="Count the chosen images without queueing them.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["all"] or options["since"] or options["model_version"]):
            raise CommandError("Choose images with --since YYYY-MM-DD, --model-version NAME or --all.")
        if screening.active_model() is None:
            self.stderr.write("No model is active: the predictions will wait until a model is activated.")

        images = self._chosen_images(options)
        count = images.count()
        if options["dry_run"]:
            self.stdout.write(f"{count} images would be classified again.")
            return

        predictions = screening.reclassify(images.iterator(), requested_by=None, via="command")
        self.stdout.write(f"Requested {len(predictions)} new predictions.")

    def _chosen_images(self, options: dict[str, Any]) -> QuerySet[Image]:
        images = Image.objects.filter(is_excluded=False)
        if options["since"]:
            start = timezone.make_aware(datetime.combine(options["since"], time.min))
            images = images.filter(uploaded_at__gte=start)
        if options["model_version"]:
            if not ModelVersion.objects.filter(name=options["model_version"]).exists():
                raise CommandError(f"No model version is named {options['model_version']!r}; see the admin's list.")
            latest = self._images_last_classified_by(options["model_version"])
            images = images.filter(pk__in=latest)
        return images.order_by("uploaded_at", "id")

    def _images_last_classified_by(self, version_name: str) -> list[int]:
        succeeded = Prediction.objects.filter(status=Prediction.Status.SUCCEEDED).order_by(
            "image_id", "-finished_at", "-id"
        ).values_list("image_id", "model_version__name")
        latest: dict[int, str | None] = {}
        for image_id, name in succeeded:
            latest.setdefault(image_id, name)
        return [image_id for image_id, name in latest.items() if name == version_name]
