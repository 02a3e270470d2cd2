"""A Python grpcio interop client: the standard cases of grpc/grpc's
doc/interop-test-descriptions.md, written from their descriptions, against any interop server.

usage: grpc_interop_client.py --server_port=N --test_case=NAME|a,b|all [--server_host=127.0.0.1]
         [--use_tls=true --ca_file=PEM --server_host_override=foo.test.google.fr]
prints "PASS name" or "FAIL name: why" per case; exits 0 when all passed, else 1.
grpcio does not tell a client whether a response arrived compressed, so server_compressed_* check
the payloads only.
"""

import sys
import threading

import grpc

import protos  # noqa: F401  (registers the *_pb2 modules; must come first)
from grpc.testing import empty_pb2, messages_pb2 as M

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"
CASES = [
    "empty_unary",
    "large_unary",
    "client_compressed_unary",
    "server_compressed_unary",
    "client_streaming",
    "client_compressed_streaming",
    "server_streaming",
    "server_compressed_streaming",
    "ping_pong",
    "empty_stream",
    "timeout_on_sleeping_server",
    "cancel_after_begin",
    "cancel_after_first_response",
    "custom_metadata",
    "status_code_and_message",
    "special_status_message",
    "unimplemented_method",
    "unimplemented_service",
]


class CaseFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CaseFailed(message)


def zeros(size):
    return M.Payload(body=bytes(size))


def check_payload(payload, size, what):
    check(len(payload.body) == size, f"{what}: payload of {len(payload.body)} bytes, expected {size}")
    check(payload.body == bytes(size), f"{what}: payload bytes are not all zero")


def expect_status(call, code, message=None):
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, f"expected status {code.name}, got {error.code().name}: {error.details()}")
        if message is not None:
            check(error.details() == message, f"expected message {message!r}, got {error.details()!r}")
        return
    raise CaseFailed(f"expected status {code.name}, the call succeeded")


def probe(call):
    try:
        expect_status(call, grpc.StatusCode.INVALID_ARGUMENT)
    except CaseFailed as error:
        raise CaseFailed(f"probe (uncompressed request with expect_compressed=true): {error}") from None


class Stubs:
    def __init__(self, channel):
        def method(kind, name, request, response, service="grpc.testing.TestService"):
            return getattr(channel, kind)(f"/{service}/{name}", request_serializer=request.SerializeToString, response_deserializer=response.FromString)

        self.empty_call = method("unary_unary", "EmptyCall", empty_pb2.Empty, empty_pb2.Empty)
        self.unary_call = method("unary_unary", "UnaryCall", M.SimpleRequest, M.SimpleResponse)
        self.streaming_output_call = method("unary_stream", "StreamingOutputCall", M.StreamingOutputCallRequest, M.StreamingOutputCallResponse)
        self.streaming_input_call = method("stream_unary", "StreamingInputCall", M.StreamingInputCallRequest, M.StreamingInputCallResponse)
        self.full_duplex_call = method("stream_stream", "FullDuplexCall", M.StreamingOutputCallRequest, M.StreamingOutputCallResponse)
        self.unimplemented_call = method("unary_unary", "UnimplementedCall", empty_pb2.Empty, empty_pb2.Empty)
        self.unimplemented_service = method("unary_unary", "UnimplementedCall", empty_pb2.Empty, empty_pb2.Empty, "grpc.testing.UnimplementedService")


class Queue:
    """A request iterator the case feeds one message at a time."""

    def __init__(self):
        self.items, self.cond, self.ended = [], threading.Condition(), False

    def push(self, item):
        with self.cond:
            self.items.append(item)
            self.cond.notify()

    def end(self):
        with self.cond:
            self.ended = True
            self.cond.notify()

    def __iter__(self):
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.items or self.ended)
                if self.items:
                    item = self.items.pop(0)
                else:
                    return
            yield item


def empty_unary(s):
    check(s.empty_call(empty_pb2.Empty(), timeout=30) == empty_pb2.Empty(), "expected an empty response")


