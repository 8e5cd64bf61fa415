"""Reading a skops file as data: sizes first, then every type it names.

A skops file is a zip: ``schema.json``, a tree of nodes that name modules and
types, and the members the nodes read (arrays in ``.npy`` form, bytes). Three
things are checked before any object is created:

1. **Sizes, before decompressing anything.** The zip's central directory
   declares each member's size; the members, their total and their
   compression ratio must stay under caps far above what sklearn-fer writes
   (``MAX_MEMBER_BYTES``...), so that a file of a few hundred kilobytes cannot
   make the loader allocate gigabytes. Members are then read once each, in
   bounded chunks (a member that decompresses beyond its declared size is
   refused as it is read), and a member that two nodes would read is refused:
   skops writes each array once and refers to it again by ``__id__``.
2. **Every type, not only the untrusted ones, and what is done with it.**
   skops trusts many types by default (every scikit-learn estimator, NumPy
   and SciPy functions), and a trusted scikit-learn type with inconsistent
   arrays can make compiled code read out of bounds (an ``SVC`` whose
   ``_dual_coef_`` is narrower than its support vectors). The names of *all*
   the types are listed, by skops's own audit run with nothing trusted
   (``all_type_names``), with the kind of node that creates each
   (``node_types``: ``bytes`` as data, or ``bytes`` called with a size from
   the file), for the caller to compare with its allowlist.
3. Only then are the nodes constructed.

skops has no public API for steps 1 and 2 on one reading of the file: the
tree is built with ``skops.io._audit.get_tree`` and audited as
``skops.io.load`` does (skops 0.10 to 0.16). Its nodes read members through
``LoadContext.src.read``, which here hands out the members read in step 1.
"""

import io
import json
import math
import zipfile

from numpy.lib import format as npy_format

#: Caps on what a model file may hold once decompressed. sklearn-fer's largest
#: files are its CNNs: the default ConvNetClassifier writes 9.5 MB, of which
#: 9.5 MB of tensors in one member (weights, their moving average, the
#: optimizer's state); SGDSoftmaxRegression behind 8,192 patch features writes
#: under 2 MB. The caps leave a factor of 25 for larger networks.
MAX_MEMBER_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 512 * 2**20
#: schema.json describes the tree, not the arrays: tens of kB in practice.
MAX_SCHEMA_BYTES = 16 * 2**20
#: A model file holds one member per array (a pipeline of the command line:
#: about 20).
MAX_MEMBERS = 1000
#: A member may decompress to this many times its stored size (deflate
#: reaches about 1,000 on zeros; numbers rarely compress 10 times). Only
#: members larger than MAX_EXPANDED_FREELY are held to it.
MAX_COMPRESSION_RATIO = 100
MAX_EXPANDED_FREELY = 16 * 2**20
#: Decompressed in chunks of this size, so that a member that lies about its
#: size costs at most this much beyond it.
CHUNK_BYTES = 2**20


class UnsafeModelFile(ValueError):
    """A model file refused before anything in it was created."""


def read_members(file):
    """The members of the zip ``file`` (a path or a binary file object), name ->
    bytes, each read once.

    Raises ``UnsafeModelFile`` when the declared sizes exceed the caps or a
    member decompresses beyond its declared size, and ``zipfile.BadZipFile``
    (or ``OSError``) for a file that is not a readable zip.
    """
    with zipfile.ZipFile(file) as archive:
        infos = archive.infolist()
        _check_declared_sizes(infos)
        members = {info.filename: _read_member(archive, info) for info in infos}
    for name, data in members.items():
        _check_npy(name, data)
    return members


def _check_declared_sizes(infos):
    if len(infos) > MAX_MEMBERS:
        raise UnsafeModelFile(
            f"it has {len(infos):,} members (at most {MAX_MEMBERS:,} are read)"
        )
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise UnsafeModelFile("it has two members of one name")
    total = 0
    for info in infos:
        size, stored = info.file_size, info.compress_size
        cap = MAX_SCHEMA_BYTES if info.filename == "schema.json" else MAX_MEMBER_BYTES
        if size > cap:
            raise UnsafeModelFile(
                f"its member {info.filename!r} declares {_mib(size)} (at most "
                f"{_mib(cap)})"
            )
        if size > MAX_EXPANDED_FREELY and size > MAX_COMPRESSION_RATIO * max(stored, 1):
            raise UnsafeModelFile(
                f"its member {info.filename!r} declares {_mib(size)} compressed "
                f"into {stored:,} bytes: a ratio over {MAX_COMPRESSION_RATIO}"
            )
        total += size
    if total > MAX_TOTAL_BYTES:
        raise UnsafeModelFile(
            f"its members declare {_mib(total)} in all (at most "
            f"{_mib(MAX_TOTAL_BYTES)})"
        )


