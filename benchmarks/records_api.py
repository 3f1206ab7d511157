"""
Time the records API's read endpoints on a throw-away SQLite database and print latency and SQL query counts.

Two clinics get ``--patients`` patients each with ``--cases`` cases per patient; one clinician of the first clinic
then calls each endpoint ``--repeat`` times through Django's test client (no network, no web server).

    .venv/bin/python benchmarks/records_api.py --patients 2000 --cases 3 --repeat 50

Timings depend on whatever else runs on the machine; the script prints the CPU count and load average with them.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["ORALCARE_VAR_DIR"] = tempfile.mkdtemp(prefix="oralcare-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oralcare.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def main() -> None:
    arguments = _parser().parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)

    clinician, patient_id, case_id = _populate(arguments.patients, arguments.cases)
    endpoints = [
        ("patient list, page 1", "/api/patients/", {}),
        ("patient search", "/api/patients/", {"search": "P1-00123"}),
        ("patient detail (audited)", f"/api/patients/{patient_id}/", {}),
        ("patient case history", f"/api/patients/{patient_id}/cases/", {}),
        ("case list, page 1", "/api/cases/", {}),
        ("specialist queue filter", "/api/cases/", {"status": "awaiting_review"}),
        ("case detail (audited)", f"/api/cases/{case_id}/", {}),
        ("me", "/api/auth/me/", {}),
    ]

    print(f"CPUs: {os.cpu_count()}, load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"Data: 2 clinics x {arguments.patients} patients x {arguments.cases} cases, SQLite (WAL)")
    print(f"{'endpoint':28} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, url, params in endpoints:
        p50, p95, queries = _time_endpoint(clinician, url, params, arguments.repeat)
        print(f"{label:28} {p50:8.1f} {p95:8.1f} {queries:8d}")


def _populate(patients: int, cases: int) -> tuple:
    from accounts.models import Clinic, Membership, User
    from diagnosis.models import Case, Patient

    clinician = None
    first_patient = first_case = None
    for number in (1, 2):
        clinic = Clinic.objects.create(name=f"Benchmark clinic {number}")
        user = User.objects.create_user(f"clinician{number}", password=None)
        Membership.objects.create(user=user, clinic=clinic, role=Membership.Role.CLINICIAN)
        created = Patient.objects.bulk_create(
            Patient(clinic=clinic, identifier=f"P{number}-{index:05d}", name=f"Patient {index}", created_by=user)
            for index in range(patients)
        )
        statuses = list(Case.Status.values)
        Case.objects.bulk_create(
            Case(
                patient=patient,
                clinician=user,
                lesion_site=Case.Site.LATERAL_TONGUE,
                status=statuses[(patient.pk + index) % len(statuses)],
            )
            for patient in created
            for index in range(cases)
        )
        if number == 1:
            clinician = user
            first_patient = created[0]
            first_case = Case.objects.filter(patient=first_patient).first()
    return clinician, first_patient.pk, first_case.pk


def _time_endpoint(user: object, url: str, params: dict, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    durations = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            durations.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} returned {response.status_code}: {response.content[:200]!r}")
        queries = len(captured.captured_queries)

    durations.sort()
    p95 = durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]
    return statistics.median(durations), p95, queries


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=2000, help="Patients per clinic (default: 2000).")
    parser.add_argument("--cases", type=int, default=3, help="Cases per patient (default: 3).")
    parser.add_argument("--repeat", type=int, default=50, help="Requests per endpoint (default: 50).")
    return parser


if __name__ == "__main__":
    main()