def large_unary(s):
    response = s.unary_call(M.SimpleRequest(response_size=314159, payload=zeros(271828)), timeout=30)
    check_payload(response.payload, 314159, "response")


def client_compressed_unary(s):
    def request(expect):
        return M.SimpleRequest(expect_compressed=M.BoolValue(value=expect), response_size=314159, payload=zeros(271828))

    probe(lambda: s.unary_call(request(True), timeout=30))
    check_payload(s.unary_call(request(True), compression=grpc.Compression.Gzip, timeout=30).payload, 314159, "compressed request's response")
    check_payload(s.unary_call(request(False), timeout=30).payload, 314159, "uncompressed request's response")


def server_compressed_unary(s):
    for value in (True, False):
        request = M.SimpleRequest(response_compressed=M.BoolValue(value=value), response_size=314159, payload=zeros(271828))
        check_payload(s.unary_call(request, timeout=30).payload, 314159, f"response_compressed={value}")


def client_streaming(s):
    requests = (M.StreamingInputCallRequest(payload=zeros(n)) for n in (27182, 8, 1828, 45904))
    response = s.streaming_input_call(requests, timeout=30)
    check(response.aggregated_payload_size == 74922, f"aggregated_payload_size {response.aggregated_payload_size}, expected 74922")


def client_compressed_streaming(s):
    probe(lambda: s.streaming_input_call(iter([M.StreamingInputCallRequest(expect_compressed=M.BoolValue(value=True), payload=zeros(27182))]), timeout=30))
    requests = [
        M.StreamingInputCallRequest(expect_compressed=M.BoolValue(value=True), payload=zeros(27182)),
        M.StreamingInputCallRequest(expect_compressed=M.BoolValue(value=True), payload=zeros(45904)),
    ]
    response = s.streaming_input_call(iter(requests), compression=grpc.Compression.Gzip, timeout=30)
    check(response.aggregated_payload_size == 73086, f"aggregated_payload_size {response.aggregated_payload_size}, expected 73086")


def server_streaming_sizes(s, parameters):
    request = M.StreamingOutputCallRequest(response_parameters=parameters)
    responses = list(s.streaming_output_call(request, timeout=30))
    check(len(responses) == len(parameters), f"{len(responses)} responses, expected {len(parameters)}")
    for i, (response, p) in enumerate(zip(responses, parameters)):
        check_payload(response.payload, p.size, f"response {i}")


def server_streaming(s):
    server_streaming_sizes(s, [M.ResponseParameters(size=n) for n in (31415, 9, 2653, 58979)])


def server_compressed_streaming(s):
    server_streaming_sizes(
        s,
        [M.ResponseParameters(size=31415, compressed=M.BoolValue(value=True)), M.ResponseParameters(size=92653, compressed=M.BoolValue(value=False))],
    )


def ping_pong(s):
    queue = Queue()
    call = s.full_duplex_call(iter(queue), timeout=30)
    for i, (response_size, payload_size) in enumerate(((31415, 27182), (9, 8), (2653, 1828), (58979, 45904))):
        queue.push(M.StreamingOutputCallRequest(response_parameters=[M.ResponseParameters(size=response_size)], payload=zeros(payload_size)))
        check_payload(next(call).payload, response_size, f"response {i}")
    queue.end()
    check(next(call, None) is None, "a response after the last ping")


def empty_stream(s):
    responses = list(s.full_duplex_call(iter([]), timeout=30))
    check(responses == [], f"{len(responses)} responses to an empty stream")


def timeout_on_sleeping_server(s):
    queue = Queue()
    queue.push(M.StreamingOutputCallRequest(payload=zeros(27182)))
    try:
        expect_status(lambda: list(s.full_duplex_call(iter(queue), timeout=0.001)), grpc.StatusCode.DEADLINE_EXCEEDED)
    finally:
        queue.end()


def cancel_after_begin(s):
    queue = Queue()
    future = s.streaming_input_call.future(iter(queue), timeout=30)
    try:
        future.cancel()
        check(future.code() == grpc.StatusCode.CANCELLED, f"expected status CANCELLED, got {future.code()}")
    finally:
        queue.end()


