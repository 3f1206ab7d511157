"""
Reading a photo folder for training and evaluation, and the duplicate-aware, stratified, seeded split.
NumPy and Pillow only.
"""

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ml import preprocess

logger = logging.getLogger(__name__)

DEFAULT_POSITIVE = "cancer"
DEFAULT_NEGATIVE = "non_cancer"
# Two photos whose 64-bit difference hashes differ in at most this many bits are treated as the same picture.
NEAR_DUPLICATE_BITS = 6
SPLITS = ("train", "validation", "test")


@dataclass
class Photo:
    path: Path
    label: int
    folder: str
    sha256: str
    dhash: int
    pixels: np.ndarray | None = None
    group: int = -1
    split: str = ""


@dataclass
class PhotoSet:
    """The readable photos of a folder, and the files that could not be read with the reason."""

    photos: list[Photo]
    skipped: list[dict[str, str]] = field(default_factory=list)
    class_names: list[str] = field(default_factory=lambda: [DEFAULT_NEGATIVE, DEFAULT_POSITIVE])


def parse_class_map(value: str | None) -> tuple[str, str]:
    """Parse "POSITIVE/NEGATIVE" folder names, for example "Cancer/Benign"; the default is cancer/non_cancer."""
    if not value:
        return DEFAULT_POSITIVE, DEFAULT_NEGATIVE
    parts = [part.strip() for part in value.split("/")]
    if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
        raise ValueError(
            f"Invalid class map {value!r}: expected two different folder names as POSITIVE/NEGATIVE, "
            "for example Cancer/Benign (the first is the cancer class)."
        )
    return parts[0], parts[1]


