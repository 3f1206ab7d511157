"""Signals that the ml app sends, so other apps can react to model changes without ml importing them."""

from django.dispatch import Signal

# Sent by ml.services.activate after a version became the active one, with ``version`` (the ModelVersion).
model_activated = Signal()
