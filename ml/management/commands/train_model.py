"""Train a classifier on a folder of labelled photos and save it as a new model version."""

import traceback
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ml.models import TrainingRun


class Command(BaseCommand):
    help = (
        "Train the MobileNetV2 classifier on DATA/<cancer folder> and DATA/<non-cancer folder>: a head phase with "
        "the base frozen, then fine-tuning of the top of the base. Saves a model version folder and a candidate "
        "ModelVersion row (active with --activate)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="Folder with one subfolder of photos per class.")
        parser.add_argument(
            "--class-map", default="", help="POSITIVE/NEGATIVE folder names (default cancer/non_cancer)."
        )
        parser.add_argument("--output", default="", help="Folder for the version (default ORALCARE_MODEL_DIR/NAME).")
        parser.add_argument("--name", default="", help="Version name (default ARCHITECTURE-SIZE-TIMESTAMP).")
        parser.add_argument(
            "--weights",
            default="",
            help="Path of the with-top MobileNetV2 1.0/224 ImageNet .h5 file "
            "(default ORALCARE_IMAGENET_WEIGHTS, then ~/.keras/models/, then a Keras download).",
        )
        parser.add_argument(
            "--architecture",
            default="mobilenet_v2",
            choices=["mobilenet_v2", "tiny"],
            help="Base network; 'tiny' is a two-convolution network for tests.",
        )
        parser.add_argument("--image-size", type=int, default=224, help="Side of the square model input in pixels.")
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--head-epochs", type=int, default=5, help="Maximum epochs with the base frozen.")
        parser.add_argument(
            "--fine-tune-epochs",
            type=int,
            default=14,
            help="Maximum epochs fine-tuning the top of the base (0 skips the phase).",
        )
        parser.add_argument(
            "--unfreeze-layers",
            type=int,
            default=60,
            help="Number of layers at the top of the base trained in the fine-tuning phase.",
        )
        parser.add_argument("--head-learning-rate", type=float, default=1e-3)
        parser.add_argument("--fine-tune-learning-rate", type=float, default=5e-5)
        parser.add_argument(
            "--patience", type=int, default=5, help="Epochs without a better validation AUC before a phase stops early."
        )
        parser.add_argument("--dropout", type=float, default=0.3)
        parser.add_argument(
            "--label-smoothing",
            type=float,
            default=0.0,
            help="Binary cross-entropy label smoothing, for example 0.05 for noisy labels (default 0: off).",
        )
        parser.add_argument("--validation-fraction", type=float, default=0.15)
        parser.add_argument("--test-fraction", type=float, default=0.15)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--calibration", default="platt", choices=["temperature", "platt", "none"])
        parser.add_argument(
            "--target-sensitivity",
            type=float,
            default=None,
            help="Validation sensitivity the threshold keeps (default ORALCARE_TARGET_SENSITIVITY).",
        )
        parser.add_argument(
            "--uncertain-band",
            type=float,
            default=0.5,
            help="Half-width of the uncertain band around the threshold, in logits.",
        )
        parser.add_argument("--no-tflite", action="store_true", help="Skip the TensorFlow Lite conversion.")
        parser.add_argument("--activate", action="store_true", help="Make the new version the active one.")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        from ml import dataset, modeling, training

        data_dir = Path(options["data"]).expanduser().resolve()
        if not data_dir.is_dir():
            raise CommandError(f"Data folder {data_dir} not found; pass --data with a folder of class subfolders.")
        try:
            positive, negative = dataset.parse_class_map(options["class_map"])
        except ValueError as error:
            raise CommandError(str(error)) from error

        target = options["target_sensitivity"]
        training_options = training.TrainingOptions(
            data_dir=data_dir,
            output_dir=Path(options["output"]).expanduser().resolve() if options["output"] else None,
            name=options["name"],
            architecture=options["architecture"],
            weights=options["weights"],
            positive=positive,
            negative=negative,
            image_size=options["image_size"],
            batch_size=options["batch_size"],
            head_epochs=options["head_epochs"],
            fine_tune_epochs=options["fine_tune_epochs"],
            unfreeze_layers=options["unfreeze_layers"],
            head_learning_rate=options["head_learning_rate"],
            fine_tune_learning_rate=options["fine_tune_learning_rate"],
            patience=options["patience"],
            dropout=options["dropout"],
            label_smoothing=options["label_smoothing"],
            validation_fraction=options["validation_fraction"],
            test_fraction=options["test_fraction"],
            seed=options["seed"],
            calibration_method=options["calibration"],
            target_sensitivity=target if target is not None else settings.ORALCARE_TARGET_SENSITIVITY,
            uncertain_band=options["uncertain_band"],
            convert_tflite=not options["no_tflite"],
            activate=options["activate"],
        )

        run = TrainingRun.objects.create(
            status=TrainingRun.Status.RUNNING,
            started_at=timezone.now(),
            data_dir=str(data_dir),
            total_epochs=training_options.head_epochs + training_options.fine_tune_epochs,
            parameters={key: str(value) for key, value in vars(training_options).items()},
        )
        try:
            version = training.train(training_options, run=run, echo=self.stdout.write)
        except (modeling.WeightsError, FileNotFoundError, ValueError) as error:
            self._fail(run, str(error))
            raise CommandError(str(error)) from error
        except BaseException as error:
            self._fail(run, f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
            raise
        self.stdout.write(self.style.SUCCESS(f"Model version {version.name} ({version.status}) saved."))

    def _fail(self, run: TrainingRun, message: str) -> None:
        run.status = TrainingRun.Status.FAILED
        run.error_message = message
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error_message", "finished_at"])
