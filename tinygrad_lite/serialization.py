"""save/load: a checkpoint format that never executes code when it is read.

A checkpoint is a zip archive with
  manifest.json         the object tree as tagged JSON, the storages' dtypes and sizes, and each
                        tensor's (storage, offset, shape, stride, requires_grad)
  storages/<i>.npy      storage i as a 1-D .npy array (never an object array)
Storages are saved once, so tensors that share memory (views, the same tensor twice) load sharing
it again, as with torch.save. Containers are dict, OrderedDict (with `_metadata`), list, tuple and
Size; leaves are tensors, None, bool, int, float, str, dtypes and devices. The reader checks every
name, type, dtype, size and bound it is given and reports a malformed file as a RuntimeError.
"""
import collections
import contextlib
import io
import json
import os
import struct
import sys
import zipfile
import zlib

import numpy as np

from . import backend
from . import dtypes as _dt
from .tensor import Size, Tensor

_FORMAT = "tinygrad_lite.checkpoint"
_VERSION = 1
_MANIFEST = "manifest.json"
_MAX_MANIFEST_BYTES = 1 << 28
_MAX_DEPTH = 100
_NPY_HEADER_LIMIT = 10000


def _storage_entry(index):
    return f"storages/{index}.npy"


def _binary_file(f, mode):
    """A path opened (and closed on exit), or a file object used as it is."""
    return open(f, mode) if isinstance(f, (str, os.PathLike)) else contextlib.nullcontext(f)


def _parameter_class():
    """nn.Parameter if the nn package is loaded (nothing can be a Parameter before that)."""
    nn = sys.modules.get(__package__ + ".nn")
    return getattr(nn, "Parameter", None)


