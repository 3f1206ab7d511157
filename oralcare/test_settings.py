"""Settings for the test suite: a throw-away folder for the database and media, and a fast password hasher."""

import os
import tempfile

os.environ.setdefault("ORALCARE_VAR_DIR", tempfile.mkdtemp(prefix="oralcare-test-"))

from oralcare.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False
# Tests that need a worker start one themselves against the Redis that the test command starts.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
