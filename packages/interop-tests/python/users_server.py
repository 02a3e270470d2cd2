"""A small Python grpcio server of the org.users.v1.UsersService contract, for @org/client to call.

usage: users_server.py            prints "PORT <n>" once listening on 127.0.0.1
Behaviour is steered by the request so the test can provoke each case:
  GetUser id "flaky-<n>-<key>"  fails UNAVAILABLE n times per key, then answers with labels.attempts
  GetUser id "slow-<ms>"        answers after <ms> (or stops early when the call is cancelled)
  GetUser id "invalid"          INVALID_ARGUMENT with BadRequest + ErrorInfo in grpc-status-details-bin
  GetUser id "busy"             RESOURCE_EXHAUSTED with RetryInfo (1500 ms)
  GetUser id "echo"             labels = every x-* request header; sends x-py-header / x-py-trailer
  GetUser id "stats"            labels = per-method call counts
  StreamUsers query "cut-<n>"   sends n users, then ends with UNAVAILABLE
  BulkCreateUsers item name "unavailable"  ends the call with UNAVAILABLE (not idempotent: no retry expected)
other ids hit the in-memory store.
"""

import collections
import signal
import sys
import threading
import time
import uuid
from concurrent import futures

import grpc

import protos  # noqa: F401  (registers the *_pb2 modules; must come first)
from google.protobuf import duration_pb2

from google.rpc import error_details_pb2, status_pb2
from interop_common import SERVICE, USERS_METHODS
from org.users.v1 import users_pb2 as pb

lock = threading.Lock()
store = collections.OrderedDict()
by_request_id = {}
attempts = collections.Counter()
calls = collections.Counter()


def abort_with_details(context, code, message, details):
    status = status_pb2.Status(code=code.value[0], message=message)
    for detail in details:
        status.details.add().Pack(detail)
    context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
    context.abort(code, message)


def count(name):
    with lock:
        calls[name] += 1


def GetUser(request, context):
    count("GetUser")
    rid = request.id
    if rid.startswith("flaky-"):
        _, n, key = rid.split("-", 2)
        with lock:
            attempts[key] += 1
            seen = attempts[key]
        if seen <= int(n):
            context.abort(grpc.StatusCode.UNAVAILABLE, f"flaky attempt {seen}")
        return pb.GetUserResponse(user=pb.User(id=rid, name="Flaky", labels={"attempts": str(seen)}))
    if rid.startswith("slow-"):
        until = time.time() + int(rid[5:]) / 1000
        while time.time() < until and context.is_active():
            time.sleep(0.01)
        return pb.GetUserResponse(user=pb.User(id=rid, name="Slow"))
    if rid == "invalid":
        abort_with_details(
            context,
            grpc.StatusCode.INVALID_ARGUMENT,
            "id is not acceptable",
            [
                error_details_pb2.BadRequest(field_violations=[error_details_pb2.BadRequest.FieldViolation(field="id", description="must not be 'invalid'")]),
                error_details_pb2.ErrorInfo(reason="PY_INVALID_ID", domain="python.interop", metadata={"impl": "grpcio"}),
            ],
        )
    if rid == "busy":
        abort_with_details(
            context,
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "slow down",
            [error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=1, nanos=500_000_000))],
        )
    if rid == "echo":
        received = {k: v for k, v in context.invocation_metadata() if k.startswith("x-") and isinstance(v, str)}
        context.send_initial_metadata((("x-py-header", "from-python"),))
        context.set_trailing_metadata((("x-py-trailer", "bye"),))
        return pb.GetUserResponse(user=pb.User(id="echo", name="Echo", labels=received))
    if rid == "stats":
        with lock:
            return pb.GetUserResponse(user=pb.User(id="stats", labels={k: str(v) for k, v in calls.items()}))
    with lock:
        user = store.get(rid)
    if user is None:
        context.abort(grpc.StatusCode.NOT_FOUND, f"user {rid} not found")
    return pb.GetUserResponse(user=user)


