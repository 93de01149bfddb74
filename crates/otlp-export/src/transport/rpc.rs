//! `google.rpc.Status` and `google.rpc.RetryInfo` (with `google.protobuf.Any` and
//! `Duration`), written by hand with prost's derive: the crates that carry them
//! (tonic-types, googleapis bindings) bring tonic along, which the guest does not
//! need. Field numbers are those of googleapis' status.proto / error_details.proto.
//! Also the gRPC status code names.
use prost::Message;
use std::time::Duration;

/// `google.rpc.Status`: the body of OTLP/HTTP error responses, and (base64) the
/// gRPC `grpc-status-details-bin` trailer.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct Status {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Status {
    /// The `RetryInfo` delay among the details, if there is one (a negative or
    /// absent delay counts as zero: "retry, no particular delay").
    pub(crate) fn retry_delay(&self) -> Option<Duration> {
        self.details.iter().find(|a| a.type_url.ends_with("/google.rpc.RetryInfo")).map(|a| {
            let info = RetryInfo::decode(a.value.as_slice()).unwrap_or_default();
            let d = info.retry_delay.unwrap_or_default();
            let secs = u64::try_from(d.seconds).unwrap_or(0);
            let nanos = u32::try_from(d.nanos).unwrap_or(0).min(999_999_999);
            Duration::new(secs, nanos)
        })
    }
}

/// gRPC status codes used by name here.
pub(crate) mod code {
    pub const OK: i32 = 0;
    pub const CANCELLED: i32 = 1;
    pub const UNKNOWN: i32 = 2;
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const DEADLINE_EXCEEDED: i32 = 4;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const ABORTED: i32 = 10;
    pub const OUT_OF_RANGE: i32 = 11;
    pub const UNIMPLEMENTED: i32 = 12;
    pub const INTERNAL: i32 = 13;
    pub const UNAVAILABLE: i32 = 14;
    pub const DATA_LOSS: i32 = 15;
    pub const UNAUTHENTICATED: i32 = 16;
}

/// The canonical name of a gRPC status code.
pub(crate) fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code).ok().and_then(|i| NAMES.get(i)).copied().unwrap_or("UNKNOWN_CODE")
}

/// Retryable per the OTLP specification (RESOURCE_EXHAUSTED only with a
/// `RetryInfo`, which the caller checks).
pub(crate) fn retryable(code: i32, has_retry_info: bool) -> bool {
    use code::*;
    match code {
        CANCELLED | DEADLINE_EXCEEDED | ABORTED | OUT_OF_RANGE | UNAVAILABLE | DATA_LOSS => true,
        RESOURCE_EXHAUSTED => has_retry_info,
        _ => false,
    }
}

/// The gRPC code for an HTTP status a gRPC server (or a proxy) answered with
/// instead of 200 (gRPC's http-grpc-status-mapping.md).
pub(crate) fn from_http(status: u16) -> i32 {
    use code::*;
    match status {
        400 => INTERNAL,
        401 => UNAUTHENTICATED,
        403 => PERMISSION_DENIED,
        404 => UNIMPLEMENTED,
        429 | 502 | 503 | 504 => UNAVAILABLE,
        _ => UNKNOWN,
    }
}
