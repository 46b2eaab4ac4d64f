//! The SSH transport of a CLI session: connect, verify the host key,
//! authenticate, and open a shell on a PTY. What is said over the shell is
//! [`super::session`]'s business.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::PublicKeyBase64 as _;
use russh::{Channel, ChannelMsg};

use super::parse::Platform;
use super::session::CliError;
use crate::config::CliSettings;

/// Verifies the server's key against `known_hosts` (or, when the operator
/// opted out, accepts it), and remembers why it refused.
struct HostKeys {
    host: String,
    port: u16,
    known_hosts: Option<PathBuf>,
    refusal: Arc<Mutex<Option<String>>>,
}

impl client::Handler for HostKeys {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &russh::keys::PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let Some(path) = &self.known_hosts else { return Ok(true) };
        let refuse = |why: String| {
            if let Ok(mut r) = self.refusal.lock() {
                *r = Some(why);
            }
            Ok(false)
        };
        let key = match key {
            russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } => key,
            _ => return refuse("the server offered a certificate; only known_hosts keys are supported".into()),
        };
        match russh::keys::check_known_hosts_path(&self.host, self.port, key, path) {
            Ok(true) => Ok(true),
            Ok(false) => refuse(format!(
                "{} key {} of {}:{} is not in {}",
                key.algorithm(),
                key.public_key_base64(),
                self.host,
                self.port,
                path.display()
            )),
            Err(e) => refuse(format!("{e} ({})", path.display())),
        }
    }
}

/// A logged-in SSH connection with a shell channel open on a PTY.
pub struct SshLink {
    handle: Handle<HostKeys>,
    channel: Channel<client::Msg>,
}

impl SshLink {
    /// Connects, checks the host key, authenticates and opens a shell,
    /// each step within `t`.
    pub async fn open(host: &str, settings: &CliSettings, t: Duration) -> Result<SshLink, CliError> {
        let refusal = Arc::new(Mutex::new(None));
        let handler = HostKeys {
            host: host.to_owned(),
            port: settings.port,
            known_hosts: settings.known_hosts.clone(),
            refusal: refusal.clone(),
        };
        let addr = (host.to_owned(), settings.port);
        let connected = tokio::time::timeout(t, client::connect(Arc::new(config(settings)), addr, handler)).await;
        let mut handle = match connected {
            Err(_) => return Err(CliError::Timeout(t, "connecting")),
            Ok(Ok(h)) => h,
            Ok(Err(e)) => {
                let why = refusal.lock().ok().and_then(|r| r.clone());
                return Err(match why {
                    Some(why) => CliError::HostKey(why),
                    None => CliError::Connect(e.to_string()),
                });
            }
        };
        let user = match settings.platform {
            // "+ct": no colours, no terminal auto-detection on RouterOS.
            Platform::MikrotikRouteros if !settings.username.contains('+') => format!("{}+ct", settings.username),
            _ => settings.username.clone(),
        };
        tokio::time::timeout(t, authenticate(&mut handle, &user, settings))
            .await
            .map_err(|_| CliError::Timeout(t, "authenticating"))??;
        let channel = tokio::time::timeout(t, async {
            let channel = handle.channel_open_session().await?;
            channel.request_pty(false, "vt100", 511, 0, 0, 0, &[]).await?;
            channel.request_shell(false).await?;
            Ok::<_, russh::Error>(channel)
        })
        .await
        .map_err(|_| CliError::Timeout(t, "opening a shell"))?
        .map_err(|e| CliError::Protocol(e.to_string()))?;
        Ok(SshLink { handle, channel })
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    pub async fn send(&mut self, s: &str) -> Result<(), CliError> {
        self.channel
            .data_bytes(s.as_bytes().to_vec())
            .await
            .map_err(|e| CliError::Protocol(e.to_string()))
    }

    /// The next output, or `None` when the channel closed.
    pub async fn recv(&mut self) -> Option<String> {
        loop {
            match self.channel.wait().await {
                None | Some(ChannelMsg::Close) | Some(ChannelMsg::Eof) => return None,
                Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                    return Some(String::from_utf8_lossy(&data).into_owned())
                }
                Some(_) => continue,
            }
        }
    }

    pub async fn close(self) {
        let _ = self.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    }
}

fn config(settings: &CliSettings) -> client::Config {
    let mut preferred = russh::Preferred::default();
    if settings.legacy_algorithms {
        // Old IOS and VRP releases speak nothing newer; opt-in only.
        let mut kex = preferred.kex.to_vec();
        kex.extend([russh::kex::DH_G14_SHA1, russh::kex::DH_G1_SHA1]);
        preferred.kex = Cow::Owned(kex);
        let mut cipher = preferred.cipher.to_vec();
        cipher.extend([russh::cipher::AES_128_CBC, russh::cipher::AES_256_CBC]);
        preferred.cipher = Cow::Owned(cipher);
        let mut mac = preferred.mac.to_vec();
        mac.push(russh::mac::HMAC_SHA1);
        preferred.mac = Cow::Owned(mac);
    }
    client::Config {
        preferred,
        // Keeps NAT state and idle-kill timers of firewalls from breaking persistent sessions.
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..client::Config::default()
    }
}

async fn authenticate(handle: &mut Handle<HostKeys>, user: &str, s: &CliSettings) -> Result<(), CliError> {
    let proto = |e: russh::Error| CliError::Protocol(e.to_string());
    if let Some(key_file) = &s.key_file {
        let key = russh::keys::load_secret_key(key_file, s.passphrase.as_ref().map(|p| p.expose()))
            .map_err(|e| CliError::Auth(format!("cannot load {}: {e}", key_file.display())))?;
        let hash = handle.best_supported_rsa_hash().await.map_err(proto)?.flatten();
        let key = russh::keys::PrivateKeyWithHashAlg::new(Arc::new(key), hash);
        if handle.authenticate_publickey(user, key).await.map_err(proto)?.success() {
            return Ok(());
        }
    }
    if let Some(password) = &s.password {
        if handle
            .authenticate_password(user, password.expose())
            .await
            .map_err(proto)?
            .success()
        {
            return Ok(());
        }
        // Cisco and Huawei often offer only keyboard-interactive: answer every prompt with the password.
        let mut reply = handle
            .authenticate_keyboard_interactive_start(user, None)
            .await
            .map_err(proto)?;
        for _ in 0..3 {
            match reply {
                KeyboardInteractiveAuthResponse::Success => return Ok(()),
                KeyboardInteractiveAuthResponse::Failure { .. } => break,
                KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                    let answers = prompts.iter().map(|_| password.expose().to_owned()).collect();
                    reply = handle
                        .authenticate_keyboard_interactive_respond(answers)
                        .await
                        .map_err(proto)?;
                }
            }
        }
    }
    Err(CliError::Auth(format!("the device refused user {user}")))
}
