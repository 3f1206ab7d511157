"""Settings for the test suite: a throw-away folder for the database and media, and a fast password hasher."""

import os
import tempfile

os.environ.setdefault("ORALCARE_VAR_DIR", tempfile.mkdtemp(prefix="oralcare-test-"))

from oralcare.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False
# Tests that need a worker start one themselves against the Redis that the test command starts.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# A worker subprocess must open the same test database as the test process, so SQLite's test database is a file
# in the test folder instead of the default in-memory one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
    # Tests of transient failures lower SQLite's lock timeout so a held lock fails fast instead of waiting.
    DATABASES["default"]["OPTIONS"]["timeout"] = float(os.environ.get("ORALCARE_TEST_SQLITE_TIMEOUT", "20"))  # noqa: F405

# Seconds a classification task sleeps after claiming its prediction, so a test can kill the worker mid-task.
# Only these test settings define it; production settings never do.
ORALCARE_TEST_TASK_DELAY = float(os.environ.get("ORALCARE_TEST_TASK_DELAY", "0"))

# WhiteNoise warns on every request when the static folder is missing; the tests serve no collected files.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
