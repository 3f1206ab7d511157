"""Measure a model version on a folder of labelled photos."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Evaluate a model version on DATA/<cancer folder> and DATA/<non-cancer folder> at its stored threshold: "
        "accuracy, ROC AUC, sensitivity, specificity, PPV, NPV, F1, Brier score, calibration error, confusion "
        "matrix, with bootstrap 95%% intervals. Saves ROC, confusion matrix and reliability plots."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="Folder with one subfolder of photos per class.")
        parser.add_argument("--model", default="", help="Version name, id or model folder (default: the active one).")
        parser.add_argument(
            "--class-map", default="", help="POSITIVE/NEGATIVE folder names (default cancer/non_cancer)."
        )
        parser.add_argument(
            "--split",
            default="all",
            choices=["all", "train", "validation", "test"],
            help="Evaluate only the files the version's split manifest put in this split.",
        )
        parser.add_argument(
            "--runtime",
            default="served",
            choices=["served", "keras", "tflite", "onnx"],
            help="Inference runtime: the one the worker serves (default), or Keras or TFLite.",
        )
        parser.add_argument("--output", default="", help="Folder for the plots (default MODEL_FOLDER/evaluation/...).")
        parser.add_argument("--bootstrap", type=int, default=1000, help="Bootstrap resamples for the intervals.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the bootstrap resampling.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a summary.")

    def handle(self, *args: Any, **options: Any) -> None:
        from ml import dataset, evaluation, services

        data_dir = Path(options["data"]).expanduser().resolve()
        if not data_dir.is_dir():
            raise CommandError(f"Data folder {data_dir} not found; pass --data with a folder of class subfolders.")
        try:
            positive, negative = dataset.parse_class_map(options["class_map"])
            version = services.resolve_version(options["model"])
            report = evaluation.evaluate_folder(
                version,
                data_dir,
                positive=positive,
                negative=negative,
                split=options["split"],
                runtime=None if options["runtime"] == "served" else options["runtime"],
                output=Path(options["output"]).expanduser() if options["output"] else None,
                bootstrap=options["bootstrap"],
                seed=options["seed"],
            )
        except (ModelVersion.DoesNotExist, FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from error

        if options["json"]:
            self.stdout.write(json.dumps(report, sort_keys=True))
            return
        self.stdout.write(evaluation.summary(report))
