"""Shared pieces of the Python interop peers: hand-written stubs (grpc_tools is not available),
and google.rpc.Status decoding from grpc-status-details-bin."""

import grpc

import protos  # noqa: F401  (registers the *_pb2 modules; must come first)

from google.rpc import error_details_pb2, status_pb2
from org.users.v1 import users_pb2 as pb

import health_pb2

SERVICE = "org.users.v1.UsersService"

# method name -> (kind, request class, response class)
USERS_METHODS = {
    "GetUser": ("unary_unary", pb.GetUserRequest, pb.GetUserResponse),
    "BatchGetUsers": ("unary_unary", pb.BatchGetUsersRequest, pb.BatchGetUsersResponse),
    "ListUsers": ("unary_unary", pb.ListUsersRequest, pb.ListUsersResponse),
    "StreamUsers": ("unary_stream", pb.StreamUsersRequest, pb.StreamUsersResponse),
    "WatchUsers": ("unary_stream", pb.WatchUsersRequest, pb.WatchUsersResponse),
    "CreateUser": ("unary_unary", pb.CreateUserRequest, pb.CreateUserResponse),
    "UpdateUser": ("unary_unary", pb.UpdateUserRequest, pb.UpdateUserResponse),
    "DeleteUser": ("unary_unary", pb.DeleteUserRequest, pb.DeleteUserResponse),
    "BulkCreateUsers": ("stream_unary", pb.BulkCreateUsersRequest, pb.BulkCreateUsersResponse),
    "SyncUsers": ("stream_stream", pb.SyncUsersRequest, pb.SyncUsersResponse),
}


class UsersStub:
    """The stub grpc_tools would generate, written with channel.unary_unary & co."""

    def __init__(self, channel):
        for name, (kind, req, res) in USERS_METHODS.items():
            factory = getattr(channel, kind)
            setattr(
                self,
                name,
                factory(f"/{SERVICE}/{name}", request_serializer=req.SerializeToString, response_deserializer=res.FromString),
            )


class HealthStub:
    def __init__(self, channel):
        self.Check = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        self.Watch = channel.unary_stream(
            "/grpc.health.v1.Health/Watch",
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )


def status_details(metadata):
    """Decodes grpc-status-details-bin from trailing metadata into a JSON-friendly dict."""
    raw = None
    for key, value in metadata or ():
        if key == "grpc-status-details-bin":
            raw = value
    if raw is None:
        return None
    status = status_pb2.Status.FromString(raw)
    out = {"code": status.code, "message": status.message, "types": [], "field_violations": [], "error_info": None, "retry_delay_ms": None}
    for detail in status.details:
        out["types"].append(detail.type_url)
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out["field_violations"] += [{"field": v.field, "description": v.description} for v in bad.field_violations]
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            out["error_info"] = {"reason": info.reason, "domain": info.domain, "metadata": dict(info.metadata)}
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            out["retry_delay_ms"] = retry.retry_delay.seconds * 1000 + retry.retry_delay.nanos // 1_000_000
    return out


def error_report(error):
    """A grpc.RpcError as a dict: code name, message, decoded details, trailing metadata keys."""
    trailing = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    return {
        "code": error.code().name,
        "message": error.details(),
        "details": status_details(trailing),
        "trailer_keys": sorted({k for k, _ in (trailing or ())}),
    }
