"""TensorFlow's C++ log level, set before any ml module imports TensorFlow."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, environment: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=True
    )
    return completed.stdout.strip()


def test_importing_ml_sets_tensorflow_log_level():
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}

    output = run_python("import os, ml; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])", environment)

    assert output == "2"


def test_explicit_tensorflow_log_level_is_kept():
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}

    output = run_python("import os, ml; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])", environment)

    assert output == "0"