def list_files(data_dir: Path, *, positive: str, negative: str) -> list[tuple[Path, int, str]]:
    """Return (path, label, folder) for every file in the two class folders; label 1 is cancer."""
    entries = []
    for folder, label in ((positive, 1), (negative, 0)):
        class_dir = data_dir / folder
        if not class_dir.is_dir():
            raise FileNotFoundError(
                f"Class folder {class_dir} not found. The data folder needs one subfolder per class "
                f"({positive}/ for cancer and {negative}/ for the rest); pass --class-map POSITIVE/NEGATIVE "
                "for other folder names."
            )
        for path in sorted(class_dir.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                entries.append((path, label, folder))
    return entries


def read_photos(
    data_dir: Path, *, image_size: int, positive: str = DEFAULT_POSITIVE, negative: str = DEFAULT_NEGATIVE
) -> PhotoSet:
    """Decode every photo of the class folders with the shared decoder; unreadable files go to ``skipped``."""
    photos: list[Photo] = []
    skipped: list[dict[str, str]] = []
    for path, label, folder in list_files(data_dir, positive=positive, negative=negative):
        try:
            photo = read_photo(path, label=label, folder=folder, image_size=image_size)
        except Exception as error:  # noqa: BLE001 - any undecodable file is reported, never fatal for a run
            reason = getattr(error, "message", None) or str(error) or type(error).__name__
            skipped.append({"file": str(path), "reason": reason})
            logger.warning("Skipped unreadable file %s: %s", path, reason)
            continue
        photos.append(photo)
    return PhotoSet(photos=photos, skipped=skipped, class_names=[negative, positive])


def read_photo(path: Path, *, label: int, folder: str, image_size: int) -> Photo:
    data = path.read_bytes()
    image = preprocess.read_photo(path, relaxed=True)
    return Photo(
        path=path,
        label=label,
        folder=folder,
        sha256=hashlib.sha256(data).hexdigest(),
        dhash=difference_hash(image),
        pixels=preprocess.to_model_array(image, image_size),
    )


def difference_hash(image: Image.Image, *, size: int = 8) -> int:
    """Return the 64-bit dHash: whether each pixel of a 9x8 grey thumbnail is brighter than its right neighbour."""
    grey = image.convert("L").resize((size + 1, size), Image.Resampling.BILINEAR)
    pixels = np.asarray(grey, dtype=np.int16)
    bits = (pixels[:, 1:] > pixels[:, :-1]).reshape(-1)
    return int(sum(1 << index for index, bit in enumerate(bits) if bit))


def group_duplicates(photos: list[Photo], *, max_bits: int = NEAR_DUPLICATE_BITS) -> int:
    """
    Give photos with the same sha256, or dHashes within ``max_bits`` bits, the same group number.
    Return the number of groups.
    """
    parent = list(range(len(photos)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def join(first: int, second: int) -> None:
        parent[root(first)] = root(second)

    by_sha: dict[str, int] = {}
    for index, photo in enumerate(photos):
        if photo.sha256 in by_sha:
            join(index, by_sha[photo.sha256])
        by_sha.setdefault(photo.sha256, index)

    hashes = np.array([photo.dhash for photo in photos], dtype=np.uint64)
    for index in range(len(photos)):
        distances = _popcount(hashes[index + 1 :] ^ hashes[index])
        for offset in np.nonzero(distances <= max_bits)[0]:
            join(index, index + 1 + int(offset))

    roots = {root(index) for index in range(len(photos))}
    numbers = {value: number for number, value in enumerate(sorted(roots))}
    for index, photo in enumerate(photos):
        photo.group = numbers[root(index)]
    return len(roots)


def assign_splits(photos: list[Photo], *, validation: float, test: float, seed: int) -> None:
    """
    Split whole duplicate groups into train, validation and test, stratified by label and seeded.

    A group's label is the label of most of its photos. Groups are shuffled per label, then test and validation
    take groups until they reach their share of that label's photos; the rest is train.
    """
    if validation <= 0 or test <= 0 or validation + test >= 1:
        raise ValueError(
            f"Invalid split fractions: validation {validation} and test {test} must each be above 0 and sum to "
            "less than 1."
        )

    members: dict[int, list[Photo]] = defaultdict(list)
    for photo in photos:
        members[photo.group].append(photo)

    rng = np.random.default_rng(seed)
    for label in (0, 1):
        groups = sorted(group for group, items in members.items() if _majority_label(items) == label)
        rng.shuffle(groups)
        total = sum(len(members[group]) for group in groups)
        quotas = {"test": test * total, "validation": validation * total}
        filled = {"test": 0, "validation": 0}
        for group in groups:
            split = next((name for name in ("test", "validation") if filled[name] < quotas[name]), "train")
            if split != "train":
                filled[split] += len(members[group])
            for photo in members[group]:
                photo.split = split


def manifest(photos: list[Photo], *, data_dir: Path) -> list[dict[str, object]]:
    """Return one row per photo: file (relative to the data folder), sha256, class folder, label, group, split."""
    return [
        {
            "file": str(photo.path.relative_to(data_dir)),
            "sha256": photo.sha256,
            "folder": photo.folder,
            "label": photo.label,
            "group": photo.group,
            "split": photo.split,
        }
        for photo in photos
    ]


def manifest_sha256(rows: list[dict[str, object]]) -> str:
    text = "\n".join(f"{row['sha256']}\t{row['label']}\t{row['split']}" for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def select(photos: list[Photo], split: str) -> list[Photo]:
    return [photo for photo in photos if photo.split == split]


def as_arrays(photos: list[Photo]) -> tuple[np.ndarray, np.ndarray]:
    """Return uint8 pixels (N, S, S, 3) and float32 labels (N,) of photos that have pixels."""
    pixels = np.stack([photo.pixels for photo in photos]) if photos else np.empty((0, 0, 0, 3), np.uint8)
    labels = np.array([photo.label for photo in photos], dtype=np.float32)
    return pixels, labels


def _majority_label(items: list[Photo]) -> int:
    positives = sum(photo.label for photo in items)
    return 1 if positives * 2 >= len(items) else 0


def _popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values).astype(np.int64)
