#!/usr/bin/env bash
# Train the default recipe on the development photos, time it, evaluate the new version on its test split and
# compare inference runtimes. Prints every figure; nothing is tuned on the test split.
#
#   benchmarks/train_default.sh [DATA_DIR] [WEIGHTS_FILE]
#
# Defaults: ../shared/data/oral-photos and the with-top MobileNetV2 weights file beside it, so no download.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${1:-../shared/data/oral-photos}"
weights="${2:-${ORALCARE_IMAGENET_WEIGHTS:-../shared/weights/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5}}"
name="default-$(date -u +%Y%m%d-%H%M%S)"

echo "==> train_model ($name), $(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg)"
start=$(date +%s)
.venv/bin/python manage.py train_model --data "$data" --weights "$weights" --name "$name"
echo "==> training wall time: $(( $(date +%s) - start )) s"

folder="$(.venv/bin/python manage.py shell -c "from ml.models import ModelVersion; print(ModelVersion.objects.get(name='$name').directory)" | tail -n 1)"

echo "==> evaluate_model on the test split"
.venv/bin/python manage.py evaluate_model --data "$data" --model "$name" --split test

echo "==> inference runtimes"
.venv/bin/python benchmarks/inference_runtimes.py --model "$folder" --data "$data"
