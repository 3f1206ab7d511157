"""
Writes to model versions. Pure Django: the web process and the admin call these without loading TensorFlow.
"""

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from diagnosis import audit
from ml import artifacts
from ml.models import ModelVersion
from ml.signals import model_activated


@transaction.atomic
def activate(version: ModelVersion, *, actor: Any = None, via: str = "api") -> ModelVersion:
    """Make ``version`` the one active model, retire the previously active one and audit the change."""
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    previous = list(ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE))
    old_status = version.status

    # The unique constraint allows one active row, so the old one is retired before the new one is saved.
    for old in previous:
        if old.pk == version.pk:
            continue
        old.status = ModelVersion.Status.RETIRED
        old.save(update_fields=["status"])

    version.status = ModelVersion.Status.ACTIVE
    version.activated_at = timezone.now()
    version.activated_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    version.save(update_fields=["status", "activated_at", "activated_by"])

    audit.record(
        "activate_model",
        actor=actor,
        target=version,
        via=via,
        changes={
            "status": [old_status, ModelVersion.Status.ACTIVE.value],
            "retired": [old.name for old in previous if old.pk != version.pk],
        },
    )
    model_activated.send(sender=ModelVersion, version=version)
    return version


def active_version() -> ModelVersion | None:
    """Return the active model version, or None when no model is active."""
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def find_version(reference: str) -> ModelVersion:
    """Return the model version named ``reference`` or with that id; raise ModelVersion.DoesNotExist otherwise."""
    by_name = ModelVersion.objects.filter(name=reference).first()
    if by_name is not None:
        return by_name
    if reference.isdigit():
        return ModelVersion.objects.get(pk=int(reference))
    raise ModelVersion.DoesNotExist(f"No model version is named {reference!r}.")


def version_from_folder(directory: str | Path) -> ModelVersion:
    """
    Return the version saved in ``directory``: its database row when one exists, otherwise an unsaved
    ModelVersion built from the folder's model_card.json (for evaluating a model copied from elsewhere).
    """
    folder = Path(directory).expanduser().resolve()
    row = ModelVersion.objects.filter(directory=str(folder)).first()
    if row is not None:
        return row

    card = artifacts.read_model_card(folder)
    if not card:
        raise ModelVersion.DoesNotExist(f"{folder} has no {artifacts.MODEL_CARD_FILE}; it is not a model folder.")
    point = card["operating_point"]
    return ModelVersion(
        name=card.get("name", folder.name),
        directory=str(folder),
        model_file=str(folder / artifacts.KERAS_FILE),
        class_names=card["class_names"],
        image_size=card["image_size"],
        threshold=point["threshold"],
        uncertain_low=point["uncertain_low"],
        uncertain_high=point["uncertain_high"],
        calibration=card["calibration"]["parameters"],
        metrics={"runtime": card.get("runtime", {})},
    )


def resolve_version(reference: str | None) -> ModelVersion:
    """Return the version named by ``reference`` (name, id or model folder), or the active one when it is empty."""
    if not reference:
        version = active_version()
        if version is None:
            raise ModelVersion.DoesNotExist(
                "No model is active; pass --model NAME or activate one with activate_model."
            )
        return version
    if Path(reference).expanduser().is_dir():
        return version_from_folder(reference)
    return find_version(reference)
