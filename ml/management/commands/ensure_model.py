"""
Make sure a classifier is active: train one with the default recipe when none is, and the training photos and
ImageNet weights are configured. ``bin/run`` starts this in the background, so a first run of the product ends with
an active model without anyone typing a training command.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from ml.models import ModelVersion, TrainingRun

# A run that has reported no progress for this long is taken to have died with its process.
STALE_RUN_AFTER = timedelta(minutes=30)


class Command(BaseCommand):
    help = (
        "Train and activate a model with the default recipe when no model is active, using "
        "ORALCARE_TRAINING_DATA_DIR and ORALCARE_IMAGENET_WEIGHTS. Does nothing when a model is active or a "
        "training run is under way."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
        if active is not None:
            self.stdout.write(f"Model {active.name} is active; nothing to train.")
            return

        running = TrainingRun.objects.filter(
            status__in=[TrainingRun.Status.PENDING, TrainingRun.Status.RUNNING],
            created_at__gte=timezone.now() - STALE_RUN_AFTER,
        ).first()
        if running is not None:
            self.stdout.write(f"Training run {running.pk} is under way; not starting another.")
            return

        data_dir = settings.ORALCARE_TRAINING_DATA_DIR
        if not data_dir or not Path(data_dir).is_dir():
            self.stdout.write(
                "No model is active and no training photos are configured. Set ORALCARE_TRAINING_DATA_DIR to a "
                "folder with cancer/ and non_cancer/ subfolders and run bin/run again, or train one yourself: "
                "python manage.py train_model --data DIR --activate"
            )
            return

        self.stdout.write(f"No model is active: training one on {data_dir} with the default recipe.")
        call_command("train_model", data=data_dir, activate=True, stdout=self.stdout, stderr=self.stderr)