def cancel_after_first_response(s):
    queue = Queue()
    call = s.full_duplex_call(iter(queue), timeout=30)
    queue.push(M.StreamingOutputCallRequest(response_parameters=[M.ResponseParameters(size=31415)], payload=zeros(27182)))
    check_payload(next(call).payload, 31415, "first response")
    call.cancel()
    try:
        expect_status(lambda: next(call), grpc.StatusCode.CANCELLED)
    finally:
        queue.end()


def custom_metadata(s):
    trailing = b"\xab\xab\xab"
    metadata = ((ECHO_INITIAL, "test_initial_metadata_value"), (ECHO_TRAILING, trailing))

    def check_echo(call, what):
        initial = dict(call.initial_metadata()).get(ECHO_INITIAL)
        check(initial == "test_initial_metadata_value", f"{what}: initial metadata {ECHO_INITIAL}={initial!r}")
        echoed = dict(call.trailing_metadata()).get(ECHO_TRAILING)
        check(echoed == trailing, f"{what}: trailing metadata {ECHO_TRAILING}={echoed!r}")

    response, call = s.unary_call.with_call(M.SimpleRequest(response_size=314159, payload=zeros(271828)), metadata=metadata, timeout=30)
    check_payload(response.payload, 314159, "UnaryCall response")
    check_echo(call, "UnaryCall")
    request = M.StreamingOutputCallRequest(response_parameters=[M.ResponseParameters(size=314159)], payload=zeros(271828))
    call = s.full_duplex_call(iter([request]), metadata=metadata, timeout=30)
    responses = list(call)
    check(len(responses) == 1, f"FullDuplexCall: {len(responses)} responses, expected 1")
    check_payload(responses[0].payload, 314159, "FullDuplexCall response")
    check_echo(call, "FullDuplexCall")


def status_code_and_message(s):
    status = M.EchoStatus(code=2, message="test status message")
    expect_status(lambda: s.unary_call(M.SimpleRequest(response_status=status), timeout=30), grpc.StatusCode.UNKNOWN, status.message)
    request = M.StreamingOutputCallRequest(response_status=status)
    expect_status(lambda: list(s.full_duplex_call(iter([request]), timeout=30)), grpc.StatusCode.UNKNOWN, status.message)


def special_status_message(s):
    message = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
    request = M.SimpleRequest(response_status=M.EchoStatus(code=2, message=message))
    expect_status(lambda: s.unary_call(request, timeout=30), grpc.StatusCode.UNKNOWN, message)


def unimplemented_method(s):
    expect_status(lambda: s.unimplemented_call(empty_pb2.Empty(), timeout=30), grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service(s):
    expect_status(lambda: s.unimplemented_service(empty_pb2.Empty(), timeout=30), grpc.StatusCode.UNIMPLEMENTED)


def main():
    flags = dict(arg[2:].split("=", 1) for arg in sys.argv[1:])
    names = CASES if flags["test_case"] == "all" else flags["test_case"].split(",")
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown test case {', '.join(unknown)}", file=sys.stderr)
        sys.exit(2)
    target = f"{flags.get('server_host', '127.0.0.1')}:{flags['server_port']}"
    options = [("grpc.enable_http_proxy", 0)]
    if "server_host_override" in flags:
        options.append(("grpc.ssl_target_name_override", flags["server_host_override"]))
    failed = 0
    for name in names:
        if flags.get("use_tls") == "true":
            with open(flags["ca_file"], "rb") as ca:
                credentials = grpc.ssl_channel_credentials(root_certificates=ca.read())
            channel = grpc.secure_channel(target, credentials, options=options)
        else:
            channel = grpc.insecure_channel(target, options=options)
        try:
            globals()[name](Stubs(channel))
            print(f"PASS {name}", flush=True)
        except Exception as error:  # noqa: BLE001  (a case's failure, whatever raised it, is reported)
            failed += 1
            detail = str(error) if isinstance(error, CaseFailed) else f"{type(error).__name__}: {error}"
            print(f"FAIL {name}: {detail}", flush=True)
        finally:
            channel.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