def _read_member(archive, info):
    chunks, size = [], 0
    with archive.open(info) as member:
        while chunk := member.read(CHUNK_BYTES):
            size += len(chunk)
            if size > info.file_size:  # zipfile stops there; never trust it to
                raise UnsafeModelFile(
                    f"its member {info.filename!r} decompresses beyond the "
                    f"{info.file_size:,} bytes it declares"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _check_npy(name, data):
    """An array in ``.npy`` form must hold what its header declares.

    ``np.load`` allocates the array its header declares before it reads the
    data, and reads an object array by unpickling (skops refuses, later).
    """
    if not data.startswith(npy_format.MAGIC_PREFIX):
        return
    stream = io.BytesIO(data)
    try:
        version = npy_format.read_magic(stream)
        read_header = {
            (1, 0): npy_format.read_array_header_1_0,
            (2, 0): npy_format.read_array_header_2_0,
        }[version]
        shape, _, dtype = read_header(stream)
    except (KeyError, ValueError) as exc:
        raise UnsafeModelFile(
            f"its member {name!r} has a malformed array header ({exc})"
        ) from exc
    if dtype.hasobject:
        raise UnsafeModelFile(
            f"its member {name!r} is an array of Python objects, which only "
            "unpickling reads"
        )
    declared = math.prod(shape) * dtype.itemsize
    held = len(data) - stream.tell()
    if declared != held:
        raise UnsafeModelFile(
            f"its member {name!r} declares an array of shape {shape} and dtype "
            f"{dtype} ({declared:,} bytes) but holds {held:,} bytes"
        )


def _mib(size):
    return f"{size / 2**20:,.1f} MiB"


class _Members:
    """What skops's nodes read from (``LoadContext.src``): each member once."""

    def __init__(self, members):
        self._members = members
        self._read = set()

    def read(self, name):
        if name in self._read:
            raise UnsafeModelFile(
                f"two of its nodes read the member {name!r} (skops writes each "
                "array once)"
            )
        if name not in self._members:
            raise KeyError(f"There is no item named {name!r} in the archive")
        self._read.add(name)
        return self._members[name]


def node_tree(members):
    """The unconstructed skops tree of ``members`` (from ``read_members``).

    Raises ``UnsafeModelFile`` for a member read twice; anything else (a
    missing or malformed schema, an unknown node) raises what skops raises.
    """
    from skops.io._audit import get_tree
    from skops.io._protocol import PROTOCOL
    from skops.io._utils import LoadContext

    schema = json.loads(members["schema.json"])
    protocol = schema.get("protocol") if isinstance(schema, dict) else None
    # As skops's read_schema: bool is an int, and True would act as protocol 1.
    if isinstance(protocol, bool) or not isinstance(protocol, int):
        raise TypeError(f"invalid skops protocol {protocol!r} in schema.json")
    if not 0 <= protocol <= PROTOCOL:
        raise ValueError(
            f"skops protocol {protocol}, where this skops reads 0 to {PROTOCOL}"
        )
    context = LoadContext(src=_Members(members), protocol=protocol)
    return get_tree(schema, context, trusted=None)


def _nodes(root):
    """Every node of the tree, each once."""
    from skops.io._audit import Node

    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        children = [*node.children.values(), getattr(node, "cached", None)]
        for child in children:
            if isinstance(child, dict):
                child = list(child.values())
            for item in child if isinstance(child, list) else [child]:
                if isinstance(item, Node):
                    stack.append(item)


def all_type_names(tree):
    """The names of every type and function the tree would import.

    skops's own audit, with nothing trusted: each kind of node reports the
    names it imports (a function node its function, a method node its
    method, a dict its key types...), including what skops trusts by
    default.
    """
    nodes = list(_nodes(tree))
    trusted = [node.trusted for node in nodes]
    try:
        for node in nodes:
            node.trusted = []
        return sorted(tree.get_unsafe_set())
    finally:
        for node, names in zip(nodes, trusted, strict=True):
            node.trusted = names


def node_types(tree):
    """``(kind of node, type name)`` of every node that creates an object.

    The kind says what skops does with the type: an ObjectNode creates it
    empty and sets its state, a ConstructorFromReduceNode calls it with
    arguments from the file, a TypeNode hands it back... JSON values and
    references to nodes already listed (CachedNode) are left out.
    """
    return {
        (type(node).__name__, f"{node.module_name}.{node.class_name}")
        for node in _nodes(tree)
        if type(node).__name__ not in ("JsonNode", "CachedNode")
    }


def construct(tree, trusted_names):
    """Create the objects of the tree, trusting ``trusted_names`` (audited as
    ``skops.io.load`` audits)."""
    from skops.io._audit import audit_tree

    audit_tree(tree, trusted=list(trusted_names))
    return tree.construct()
