from django.apps import AppConfig


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = "Clinical records"

    def ready(self) -> None:
        # signals connects the login and logout audit receivers; screening queues waiting predictions when a model
        # is activated.
        from diagnosis import screening, signals  # noqa: F401
