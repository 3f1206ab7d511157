"""``manage.py import_images``: store a folder of photos from a screening camp and queue their classification."""

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accounts.models import Clinic, User
from diagnosis import services, uploads
from diagnosis.intake import ImageRejected
from diagnosis.models import Case, Patient


@dataclass
class ImportReport:
    stored: int = 0
    duplicates: int = 0
    rejected: list[tuple[str, str, str]] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Store every photo in DIR (and its subfolders) for one patient, as if uploaded by --user, and queue each "
        "for classification. Files that are not usable photos are listed with the reason. Without --case, a new "
        "case is opened for the photos."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", metavar="DIR", type=Path, help="Folder holding the photos.")
        parser.add_argument("--clinic", required=True, help="Clinic name or id.")
        parser.add_argument("--patient", required=True, help="The clinic's identifier of the patient.")
        parser.add_argument("--user", required=True,
                            help="User name of the clinician the photos are recorded as uploaded by.")
        parser.add_argument("--case", type=int, help="Id of an existing case of the patient to add the photos to.")
        parser.add_argument("--lesion-site", default=Case.Site.OTHER, choices=Case.Site.values,
                            help="Lesion site of the new case when --case is not given (default: other).")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["directory"]
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder; give the folder that holds the photos.")

        clinic = self._clinic(options["clinic"])
        patient = self._patient(clinic, options["patient"])
        user = self._member(clinic, options["user"])
        case = self._case(patient, user, options)
        files = sorted(path for path in folder.rglob("*") if path.is_file() and not path.name.startswith("."))

        report = self._import(files, case=case, user=user, folder=folder)
        self._print(report, case=case)

    def _import(self, files: list[Path], *, case: Case, user: User, folder: Path) -> ImportReport:
        report = ImportReport()
        for path in tqdm(files, desc="Importing photos", unit="photo", file=sys.stderr):
            name = str(path.relative_to(folder))
            try:
                # NOTE: store_upload audits the upload with via="api", since it takes no via argument.
                with path.open("rb") as handle:
                    _image, created = uploads.store_upload(case, File(handle, name=path.name), user=user)
            except ImageRejected as exc:
                report.rejected.append((name, exc.code, exc.message))
                continue
            except OSError as exc:
                report.rejected.append((name, "unreadable_file", f"The file could not be read: {exc.strerror}."))
                continue
            if created:
                report.stored += 1
            else:
                report.duplicates += 1
        return report

    def _print(self, report: ImportReport, *, case: Case) -> None:
        self.stdout.write(
            f"Case {case.pk}: {report.stored} photos stored and queued for classification, {report.duplicates} "
            f"already in the case, {len(report.rejected)} rejected."
        )
        for name, code, message in report.rejected:
            self.stdout.write(f"Rejected {name} ({code}): {message}")

    def _clinic(self, reference: str) -> Clinic:
        clinic = Clinic.objects.filter(name=reference).first()
        if clinic is None and reference.isdigit():
            clinic = Clinic.objects.filter(pk=int(reference)).first()
        if clinic is None:
            raise CommandError(f"No clinic is named {reference!r} or has that id.")
        return clinic

    def _patient(self, clinic: Clinic, identifier: str) -> Patient:
        patient = Patient.objects.filter(clinic=clinic, identifier=identifier).first()
        if patient is None:
            raise CommandError(f"Clinic {clinic.name!r} has no patient with the identifier {identifier!r}; "
                               "register the patient first.")
        if patient.is_archived:
            raise CommandError(f"Patient {identifier!r} is archived, so no photos can be added. Restore the "
                               "patient from the archive first.")
        return patient

    def _member(self, clinic: Clinic, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None or user.role_in(clinic.pk) is None:
            raise CommandError(f"{username!r} is not a member of clinic {clinic.name!r}; give a member's user name.")
        return user

    def _case(self, patient: Patient, user: User, options: dict[str, Any]) -> Case:
        if options["case"] is None:
            data = {"lesion_site": options["lesion_site"],
                    "lesion_description": "Photos imported with manage.py import_images."}
            return services.open_case(patient=patient, actor=user, data=data, via="command")
        case = Case.objects.filter(pk=options["case"], patient=patient).first()
        if case is None:
            raise CommandError(f"Patient {patient.identifier!r} has no case {options['case']}.")
        return case
