//! `jifen serve`: the web application.

use crate::Failure;
use crate::storage::Storage;
use std::net::SocketAddr;

pub struct ServeOptions {
    pub addr: SocketAddr,
    /// Log lines as JSON (for log collectors) instead of text.
    pub json_logs: bool,
    pub storage: Storage,
    /// Where SMS go: an HTTP gateway, or (by default) `sms.log` in the data directory.
    pub sms_gateway: Option<String>,
    /// SMS sent at once.
    pub sms_concurrency: usize,
    /// The address people reach the server at; HTTPS makes cookies Secure.
    pub public_url: Option<String>,
    /// Proxies whose X-Forwarded-For names the visitor.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

pub fn serve(options: &ServeOptions) -> Result<(), Failure> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JIFEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if options.json_logs {
        builder.json().init()
    } else {
        builder.init()
    }
    // Held while serving: `jifen restore` refuses to run under a live server.
    let _lock = crate::data_lock::DataDirLock::while_using(&options.storage)?;
    crate::storage::runtime()?.block_on(async {
        let store = options.storage.open().await?;
        let state = jifen_web::AppState::new(store.clone())
            .map_err(|e| Failure::internal(format!("rule data: {e}")))?
            .with_public_url(options.public_url.as_deref())
            .with_trusted_proxies(options.trusted_proxies.clone());
        // Rule data published before this server started is what it scores with.
        state.service.refresh_rules().await.map_err(|e| Failure::internal(format!("published rule data: {e}")))?;
        // Every application must be in a state this server's workflow defines.
        state.service.check_stored_states().await.map_err(|e| Failure::internal(e.to_string()))?;
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", options.addr)))?;
        let bound = listener.local_addr().map_err(|e| Failure::internal(e.to_string()))?;
        tracing::info!(%bound, "jifen serving; open http://{bound}/");
        eprintln!("jifen: serving on http://{bound}/ (ctrl-c to stop)");
        let sender = match &options.sms_gateway {
            Some(url) => jifen_notify::ConfiguredSender::Http(jifen_notify::HttpGatewaySender::new(url.clone())),
            None => {
                let path = options.storage.data_dir.join("sms.log");
                tracing::warn!(
                    path = %path.display(),
                    "development SMS sender: messages (initial passwords included) are written to a file, \
                     not sent; set --sms-gateway in production"
                );
                jifen_notify::ConfiguredSender::LogFile(jifen_notify::LogFileSender { path })
            }
        };
        // The outbox worker drains beside the server; several servers may drain one database.
        let worker = jifen_notify::Worker::new(
            format!("serve-{}-{}", std::process::id(), jifen_auth::random_token().get(..8).unwrap_or("0")),
            options.sms_concurrency,
        );
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let rescoring_worker = worker.name.clone();
        let outbox =
            tokio::spawn(jifen_notify::run(store.clone(), sender, worker, std::time::Duration::from_secs(2), stopped));
        // Rescoring after a publication: resumes a run another server (or this one, before a
        // restart) left unfinished.
        let rescoring =
            tokio::spawn(state.service.clone().run_rescoring(rescoring_worker, stop.subscribe(), RESCORING_EVERY));
        // The district centre's clock: lapsed corrections closed, overdue steps reminded.
        let centre_clock = tokio::spawn(state.service.clone().run_centre_clock(stop.subscribe(), CENTRE_CLOCK_EVERY));
        let served = jifen_web::serve(listener, state).await;
        let _ = stop.send(true);
        let _ = outbox.await;
        let _ = centre_clock.await;
        let _ = rescoring.await;
        // Closing the pool checkpoints SQLite's write-ahead log.
        store.close().await;
        served.map_err(|e| Failure::internal(format!("server: {e}")))
    })
}

/// How often a server looks for rescoring to carry on (a publication also starts it at once).
const RESCORING_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// How often the district centre's clock looks for lapsed deadlines and overdue steps.
const CENTRE_CLOCK_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
