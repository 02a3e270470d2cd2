"""Python grpcio client for the transport checks: bounded error details, compression, idle channel.

usage: transport_client.py HOST:PORT MODE
MODE "calls": runs the scenarios and prints one JSON report.
MODE "idle": makes one call, prints {"ready": true}, then keeps the channel open (idle) until killed.
"""

import json
import sys
import time
import traceback
import uuid

import grpc
from google.protobuf import field_mask_pb2

from interop_common import UsersStub, error_report
from org.users.v1 import users_pb2 as pb

TARGET = sys.argv[1]
MODE = sys.argv[2]
RUN = uuid.uuid4().hex[:8]
report = {"crashed": {}}


def scenario(fn):
    try:
        report[fn.__name__] = fn()
    except Exception:  # noqa: BLE001 - reported, asserted on by the test
        report["crashed"][fn.__name__] = traceback.format_exc()
    return fn


channel = grpc.insecure_channel(TARGET)
grpc.channel_ready_future(channel).result(timeout=10)
users = UsersStub(channel)


def new_user(tag):
    return pb.User(name=f"Py {tag}", email=f"py-{tag}-{RUN}@example.org", role=pb.ROLE_EDITOR)


if MODE == "idle":
    users.CreateUser(pb.CreateUserRequest(user=new_user("idle")), timeout=10)
    print(json.dumps({"ready": True}), flush=True)
    while True:
        time.sleep(1)


@scenario
def bounded_details():
    user = users.CreateUser(pb.CreateUserRequest(user=new_user("mask")), timeout=10).user
    paths = [f"no_such_field_{i}" for i in range(1000)]
    try:
        users.UpdateUser(
            pb.UpdateUserRequest(user=pb.User(id=user.id, name="x"), update_mask=field_mask_pb2.FieldMask(paths=paths), etag=user.etag),
            timeout=10,
        )
    except grpc.RpcError as error:
        out = error_report(error)
        violations = (out.get("details") or {}).get("field_violations") or []
        return {
            "code": out["code"],
            "message": out["message"],
            "violations": len(violations),
            "first": violations[0] if violations else None,
            "last": violations[-1] if violations else None,
        }
    return {"code": "OK"}


@scenario
def gzip_request():
    created = users.CreateUser(pb.CreateUserRequest(user=new_user("gzip")), timeout=10, compression=grpc.Compression.Gzip)
    got = users.GetUser(pb.GetUserRequest(id=created.user.id), timeout=10, compression=grpc.Compression.Gzip)
    return {"created": created.user.name, "got": got.user.name}


@scenario
def deflate_request():
    created = users.CreateUser(pb.CreateUserRequest(user=new_user("deflate")), timeout=10, compression=grpc.Compression.Deflate)
    return {"created": created.user.name}


@scenario
def compressed_responses():
    # A channel that asks for gzip advertises it in grpc-accept-encoding; the server answers in
    # gzip when configured to, and grpcio inflates it transparently.
    gz = grpc.insecure_channel(TARGET, compression=grpc.Compression.Gzip)
    stub = UsersStub(gz)
    created = stub.CreateUser(pb.CreateUserRequest(user=new_user("gzresp")), timeout=10)
    call = stub.GetUser.with_call(pb.GetUserRequest(id=created.user.id), timeout=10)
    streamed = list(stub.StreamUsers(pb.StreamUsersRequest(), timeout=10))
    gz.close()
    return {"got": call[0].user.name, "streamed": len(streamed)}


channel.close()
print(json.dumps(report))
