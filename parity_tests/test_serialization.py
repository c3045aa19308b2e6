"""tinygrad_lite.save / load: bit-exact round trips of nested state, and malformed or hostile files
rejected with a RuntimeError without running anything they contain."""
import collections
import io
import json
import math
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_lite as tl

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def save_bytes(obj):
    buf = io.BytesIO()
    tl.save(obj, buf)
    return buf.getvalue()


def load_bytes(data, **kwargs):
    return tl.load(io.BytesIO(data), **kwargs)


# round trips -----------------------------------------------------------------------------------
@st.composite
def tensors(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    values = draw(hnp.arrays(np.dtype(dtype), shape))
    t = tl.from_numpy(values)
    view = draw(st.sampled_from(["whole", "transpose", "slice"]))
    if view == "transpose" and t.ndim >= 2:
        t = t.transpose(0, 1)
    elif view == "slice" and t.ndim >= 1:
        t = t[::2]
    if dtype.startswith("float") and draw(st.booleans()):
        t = t.detach().requires_grad_()
    return t


leaves = st.one_of(
    tensors(), st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
    st.text(max_size=8), st.sampled_from([tl.float32, tl.int64, tl.bool]),
    st.sampled_from([tl.device("cpu")]))
keys = st.one_of(st.integers(-5, 50), st.text(max_size=5), st.tuples(st.integers(), st.text(max_size=3)))
nested = st.recursive(leaves, lambda children: st.one_of(
    st.lists(children, max_size=4), st.lists(children, max_size=3).map(tuple),
    st.dictionaries(keys, children, max_size=4),
    st.dictionaries(st.text(max_size=5), children, max_size=4).map(collections.OrderedDict)),
    max_leaves=12)


def assert_same(a, b):
    """Same structure, types, dtypes, shapes, strides, flags and bits."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, tl.Tensor):
        assert (a.dtype, a.shape, a.stride(), a.requires_grad) == (b.dtype, b.shape, b.stride(),
                                                                   b.requires_grad)
        assert np.ascontiguousarray(a.detach().numpy()).tobytes() == \
            np.ascontiguousarray(b.detach().numpy()).tobytes()
    elif isinstance(a, float):
        assert (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert a == b


@settings(deadline=None)
@given(obj=nested)
def test_round_trip(obj):
    assert_same(obj, load_bytes(save_bytes(obj)))


def test_round_trip_through_a_path(tmp_path):
    obj = {"w": tl.randn(3, 4), "step": 7}
    tl.save(obj, tmp_path / "ckpt.pt")
    assert_same(obj, tl.load(str(tmp_path / "ckpt.pt")))


def test_shared_storage_and_identity_survive():
    base = tl.arange(12.0)
    row = base.view(3, 4)[1]
    obj = {"base": base, "row": row, "again": base, "meta": collections.OrderedDict(a=1)}
    obj["meta"]._metadata = {"": {"version": 1}}
    out = load_bytes(save_bytes(obj))
    assert out["again"] is out["base"]
    out["base"][5] = -1.0
    assert out["row"].tolist() == [4.0, -1.0, 6.0, 7.0]
    assert (out["row"].storage_offset(), out["row"].stride()) == (4, (1,))
    assert out["meta"]._metadata == {"": {"version": 1}}


def test_only_manifest_and_plain_arrays_are_written():
    data = save_bytes({"a": tl.ones(2), "b": [tl.zeros(3, dtype=tl.int64)]})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == ["manifest.json", "storages/0.npy", "storages/1.npy"]
        for name in names[1:]:
            assert np.load(io.BytesIO(archive.read(name)), allow_pickle=False).dtype != object


def _mlp(lib, seed):
    rng = np.random.default_rng(seed)
    return [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
            for s in [(8, 4), (8,), (2, 8), (2,)]]


def _train(params, opt, steps, seed=0):
    rng = np.random.default_rng(seed)
    x = tl.tensor(rng.standard_normal((16, 4)).astype(np.float32))
    y = tl.tensor(rng.standard_normal((16, 2)).astype(np.float32))
    w1, b1, w2, b2 = params
    for _ in range(steps):
        opt.zero_grad()
        ((((x @ w1.t() + b1).relu() @ w2.t() + b2) - y) ** 2).mean().backward()
        opt.step()


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_checkpoint_and_resume_training(name, tmp_path):
    kw = {"lr": 0.01, "momentum": 0.9} if name == "SGD" else {"lr": 0.01}
    straight = _mlp(tl, 0)
    _train(straight, getattr(tl.optim, name)(straight, **kw), 12)

    params = _mlp(tl, 0)
    opt = getattr(tl.optim, name)(params, **kw)
    _train(params, opt, 5)
    tl.save({"params": [p.detach() for p in params], "optim": opt.state_dict()}, tmp_path / "c.pt")

    ckpt = tl.load(tmp_path / "c.pt")
    resumed = [p.requires_grad_() for p in ckpt["params"]]
    opt2 = getattr(tl.optim, name)(resumed, **kw)
    opt2.load_state_dict(ckpt["optim"])
    assert ckpt["optim"]["param_groups"] == opt.state_dict()["param_groups"]
    _train(resumed, opt2, 7)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(b.detach().numpy(), a.detach().numpy())


def test_module_state_dict_and_parameters():
    tl.manual_seed(0)
    model = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.ReLU(), tl.nn.Linear(4, 2))
    state = load_bytes(save_bytes(model.state_dict()))
    assert_same(model.state_dict(), state)
    assert state._metadata == model.state_dict()._metadata
    fresh = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.ReLU(), tl.nn.Linear(4, 2))
    fresh.load_state_dict(state)
    for a, b in zip(model.parameters(), fresh.parameters()):
        assert a.tolist() == b.tolist()
    params = load_bytes(save_bytes(list(model.parameters())))
    assert all(type(p) is tl.nn.Parameter and p.requires_grad for p in params)


def test_map_location():
    data = save_bytes({"w": tl.ones(2)})
    for where in ("cpu", tl.device("cpu"), {"cpu": "cpu"}):
        assert load_bytes(data, map_location=where)["w"].device == tl.device("cpu")
    with pytest.raises(TypeError, match="map_location"):
        load_bytes(data, map_location=lambda storage, loc: storage)


def test_unsupported_objects_are_refused_on_save():
    with pytest.raises(TypeError, match="cannot save an object of type"):
        save_bytes({"f": lambda: 0})
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        save_bytes(loop)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        tl.load("/nonexistent/checkpoint.pt")


# hostile and broken files ------------------------------------------------------------------------
class _Trap:
    """Unpickling this creates the marker file: proof that a loader executed the pickle."""

    marker = None

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def trap(tmp_path):
    _Trap.marker = str(tmp_path / "executed")
    yield _Trap()
    assert not os.path.exists(_Trap.marker), "loading ran code from the file"


def assert_rejected(data, match="malformed checkpoint"):
    with pytest.raises(RuntimeError, match=match):
        load_bytes(data)


def rewrite(data, manifest=None, entries=None):
    """A copy of the checkpoint with its manifest edited and entries replaced (None drops one)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    new = json.loads(src.read("manifest.json"))
    if manifest is not None:
        manifest(new)
    entries = dict(entries or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        dst.writestr("manifest.json", entries.pop("manifest.json", None) or json.dumps(new))
        for name in src.namelist():
            if name != "manifest.json" and name not in entries:
                dst.writestr(name, src.read(name))
        for name, payload in entries.items():
            if payload is not None:
                dst.writestr(name, payload)
    return out.getvalue()


def npy_bytes(array, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def deep_manifest(depth):
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(GOOD)).read("manifest.json"))
    manifest["root"] = "ROOT"
    return json.dumps(manifest).replace('"ROOT"', "[" * depth + "]" * depth).encode()


GOOD = save_bytes({"w": tl.arange(6.0).view(2, 3), "n": 3, "s": [tl.ones(2, dtype=tl.int32)]})


def test_the_reference_file_loads():
    assert load_bytes(GOOD)["w"].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_truncated_files():
    cuts = sorted(set(np.linspace(0, len(GOOD) - 1, 60).astype(int)) | {1, 4, 22, len(GOOD) - 1})
    for cut in cuts:
        assert_rejected(GOOD[:cut])


@settings(deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes(data):
    assert_rejected(data)


@settings(deadline=None, max_examples=10)
@given(position=st.integers(0, len(GOOD) - 1), byte=st.integers(0, 255))
def test_corrupted_byte(position, byte):
    """One changed byte is caught (CRC, JSON or header checks) or is harmless: never another
    exception type."""
    data = bytearray(GOOD)
    data[position] = byte
    try:
        load_bytes(bytes(data))
    except RuntimeError as e:
        assert "malformed checkpoint" in str(e)


def test_pickle_is_never_executed(trap):
    assert_rejected(pickle.dumps({"x": trap}), match="never unpickles")
    buf = io.BytesIO()
    torch.save({"x": trap}, buf)
    assert_rejected(buf.getvalue(), match="PyTorch checkpoint")


def test_object_array_is_never_unpickled(trap):
    evil = np.empty(6, dtype=object)
    evil[0] = trap
    assert_rejected(rewrite(GOOD, entries={"storages/0.npy": npy_bytes(evil, allow_pickle=True)}),
                    match="holds object")


@pytest.mark.parametrize("edit,entries,match", [
    (None, {"storages/0.npy": None}, "no entry 'storages/0.npy'"),
    (lambda m: m["tensors"][0].update(storage="../../etc/passwd"), {}, "missing storage"),
    (lambda m: m["root"]["items"][0].__setitem__(1, {"$": "tensor", "index": "../x"}), {},
     "missing tensor"),
    (None, {"../evil.npy": b"x", "storages/0.npy": npy_bytes(np.zeros(6, np.float64))},
     "holds float64"),
    (lambda m: m["storages"][0].update(dtype="object"), {}, "unsupported dtype"),
    (lambda m: m["storages"][0].update(numel=10**15), {}, "bytes"),
    (lambda m: m["tensors"][0].update(shape=[4, 3]), {}, "past the end"),
    (lambda m: m["tensors"][0].update(offset=-1), {}, "invalid geometry"),
    (lambda m: m["tensors"][1].update(requires_grad=True), {}, "cannot require grad"),
    (lambda m: m["storages"][0].update(device="tpu:0"), {}, "invalid device"),
    (lambda m: m.update(version=99), {}, "unsupported version"),
    (lambda m: m.update(format="pickle"), {}, "unknown format"),
    (lambda m: m.update(extra=1), {}, "keys"),
    (lambda m: m.update(root={"$": "eval", "code": "print(1)"}), {}, "unknown node type"),
    (lambda m: m.update(root={"$": "dict", "items": [[[1], 2]]}), {}, "not hashable"),
    (None, {"manifest.json": deep_manifest(150)}, "nested too deeply"),
    (None, {"manifest.json": deep_manifest(100000)}, "RecursionError"),
    (None, {"manifest.json": b"{not json"}, "malformed"),
])
def test_tampered_manifest(edit, entries, match):
    assert_rejected(rewrite(GOOD, edit, entries), match=match)


def test_compressed_entries_are_refused():
    """Stored entries only: a deflated entry could expand far beyond the file's size."""
    src = zipfile.ZipFile(io.BytesIO(GOOD))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    assert_rejected(out.getvalue(), match="compressed")
