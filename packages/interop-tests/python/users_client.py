"""Python grpcio client for the users service: runs every scenario and prints one JSON report.

usage: users_client.py HOST:PORT
Each scenario's outcome (values, status codes, decoded details, metadata) goes into the report;
the vitest side asserts on it. A scenario that raises unexpectedly is reported under "crashed".
"""

import json
import os
import sys
import threading
import time
import traceback
import uuid

import grpc

import protos  # noqa: F401  (registers the *_pb2 modules; must come first)
from google.protobuf import field_mask_pb2

import health_pb2
from interop_common import HealthStub, UsersStub, error_report
from org.users.v1 import users_pb2 as pb

TARGET = sys.argv[1]
RUN = uuid.uuid4().hex[:8]
TOKEN = os.environ.get("AUTH_TOKEN")
report = {"crashed": {}}


def md(*pairs):
    base = [("authorization", f"Bearer {TOKEN}")] if TOKEN else []
    return base + list(pairs)


def scenario(fn):
    try:
        report[fn.__name__] = fn()
    except Exception:  # noqa: BLE001 - reported, asserted on by the test
        report["crashed"][fn.__name__] = traceback.format_exc()
    return fn


def expect_error(call):
    try:
        call()
    except grpc.RpcError as error:
        return error_report(error)
    return {"code": "OK"}


def new_user(tag, **extra):
    return pb.User(name=f"Py {tag}", email=f"py-{tag}-{RUN}@example.org", role=pb.ROLE_EDITOR, tags=["py", tag], **extra)


channel = grpc.insecure_channel(TARGET)
grpc.channel_ready_future(channel).result(timeout=10)
users = UsersStub(channel)
health = HealthStub(channel)
state = {}


@scenario
def health_check():
    overall = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    service = health.Check(health_pb2.HealthCheckRequest(service="org.users.v1.UsersService"), timeout=5)
    unknown = expect_error(lambda: health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5))
    return {"overall": overall.status, "service": service.status, "unknown": unknown}


@scenario
def health_watch():
    call = health.Watch(health_pb2.HealthCheckRequest(service="org.users.v1.UsersService"), timeout=10)
    first = next(call)
    call.cancel()
    try:
        for _ in call:
            pass
        ended = "OK"
    except grpc.RpcError as error:
        ended = error.code().name
    return {"first": first.status, "after_cancel": ended}


@scenario
def create_with_metadata():
    request_id = f"py-request-{RUN}"
    response, call = users.CreateUser.with_call(
        pb.CreateUserRequest(user=new_user("alice", labels={"origin": "python"}), request_id=f"key-{RUN}"),
        metadata=md(("x-request-id", request_id), ("x-custom-caller", "python-grpcio")),
        timeout=5,
    )
    headers = dict(call.initial_metadata())
    again = users.CreateUser(pb.CreateUserRequest(user=new_user("alice"), request_id=f"key-{RUN}"), metadata=md(), timeout=5)
    state["alice"] = response.user
    return {
        "id": response.user.id,
        "name": response.user.name,
        "role": response.user.role,
        "labels": dict(response.user.labels),
        "etag": response.user.etag,
        "has_create_time": response.user.HasField("create_time"),
        "sent_request_id": request_id,
        "echoed_request_id": headers.get("x-request-id"),
        "header_keys": sorted(headers),
        "retry_same_key_id": again.user.id,
    }


@scenario
def generated_request_id():
    _, call = users.GetUser.with_call(pb.GetUserRequest(id=state["alice"].id), metadata=md(), timeout=5)
    return {"request_id": dict(call.initial_metadata()).get("x-request-id")}


@scenario
def get_found_and_missing():
    found = users.GetUser(pb.GetUserRequest(id=state["alice"].id), metadata=md(), timeout=5)
    missing = expect_error(lambda: users.GetUser(pb.GetUserRequest(id=f"missing-{RUN}"), metadata=md(), timeout=5))
    return {"found_email": found.user.email, "missing": missing}


@scenario
def invalid_create():
    bad = pb.User(name="", email="not-an-email")
    return expect_error(lambda: users.CreateUser(pb.CreateUserRequest(user=bad, request_id=f"bad-{RUN}"), metadata=md(), timeout=5))


@scenario
def duplicate_email():
    dup = pb.User(name="Py dup", email=state["alice"].email)
    return expect_error(lambda: users.CreateUser(pb.CreateUserRequest(user=dup, request_id=f"dup-{RUN}"), metadata=md(), timeout=5))


@scenario
def update_and_stale_etag():
    alice = state["alice"]
    updated = users.UpdateUser(
        pb.UpdateUserRequest(user=pb.User(id=alice.id, name="Py Alice Renamed"), update_mask=field_mask_pb2.FieldMask(paths=["name"]), etag=alice.etag),
        metadata=md(),
        timeout=5,
    ).user
    stale = expect_error(
        lambda: users.UpdateUser(
            pb.UpdateUserRequest(user=pb.User(id=alice.id, name="Py Lost Update"), update_mask=field_mask_pb2.FieldMask(paths=["name"]), etag=alice.etag),
            metadata=md(),
            timeout=5,
        )
    )
    after = users.GetUser(pb.GetUserRequest(id=alice.id), metadata=md(), timeout=5).user
    return {"name": updated.name, "email_kept": updated.email == alice.email, "etag_changed": updated.etag != alice.etag, "stale": stale, "name_after": after.name}


