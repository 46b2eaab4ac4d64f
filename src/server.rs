//! A running netgauge: the HTTP server, the trap receiver and the chat
//! bot, side by side on one state, stopped by one signal. `main` and the
//! tests start it the same way.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::state::AppState;

/// Serves until `shutdown` completes. The trap receiver and the bot stop
/// after the HTTP server has drained; the receiver writes its state file last.
pub async fn run(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let traps = tokio::spawn(crate::traps::run(state.clone(), until_stopped(stopped.clone())));
    let chatops = tokio::spawn(crate::chatops::run(state.clone(), until_stopped(stopped)));
    let served = crate::http::serve(listener, state, shutdown).await;
    let _ = stop.send(true);
    let _ = traps.await;
    let _ = chatops.await;
    served
}

/// Runs the task `start` makes again after a panic (a bug must not end
/// trap alerting or the bot while HTTP stays up), logged and counted.
pub async fn supervise<F, Fut>(name: &'static str, telemetry: Arc<crate::telemetry::Telemetry>, start: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    /// Stops the task when its supervisor is dropped (at shutdown, the
    /// supervisor's future is), instead of leaving it running detached.
    struct AbortOnDrop(tokio::task::AbortHandle);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    loop {
        let task = tokio::spawn(start());
        let _abort = AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(()) => return,
            Err(e) => {
                telemetry.event(crate::telemetry::Event::TaskRestarted {
                    task: name,
                    detail: &e.to_string(),
                });
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}