def _create(user, request_id):
    if not user.name:
        return None, "name"
    with lock:
        if request_id and request_id in by_request_id:
            return store[by_request_id[request_id]], None
        created = pb.User()
        created.CopyFrom(user)
        created.id = uuid.uuid4().hex
        created.etag = "1"
        created.create_time.GetCurrentTime()
        created.update_time.CopyFrom(created.create_time)
        store[created.id] = created
        if request_id:
            by_request_id[request_id] = created.id
        return created, None


def CreateUser(request, context):
    count("CreateUser")
    user, bad = _create(request.user, request.request_id)
    if bad:
        abort_with_details(
            context,
            grpc.StatusCode.INVALID_ARGUMENT,
            "invalid user",
            [error_details_pb2.BadRequest(field_violations=[error_details_pb2.BadRequest.FieldViolation(field="user.name", description="required")])],
        )
    return pb.CreateUserResponse(user=user)


def ListUsers(request, context):
    count("ListUsers")
    size = request.page_size or 50
    start = int(request.page_token or "0")
    with lock:
        users = list(store.values())
    page = users[start : start + size]
    nxt = str(start + size) if start + size < len(users) else ""
    return pb.ListUsersResponse(users=page, next_page_token=nxt, total_size=len(users))


def StreamUsers(request, context):
    count("StreamUsers")
    query = request.filter.query
    if query.startswith("cut-"):
        for i in range(int(query[4:])):
            yield pb.StreamUsersResponse(user=pb.User(id=f"s{i}", name=f"Streamed {i}"))
        context.abort(grpc.StatusCode.UNAVAILABLE, "stream cut by server")
    with lock:
        users = list(store.values())
    for user in users:
        yield pb.StreamUsersResponse(user=user)


def BulkCreateUsers(request_iterator, context):
    count("BulkCreateUsers")
    response = pb.BulkCreateUsersResponse()
    for index, item in enumerate(request_iterator):
        if item.user.name == "unavailable":
            context.abort(grpc.StatusCode.UNAVAILABLE, "bulk interrupted")
        user, bad = _create(item.user, item.request_id)
        if bad:
            response.failures.add(index=index, code=grpc.StatusCode.INVALID_ARGUMENT.value[0], message="name required")
        else:
            response.created_count += 1
            response.created_ids.append(user.id)
    return response


def SyncUsers(request_iterator, context):
    count("SyncUsers")
    for item in request_iterator:
        if item.HasField("upsert"):
            user, bad = _create(item.upsert, "")
            if bad:
                yield pb.SyncUsersResponse(outcome=pb.SyncUsersResponse.OUTCOME_FAILED, code=3, message="name required")
            else:
                yield pb.SyncUsersResponse(id=user.id, outcome=pb.SyncUsersResponse.OUTCOME_CREATED)
        else:
            with lock:
                existed = store.pop(item.delete.id, None)
            if existed is None:
                yield pb.SyncUsersResponse(id=item.delete.id, outcome=pb.SyncUsersResponse.OUTCOME_FAILED, code=5, message="not found")
            else:
                yield pb.SyncUsersResponse(id=item.delete.id, outcome=pb.SyncUsersResponse.OUTCOME_DELETED)


IMPLEMENTED = {
    "GetUser": GetUser,
    "CreateUser": CreateUser,
    "ListUsers": ListUsers,
    "StreamUsers": StreamUsers,
    "BulkCreateUsers": BulkCreateUsers,
    "SyncUsers": SyncUsers,
}


def handlers():
    table = {}
    for name, fn in IMPLEMENTED.items():
        kind, req, res = USERS_METHODS[name]
        factory = getattr(grpc, f"{kind}_rpc_method_handler")
        table[name] = factory(fn, request_deserializer=req.FromString, response_serializer=res.SerializeToString)
    return grpc.method_handlers_generic_handler(SERVICE, table)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    server.add_generic_rpc_handlers((handlers(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stopped = threading.Event()

    def stop(*_):
        server.stop(0)
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"PORT {port}", flush=True)
    # Exit when the parent goes away (stdin closes) so no orphan outlives a crashed test run.
    threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    stopped.wait(600)
    server.stop(0)


if __name__ == "__main__":
    main()
