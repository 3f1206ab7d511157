import os

# Hide TensorFlow's C++ INFO and WARNING lines in the worker and commands. This runs before any ml module imports
# TensorFlow, and an explicit TF_CPP_MIN_LOG_LEVEL in the environment still wins.
# NOTE: TensorFlow 2.21 still prints the oneDNN line and absl's "All log messages before absl::InitializeLog()"
# line at import, because they are written before the log level is read.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
