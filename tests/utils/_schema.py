"""schema.json nodes of skops files, written by hand for the hostile-file tests.

A skops file is a zip holding ``schema.json``, a tree of nodes that name
modules and types, and the members the nodes read (``.npy`` arrays, bytes).
"""

import io
import json
import zipfile

import numpy as np
import skops.io

from sklearn_fer.linear_model import SGDSoftmaxRegression


def node(loader, module, name, **fields):
    return {"__class__": name, "__module__": module, "__loader__": loader, **fields}


def json_value(value):
    return node("JsonNode", "builtins", "str", content=json.dumps(value), is_json=True)


def str_type():
    return node("TypeNode", "builtins", "str")


def tuple_node(*items):
    return node("TupleNode", "builtins", "tuple", content=list(items))


def list_node(*items, module="builtins", name="list"):
    return node("ListNode", module, name, content=list(items))


def dict_node(content, module="builtins", name="dict", key_type=None):
    key_types = list_node(*[key_type or str_type() for _ in content])
    return node("DictNode", module, name, content=content, key_types=key_types)


def call(module, name, *args):
    """``module.name(*args)``, as skops loads an object from its ``__reduce__``."""
    return node("ConstructorFromReduceNode", module, name, content=tuple_node(*args))


def bytes_node(file):
    return node("BytesNode", "builtins", "bytes", file=file)


def npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _benign_schema():
    """schema.json of an unfitted SGDSoftmaxRegression, a trusted container."""
    with zipfile.ZipFile(io.BytesIO(skops.io.dumps(SGDSoftmaxRegression()))) as zf:
        return json.loads(zf.read("schema.json"))


BENIGN = _benign_schema()


def write_model(path, payload, files=None, **schema_fields):
    """A model file: the benign estimator with ``payload`` as one attribute."""
    schema = json.loads(json.dumps(BENIGN))
    schema["content"]["content"]["payload"] = payload
    schema["content"]["key_types"]["content"].append(str_type())
    schema.update(schema_fields)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
        archive.writestr("array.npy", npy(np.arange(3)))
        for name, content in (files or {}).items():
            archive.writestr(name, content)
    return path
