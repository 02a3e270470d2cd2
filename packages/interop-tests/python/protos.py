"""Message classes for the Python peers, built at import time from a FileDescriptorSet.

The tests build the set with Buf from node_modules (no protoc needed) and pass its path in
INTEROP_DESCRIPTOR_SET. Importing this module registers one module per .proto file under the name
protoc would give it (org/users/v1/users.proto -> org.users.v1.users_pb2), with its messages, enums
and top-level enum values, so the peers import them as if protoc had generated them. The well-known
types (google/protobuf/*) come from the protobuf package itself.
"""

import importlib
import os
import sys
import types

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.internal import enum_type_wrapper

# Files registered under another name: a generated grpc.* package must not shadow grpcio.
ALIASES = {"grpc/health/v1/health.proto": "health_pb2"}


def _message_class(descriptor):
    if hasattr(message_factory, "GetMessageClass"):
        cls = message_factory.GetMessageClass(descriptor)
    else:
        cls = message_factory.MessageFactory(descriptor.file.pool).GetPrototype(descriptor)
    # Generated code exposes nested messages and enums as class attributes; do the same.
    for nested in descriptor.nested_types:
        if not nested.GetOptions().map_entry:
            setattr(cls, nested.name, _message_class(nested))
    for enum in descriptor.enum_types:
        setattr(cls, enum.name, enum_type_wrapper.EnumTypeWrapper(enum))
        for value in enum.values:
            setattr(cls, value.name, value.number)
    return cls


def _package_module(name):
    if name in sys.modules:
        return sys.modules[name]
    try:
        return importlib.import_module(name)
    except ImportError:
        module = types.ModuleType(name)
        module.__path__ = []
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(_package_module(parent), child, module)
        return module


def _register(file_descriptor):
    name = ALIASES.get(file_descriptor.name) or file_descriptor.name[: -len(".proto")].replace("/", ".") + "_pb2"
    module = types.ModuleType(name)
    module.DESCRIPTOR = file_descriptor
    for message in file_descriptor.message_types_by_name.values():
        setattr(module, message.name, _message_class(message))
    for enum in file_descriptor.enum_types_by_name.values():
        setattr(module, enum.name, enum_type_wrapper.EnumTypeWrapper(enum))
        for value in enum.values:
            setattr(module, value.name, value.number)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(_package_module(parent), child, module)


def load(path):
    with open(path, "rb") as f:
        file_set = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.Default()
    for file_proto in file_set.file:  # Buf writes dependencies before the files that import them.
        if file_proto.name.startswith("google/protobuf/"):
            importlib.import_module("google.protobuf." + file_proto.name[len("google/protobuf/") : -len(".proto")] + "_pb2")
            continue
        pool.AddSerializedFile(file_proto.SerializeToString())
        _register(pool.FindFileByName(file_proto.name))


load(os.environ["INTEROP_DESCRIPTOR_SET"])
