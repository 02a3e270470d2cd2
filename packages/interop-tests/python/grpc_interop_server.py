"""A Python grpcio interop server: grpc.testing.TestService as grpc/grpc's
doc/interop-test-descriptions.md describes it, for @org/client's interop cases to call.

usage: grpc_interop_server.py [--port=N] [--use_tls=true --cert_dir=DIR]
prints "PORT <n>" once listening on 127.0.0.1; stops on SIGTERM or when stdin closes.
grpcio's handler API cannot see whether a request arrived compressed, so expect_compressed is not
checked (the client_compressed_* probes are not refused: a known failure the tests assert).
"""

import signal
import sys
import threading
import time
from concurrent import futures

import grpc

import protos  # noqa: F401  (registers the *_pb2 modules; must come first)
from grpc.testing import empty_pb2, messages_pb2

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"
CODES = {code.value[0]: code for code in grpc.StatusCode}


def echo_metadata(context):
    metadata = dict(context.invocation_metadata())
    if ECHO_INITIAL in metadata:
        context.send_initial_metadata([(ECHO_INITIAL, metadata[ECHO_INITIAL])])
    if ECHO_TRAILING in metadata:
        context.set_trailing_metadata([(ECHO_TRAILING, metadata[ECHO_TRAILING])])


def end_with(status, context):
    if status.code != 0:
        context.abort(CODES.get(status.code, grpc.StatusCode.UNKNOWN), status.message)


def payload(size):
    return messages_pb2.Payload(body=bytes(size))


def respond(parameters, context):
    if any(p.compressed.value for p in parameters):
        context.set_compression(grpc.Compression.Gzip)
    for p in parameters:
        if p.interval_us > 0:
            time.sleep(p.interval_us / 1e6)
        if not p.compressed.value:
            context.disable_next_message_compression()
        yield messages_pb2.StreamingOutputCallResponse(payload=payload(p.size))


def empty_call(request, context):
    echo_metadata(context)
    return empty_pb2.Empty()


def unary_call(request, context):
    echo_metadata(context)
    end_with(request.response_status, context)
    if request.response_compressed.value:
        context.set_compression(grpc.Compression.Gzip)
    return messages_pb2.SimpleResponse(payload=payload(request.response_size))


def streaming_output_call(request, context):
    echo_metadata(context)
    yield from respond(request.response_parameters, context)
    end_with(request.response_status, context)


def streaming_input_call(requests, context):
    echo_metadata(context)
    size = sum(len(r.payload.body) for r in requests)
    return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=size)


def full_duplex_call(requests, context):
    echo_metadata(context)
    for request in requests:
        end_with(request.response_status, context)
        yield from respond(request.response_parameters, context)


def half_duplex_call(requests, context):
    echo_metadata(context)
    for request in list(requests):
        end_with(request.response_status, context)
        yield from respond(request.response_parameters, context)


def handlers():
    S, M = messages_pb2, empty_pb2
    unary = grpc.unary_unary_rpc_method_handler
    return grpc.method_handlers_generic_handler(
        "grpc.testing.TestService",
        {
            "EmptyCall": unary(empty_call, M.Empty.FromString, M.Empty.SerializeToString),
            "UnaryCall": unary(unary_call, S.SimpleRequest.FromString, S.SimpleResponse.SerializeToString),
            "CacheableUnaryCall": unary(unary_call, S.SimpleRequest.FromString, S.SimpleResponse.SerializeToString),
            "StreamingOutputCall": grpc.unary_stream_rpc_method_handler(
                streaming_output_call, S.StreamingOutputCallRequest.FromString, S.StreamingOutputCallResponse.SerializeToString
            ),
            "StreamingInputCall": grpc.stream_unary_rpc_method_handler(
                streaming_input_call, S.StreamingInputCallRequest.FromString, S.StreamingInputCallResponse.SerializeToString
            ),
            "FullDuplexCall": grpc.stream_stream_rpc_method_handler(
                full_duplex_call, S.StreamingOutputCallRequest.FromString, S.StreamingOutputCallResponse.SerializeToString
            ),
            "HalfDuplexCall": grpc.stream_stream_rpc_method_handler(
                half_duplex_call, S.StreamingOutputCallRequest.FromString, S.StreamingOutputCallResponse.SerializeToString
            ),
        },
    )


def main():
    flags = dict(arg[2:].split("=", 1) for arg in sys.argv[1:])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((handlers(),))
    address = f"127.0.0.1:{flags.get('port', '0')}"
    if flags.get("use_tls") == "true":
        cert_dir = flags["cert_dir"]
        with open(f"{cert_dir}/server.key", "rb") as key, open(f"{cert_dir}/server.pem", "rb") as cert:
            credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    server.start()
    print(f"PORT {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    server.stop(1).wait()


if __name__ == "__main__":
    main()
