"""Classify photos with a model version and print one line per photo."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Print, for each IMAGE, its calibrated P(cancer), label (high_risk, uncertain or low_risk) and model version, "
        "tab-separated. Photos are decoded and checked like uploads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("images", nargs="+", metavar="IMAGE", help="Photo files.")
        parser.add_argument("--model", default="", help="Version name, id or model folder (default: the active one).")
        parser.add_argument("--runtime", default="served", choices=["served", "keras", "tflite", "onnx"])

    def handle(self, *args: Any, **options: Any) -> None:
        from diagnosis.intake import ImageRejected
        from ml import inference, preprocess, services

        try:
            version = services.resolve_version(options["model"])
            classifier = inference.load_classifier(
                version, runtime=None if options["runtime"] == "served" else options["runtime"]
            )
        except (ModelVersion.DoesNotExist, FileNotFoundError) as error:
            raise CommandError(str(error)) from error

        failures = 0
        for name in options["images"]:
            path = Path(name)
            try:
                image = preprocess.read_photo(path)
            except (ImageRejected, OSError) as error:
                failures += 1
                self.stderr.write(f"{path}\terror\t{getattr(error, 'message', str(error))}")
                continue
            result = classifier.predict(image)
            self.stdout.write(
                f"{path}\t{result.probability:.4f}\t{result.label}\t{version.name}\t"
                f"raw={result.raw_probability:.4f}\tthreshold={result.threshold:.4f}"
            )
        if failures:
            raise CommandError(f"{failures} of {len(options['images'])} photos could not be classified.")