# saving -----------------------------------------------------------------------------------
class _Encoder:
    def __init__(self):
        self.storages = []       # flat host arrays
        self.storage_meta = []
        self.tensors = []
        self._storage_index = {}  # id(Storage) -> index
        self._tensor_index = {}   # id(Tensor) -> index
        self._open = set()        # ids of containers being encoded (cycle check)

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return self.encode(obj.item())
        if isinstance(obj, Tensor):
            return {"$": "tensor", "index": self._tensor(obj)}
        if isinstance(obj, _dt.dtype):
            return {"$": "dtype", "name": obj.name}
        if isinstance(obj, backend.device):
            return {"$": "device", "name": str(obj)}
        if isinstance(obj, (list, tuple, dict)):
            if id(obj) in self._open:
                raise ValueError("tinygrad_lite.save: cannot save a container that contains itself")
            self._open.add(id(obj))
            try:
                return self._container(obj)
            finally:
                self._open.discard(id(obj))
        raise TypeError(f"tinygrad_lite.save: cannot save an object of type "
                        f"{type(obj).__module__}.{type(obj).__qualname__} (supported: tensors, "
                        "dict/OrderedDict/list/tuple, None, bool, int, float, str, dtype, device)")

    def _container(self, obj):
        if isinstance(obj, Size):
            return {"$": "Size", "items": [int(s) for s in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if isinstance(obj, tuple):
            return {"$": "tuple", "items": [self.encode(v) for v in obj]}
        items = [[self.encode(k), self.encode(v)] for k, v in obj.items()]
        if isinstance(obj, collections.OrderedDict):
            node = {"$": "OrderedDict", "items": items}
            metadata = getattr(obj, "_metadata", None)
            if metadata is not None:
                node["metadata"] = self.encode(metadata)
            return node
        return {"$": "dict", "items": items}

    def _tensor(self, t):
        index = self._tensor_index.get(id(t))
        if index is not None:
            return index
        storage = t._storage
        s_index = self._storage_index.get(id(storage))
        if s_index is None:
            s_index = self._storage_index[id(storage)] = len(self.storages)
            self.storages.append(np.ascontiguousarray(backend.to_host(storage.data)).reshape(-1))
            self.storage_meta.append({"dtype": _dt.from_numpy(storage.data.dtype).name,
                                      "numel": int(storage.data.size), "device": str(t.device)})
        parameter = _parameter_class()
        self.tensors.append({"storage": s_index, "offset": t.storage_offset(),
                             "shape": list(t.shape), "stride": list(t.stride()),
                             "requires_grad": t.requires_grad,
                             "parameter": parameter is not None and isinstance(t, parameter)})
        index = self._tensor_index[id(t)] = len(self.tensors) - 1
        return index


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save tensors in (nested dicts/lists/tuples of) Python values to a path or binary file."""
    encoder = _Encoder()
    root = encoder.encode(obj)
    manifest = {"format": _FORMAT, "version": _VERSION, "storages": encoder.storage_meta,
                "tensors": encoder.tensors, "root": root}
    with _binary_file(f, "wb") as fileobj, zipfile.ZipFile(fileobj, "w") as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest))
        for index, array in enumerate(encoder.storages):
            with archive.open(_storage_entry(index), "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


# loading ----------------------------------------------------------------------------------
def _malformed(message):
    return RuntimeError(f"tinygrad_lite.load: malformed checkpoint: {message}")


def _require(condition, message):
    if not condition:
        raise _malformed(message)


def _is_int(value, minimum=0):
    return type(value) is int and value >= minimum


def _exact_keys(node, keys, what):
    _require(isinstance(node, dict) and set(node) == set(keys),
             f"{what} must be an object with keys {sorted(keys)}")


def _saved_device(name):
    try:
        return backend.device(name)
    except RuntimeError:
        raise _malformed(f"invalid device {name!r}") from None


def _target_device(saved, map_location):
    if isinstance(map_location, dict):
        map_location = map_location.get(saved, saved)
    if map_location is None:
        dev = _saved_device(saved)
        if dev.type == "cuda" and not backend.cuda_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but CUDA is not "
                               "available. If you are running on a CPU-only machine, please use "
                               "tinygrad_lite.load with map_location='cpu' to map your storages "
                               "to the CPU.")
        return dev
    return backend.as_device(map_location)


def _read_storage(archive, archive_size, index, meta, map_location):
    _exact_keys(meta, ("dtype", "numel", "device"), f"storage {index}")
    _require(isinstance(meta["dtype"], str) and meta["dtype"] in {d.name for d in _dt.ALL},
             f"storage {index} has an unsupported dtype {meta['dtype']!r}")
    _require(_is_int(meta["numel"]), f"storage {index} has an invalid size {meta['numel']!r}")
    _require(isinstance(meta["device"], str), f"storage {index} has an invalid device")
    dtype = _dt.as_dtype(meta["dtype"]).np
    name = _storage_entry(index)
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise _malformed(f"the archive has no entry {name!r} for storage {index}") from None
    expected = meta["numel"] * dtype.itemsize
    # stored (uncompressed) entries only, and no larger than the file: nothing is allocated for
    # data the file does not hold
    _require(info.compress_type == zipfile.ZIP_STORED and info.compress_size == info.file_size
             and info.file_size <= archive_size, f"entry {name!r} is compressed or truncated")
    _require(expected <= info.file_size <= expected + _NPY_HEADER_LIMIT + 16,
             f"entry {name!r} has {info.file_size} bytes, not the {expected} its manifest implies")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        _require(version in ((1, 0), (2, 0)), f"entry {name!r}: unsupported .npy version")
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, _, file_dtype = read_header(member, max_header_size=_NPY_HEADER_LIMIT)
        _require(file_dtype.kind == dtype.kind and file_dtype.itemsize == dtype.itemsize
                 and not file_dtype.hasobject and file_dtype.names is None,
                 f"entry {name!r} holds {file_dtype}, but the manifest says {meta['dtype']}")
        _require(shape == (meta["numel"],),
                 f"entry {name!r} has shape {shape}, but the manifest says ({meta['numel']},)")
        array = np.empty(meta["numel"], dtype=file_dtype)
        got = member.readinto(array.view(np.uint8)) if expected else 0
        _require(got == expected and not member.read(1),
                 f"entry {name!r} does not hold exactly {meta['numel']} elements")
    if array.dtype != dtype:
        array = array.astype(dtype)  # the other byte order
    dev = _target_device(meta["device"], map_location)
    if dev.type != "cpu":
        array = backend.to_device(array, dev)
    return Tensor._make(array, dev)


def _build_tensor(index, meta, storages):
    _exact_keys(meta, ("storage", "offset", "shape", "stride", "requires_grad", "parameter"),
                f"tensor {index}")
    s = meta["storage"]
    _require(_is_int(s) and s < len(storages), f"tensor {index} refers to a missing storage {s!r}")
    shape, stride, offset = meta["shape"], meta["stride"], meta["offset"]
    _require(isinstance(shape, list) and isinstance(stride, list) and len(shape) == len(stride)
             and all(map(_is_int, shape)) and all(map(_is_int, stride)) and _is_int(offset),
             f"tensor {index} has an invalid geometry")
    _require(isinstance(meta["requires_grad"], bool) and isinstance(meta["parameter"], bool),
             f"tensor {index} has invalid flags")
    base = storages[s]
    numel = base.numel()
    if all(shape):
        last = offset + sum((n - 1) * st for n, st in zip(shape, stride))
        _require(last < numel, f"tensor {index} reaches past the end of storage {s}")
    else:
        _require(offset <= numel, f"tensor {index} starts past the end of storage {s}")
    _require(base.dtype.is_floating_point or not meta["requires_grad"],
             f"tensor {index} of dtype {base.dtype.name} cannot require grad")
    t = base._view(shape, stride, offset)
    t._base = None
    if meta["parameter"]:
        import importlib
        nn = importlib.import_module(__package__ + ".nn")
        return nn.Parameter(t, requires_grad=meta["requires_grad"])
    return t.requires_grad_(meta["requires_grad"])


class _Decoder:
    def __init__(self, tensors):
        self.tensors = tensors

    def decode(self, node, depth=0):
        _require(depth < _MAX_DEPTH, "the object tree is nested too deeply")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v, depth + 1) for v in node]
        _require(isinstance(node, dict) and isinstance(node.get("$"), str),
                 f"unexpected node {str(node)[:80]!r}")
        kind = node["$"]
        if kind == "tensor":
            _exact_keys(node, ("$", "index"), "a tensor node")
            _require(_is_int(node["index"]) and node["index"] < len(self.tensors),
                     f"a tensor node refers to a missing tensor {node['index']!r}")
            return self.tensors[node["index"]]
        if kind in ("dtype", "device"):
            _exact_keys(node, ("$", "name"), f"a {kind} node")
            _require(isinstance(node["name"], str), f"a {kind} node has no name")
            if kind == "dtype":
                _require(node["name"] in {d.name for d in _dt.ALL}, f"unknown dtype {node['name']!r}")
                return _dt.as_dtype(node["name"])
            return _saved_device(node["name"])
        if kind in ("tuple", "Size"):
            _exact_keys(node, ("$", "items"), f"a {kind} node")
            _require(isinstance(node["items"], list), f"a {kind} node has no item list")
            items = tuple(self.decode(v, depth + 1) for v in node["items"])
            if kind == "Size":
                _require(all(map(_is_int, items)), "a Size holds something other than sizes")
                return Size(items)
            return items
        if kind in ("dict", "OrderedDict"):
            keys = ("$", "items", "metadata") if "metadata" in node and kind == "OrderedDict" \
                else ("$", "items")
            _exact_keys(node, keys, f"a {kind} node")
            _require(isinstance(node["items"], list)
                     and all(isinstance(kv, list) and len(kv) == 2 for kv in node["items"]),
                     f"a {kind} node's items are not [key, value] pairs")
            out = {} if kind == "dict" else collections.OrderedDict()
            for k, v in node["items"]:
                key = self.decode(k, depth + 1)
                try:
                    hash(key)
                except TypeError:
                    raise _malformed(f"a {kind} key is not hashable") from None
                out[key] = self.decode(v, depth + 1)
            if "metadata" in keys:
                out._metadata = self.decode(node["metadata"], depth + 1)
            return out
        raise _malformed(f"unknown node type {kind!r}")


def _open_archive(fileobj):
    start = fileobj.tell()
    head = fileobj.read(4)
    fileobj.seek(start)
    if head[:1] == b"\x80":
        raise _malformed("this is a pickle (a legacy torch.save file?); tinygrad_lite.load never "
                         "unpickles, because unpickling can run arbitrary code")
    try:
        return zipfile.ZipFile(fileobj)
    except zipfile.BadZipFile as e:
        raise _malformed(f"not a zip archive ({e})") from None


def _load_archive(archive, archive_size, map_location):
    names = archive.namelist()
    if _MANIFEST not in names:
        if any(n.endswith("data.pkl") for n in names):
            raise _malformed("this is a PyTorch checkpoint (a pickle inside a zip); "
                             "tinygrad_lite.load never unpickles, because unpickling can run "
                             "arbitrary code")
        raise _malformed(f"the archive has no {_MANIFEST}")
    info = archive.getinfo(_MANIFEST)
    _require(info.file_size <= _MAX_MANIFEST_BYTES, f"{_MANIFEST} is too large")
    manifest = json.loads(archive.read(info).decode("utf-8"))
    _exact_keys(manifest, ("format", "version", "storages", "tensors", "root"), _MANIFEST)
    _require(manifest["format"] == _FORMAT, f"unknown format {manifest['format']!r}")
    _require(manifest["version"] == _VERSION, f"unsupported version {manifest['version']!r}")
    _require(isinstance(manifest["storages"], list) and isinstance(manifest["tensors"], list),
             "storages and tensors must be lists")
    storages = [_read_storage(archive, archive_size, i, meta, map_location)
                for i, meta in enumerate(manifest["storages"])]
    tensors = [_build_tensor(i, meta, storages) for i, meta in enumerate(manifest["tensors"])]
    return _Decoder(tensors).decode(manifest["root"])


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load what save() wrote, from a path or binary file. Nothing in the file is executed:
    a pickle (or a PyTorch checkpoint) is refused, and a malformed file raises RuntimeError."""
    if callable(map_location):
        raise TypeError("tinygrad_lite.load: map_location must be a device, a string or a dict "
                        "(callables are not supported)")
    with _binary_file(f, "rb") as fileobj:
        try:
            start = fileobj.tell()
            archive_size = fileobj.seek(0, io.SEEK_END) - start
            fileobj.seek(start)
            with _open_archive(fileobj) as archive:
                return _load_archive(archive, archive_size, map_location)
        except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, KeyError, IndexError,
                ValueError, TypeError, RecursionError, OverflowError, NotImplementedError,
                OSError) as e:
            raise _malformed(f"{type(e).__name__}: {e}") from e
