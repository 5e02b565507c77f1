//! Prometheus metrics: requests by route and status, and request durations by route.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use jifen_store::{FaultKind, OutboxHealth};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Upper bounds of the duration histogram, in seconds.
const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.0];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

/// Database errors by kind since the start, shared by every request (see [`count_database_error`]).
static DATABASE_ERRORS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];
const FAULT_KINDS: [FaultKind; 5] =
    [FaultKind::DiskFull, FaultKind::Io, FaultKind::Unreachable, FaultKind::Busy, FaultKind::Other];

/// Counts a database error a request ran into.
pub fn count_database_error(kind: FaultKind) {
    if let Some(index) = FAULT_KINDS.iter().position(|k| *k == kind) {
        DATABASE_ERRORS[index].fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Default, Clone)]
pub struct Metrics {
    routes: Arc<Mutex<BTreeMap<String, RouteStats>>>,
}

impl Metrics {
    fn record(&self, route: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else { return };
        let stats = routes.entry(route.to_string()).or_default();
        *stats.by_status.entry(status).or_default() += 1;
        stats.count += 1;
        stats.seconds += seconds;
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// The Prometheus text format, with the outbox's figures when they could be read and the
    /// days left in the working-day calendar.
    pub fn render(&self, outbox: Option<OutboxHealth>, calendar_days_left: i64) -> String {
        let mut out = String::new();
        out.push_str("# HELP jifen_calendar_days_left Days until the working-day calendar runs out (add next year's holidays before 0).\n");
        out.push_str("# TYPE jifen_calendar_days_left gauge\n");
        let _ = writeln!(out, "jifen_calendar_days_left {calendar_days_left}");
        if let Some(outbox) = outbox {
            out.push_str("# HELP jifen_sms_messages SMS in the outbox: waiting, failing (waiting after several failed sends), dead.\n");
            out.push_str("# TYPE jifen_sms_messages gauge\n");
            for (state, count) in [("waiting", outbox.waiting), ("failing", outbox.failing), ("dead", outbox.dead)] {
                let _ = writeln!(out, "jifen_sms_messages{{state=\"{state}\"}} {count}");
            }
        }
        let Ok(routes) = self.routes.lock() else { return out };
        out.push_str("# HELP jifen_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE jifen_http_requests_total counter\n");
        for (route, stats) in routes.iter() {
            for (status, count) in &stats.by_status {
                let _ = writeln!(out, "jifen_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}");
            }
        }
        out.push_str("# HELP jifen_database_errors_total Database errors requests ran into, by kind.\n");
        out.push_str("# TYPE jifen_database_errors_total counter\n");
        for (kind, count) in FAULT_KINDS.iter().zip(&DATABASE_ERRORS) {
            let _ = writeln!(
                out,
                "jifen_database_errors_total{{kind=\"{}\"}} {}",
                kind.as_str(),
                count.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP jifen_http_request_duration_seconds HTTP request durations by route.\n");
        out.push_str("# TYPE jifen_http_request_duration_seconds histogram\n");
        for (route, stats) in routes.iter() {
            for (bound, count) in BUCKETS.iter().zip(stats.buckets) {
                let _ = writeln!(
                    out,
                    "jifen_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "jifen_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(out, "jifen_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", stats.seconds);
            let _ = writeln!(out, "jifen_http_request_duration_seconds_count{{route=\"{route}\"}} {}", stats.count);
        }
        out
    }
}

/// Middleware: times each request and counts it under its route pattern (never the raw
/// path, which could carry personal data).
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.record(&route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}
