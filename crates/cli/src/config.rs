//! The optional configuration file (`--config FILE` or `JIFEN_CONFIG`), TOML:
//!
//! ```toml
//! addr = "0.0.0.0:8080"
//! data_dir = "/var/lib/jifen"
//! database_url = "postgres://jifen@db/jifen"
//! json_logs = true
//! sms_gateway = "http://sms-relay.internal/send"
//! sms_concurrency = 32
//! ```
//! A flag or environment variable wins over the file; the file wins over the defaults.

use crate::Failure;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub addr: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub json_logs: Option<bool>,
    pub sms_gateway: Option<String>,
    /// The public address (`--public-url`).
    pub public_url: Option<String>,
    /// Proxies whose X-Forwarded-For is believed (`--trusted-proxy`).
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// SMS sent at once (at least 1).
    pub sms_concurrency: Option<std::num::NonZeroU16>,
}

impl ConfigFile {
    /// Reads the file, or the empty configuration when there is none.
    pub fn load(path: Option<&Path>) -> Result<Self, Failure> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text = std::fs::read_to_string(path).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_keys_and_refuses_unknown_ones() {
        let file: ConfigFile =
            toml::from_str("addr = \"0.0.0.0:9000\"\ndata_dir = \"/srv/jifen\"\njson_logs = true").unwrap();
        assert_eq!(file.addr, "0.0.0.0:9000".parse().ok());
        assert_eq!(file.data_dir, Some(PathBuf::from("/srv/jifen")));
        assert_eq!(file.json_logs, Some(true));
        assert!(toml::from_str::<ConfigFile>("adress = \"x\"").is_err());
        assert_eq!(ConfigFile::load(None).unwrap(), ConfigFile::default());
    }
}
