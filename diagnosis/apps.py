from django.apps import AppConfig


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = "Clinical records"

    def ready(self) -> None:
        from diagnosis import signals  # noqa: F401  (connects the login and logout audit receivers)
        from diagnosis import screening  # noqa: F401  (queues waiting predictions when a model is activated)
