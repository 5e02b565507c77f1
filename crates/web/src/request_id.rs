//! The id a request is logged with, in `x-request-id` (one a proxy in front set is kept).
//!
//! A random prefix drawn once per process, then a counter: unique among the servers of one
//! database (each has its own prefix) and across restarts, without asking the kernel for
//! random bytes on every request as a random UUID does (a system call each time, on every
//! page, every API call and every health check).

use axum::http::{HeaderValue, Request};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes `<prefix>-<n>`: the prefix is 16 hex characters (64 random bits), `n` counts from 1.
#[derive(Clone, Debug)]
pub(crate) struct CountedRequestIds {
    prefix: Arc<str>,
    made: Arc<AtomicU64>,
}

impl CountedRequestIds {
    pub(crate) fn new() -> Self {
        let mut prefix = jifen_auth::random_token();
        prefix.truncate(16);
        Self { prefix: prefix.into(), made: Arc::new(AtomicU64::new(0)) }
    }
}

impl MakeRequestId for CountedRequestIds {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = self.made.fetch_add(1, Ordering::Relaxed) + 1;
        HeaderValue::try_from(format!("{}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(ids: &mut CountedRequestIds) -> String {
        let request = Request::new(());
        let id = ids.make_request_id(&request).unwrap();
        id.header_value().to_str().unwrap().to_string()
    }

    #[test]
    fn ids_differ_within_a_process_and_between_processes() {
        let mut ids = CountedRequestIds::new();
        let mut clone = ids.clone();
        let (first, second) = (id_of(&mut ids), id_of(&mut clone));
        assert_ne!(first, second, "clones share the counter");
        assert!(first.ends_with("-1") && second.ends_with("-2"), "{first} {second}");
        assert_eq!(first.split('-').next().unwrap().len(), 16);
        let other_server = id_of(&mut CountedRequestIds::new());
        assert_ne!(other_server.split('-').next(), first.split('-').next(), "each process its own prefix");
    }
}