@scenario
def bulk_create_client_stream():
    def items():
        for i in range(5):
            user = pb.User(name="" if i == 2 else f"Py bulk {i}", email=f"py-bulk-{i}-{RUN}@example.org")
            yield pb.BulkCreateUsersRequest(user=user, request_id=f"bulk-{i}-{RUN}")

    response = users.BulkCreateUsers(items(), metadata=md(), timeout=10)
    state["bulk_ids"] = list(response.created_ids)
    return {
        "created_count": response.created_count,
        "created_ids": len(response.created_ids),
        "failures": [{"index": f.index, "code": f.code, "message": f.message} for f in response.failures],
    }


@scenario
def list_pages():
    seen, pages, token, total = [], 0, "", None
    while pages < 100:
        page = users.ListUsers(pb.ListUsersRequest(page_size=2, page_token=token, filter=pb.UserFilter(query=RUN)), metadata=md(), timeout=5)
        pages += 1
        seen += [u.id for u in page.users]
        total = page.total_size
        token = page.next_page_token
        if not token:
            break
    return {"pages": pages, "ids": len(seen), "unique": len(set(seen)), "total_size": total}


@scenario
def batch_get():
    ids = [state["alice"].id, f"missing-{RUN}"]
    response = users.BatchGetUsers(pb.BatchGetUsersRequest(ids=ids), metadata=md(), timeout=5)
    return {"found": sorted(response.users.keys()) == [state["alice"].id], "not_found": list(response.not_found)}


@scenario
def stream_users_server_stream():
    emails = [r.user.email for r in users.StreamUsers(pb.StreamUsersRequest(filter=pb.UserFilter(query=RUN)), metadata=md(), timeout=10)]
    return {"count": len(emails), "all_match": all(RUN in e for e in emails)}


@scenario
def sync_users_bidi():
    target = state["bulk_ids"][0]
    requests = [
        pb.SyncUsersRequest(upsert=pb.User(name="Py synced", email=f"py-sync-{RUN}@example.org")),
        pb.SyncUsersRequest(upsert=pb.User(id=target, name="Py bulk replaced", email=f"py-bulk-0-{RUN}@example.org")),
        pb.SyncUsersRequest(delete=pb.SyncUsersRequest.Delete(id=target)),
        pb.SyncUsersRequest(delete=pb.SyncUsersRequest.Delete(id=f"missing-{RUN}")),
    ]
    outcomes = [
        {"outcome": r.outcome, "code": r.code, "has_id": bool(r.id)}
        for r in users.SyncUsers(iter(requests), metadata=md(), timeout=10)
    ]
    return {"outcomes": outcomes}


@scenario
def watch_sees_create():
    call = users.WatchUsers(pb.WatchUsersRequest(filter=pb.UserFilter(query=f"watch-{RUN}")), metadata=md(), timeout=15)
    events = []

    def read():
        try:
            for event in call:
                events.append((event.change_type, event.user.email))
                if event.change_type == pb.CHANGE_TYPE_CREATED:
                    return
        except grpc.RpcError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    # The watch only sees changes after it is registered: create until the event shows up (bounded).
    created = 0
    deadline = time.time() + 10
    while not events and time.time() < deadline and created < 20:
        users.CreateUser(
            pb.CreateUserRequest(user=pb.User(name="Py watched", email=f"py-watch-{RUN}-{created}@example.org"), request_id=f"watch-{created}-{RUN}"),
            metadata=md(),
            timeout=5,
        )
        created += 1
        reader.join(0.3)
    call.cancel()
    reader.join(2)
    return {"events": len(events), "first_type": events[0][0] if events else None, "first_email_matches": bool(events) and f"watch-{RUN}" in events[0][1]}


@scenario
def delete_then_missing():
    target = state["bulk_ids"][1]
    users.DeleteUser(pb.DeleteUserRequest(id=target), metadata=md(), timeout=5)
    gone = expect_error(lambda: users.GetUser(pb.GetUserRequest(id=target), metadata=md(), timeout=5))
    again = expect_error(lambda: users.DeleteUser(pb.DeleteUserRequest(id=target), metadata=md(), timeout=5))
    return {"get_after": gone["code"], "delete_again": again["code"]}


@scenario
def deadline_exceeded():
    started = time.time()
    stream_error = None
    try:
        for _ in users.WatchUsers(pb.WatchUsersRequest(filter=pb.UserFilter(query=f"nothing-{RUN}")), metadata=md(), timeout=0.5):
            pass
    except grpc.RpcError as error:
        stream_error = error.code().name
    elapsed = time.time() - started
    unary = expect_error(lambda: users.ListUsers(pb.ListUsersRequest(page_size=1000), metadata=md(), timeout=0.000001))
    return {"stream": stream_error, "stream_elapsed_ms": int(elapsed * 1000), "unary": unary["code"]}


@scenario
def unknown_method():
    call = channel.unary_unary(f"/org.users.v1.UsersService/NoSuchMethod")
    other = channel.unary_unary(f"/org.nothing.v1.Nope/Get")
    a = expect_error(lambda: call(b"", metadata=md(), timeout=5))
    b = expect_error(lambda: other(b"", metadata=md(), timeout=5))
    return {"method": a["code"], "service": b["code"]}


@scenario
def auth_required():
    """With auth on (AUTH_TOKEN given): the token travels as metadata; without or garbled, UNAUTHENTICATED."""
    if not TOKEN:
        return None
    target = state["alice"].id
    missing = expect_error(lambda: users.GetUser(pb.GetUserRequest(id=target), timeout=5))
    malformed = expect_error(lambda: users.GetUser(pb.GetUserRequest(id=target), metadata=[("authorization", "Bearer not-a-jwt")], timeout=5))
    allowed = users.GetUser(pb.GetUserRequest(id=target), metadata=md(), timeout=5)
    return {"missing": missing, "malformed": malformed, "allowed_id": allowed.user.id == target}


channel.close()
print(json.dumps(report))
