//! A running netgauge: the HTTP server and the trap receiver, side by
//! side on one state, stopped by one signal. `main` and the tests start
//! it the same way.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::state::AppState;

/// Serves until `shutdown` completes. The trap receiver stops after the
/// HTTP server has drained, and writes its state file last.
pub async fn run(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop_traps, stopped) = tokio::sync::oneshot::channel::<()>();
    let traps = tokio::spawn(crate::traps::run(state.clone(), async move {
        let _ = stopped.await;
    }));
    let served = crate::http::serve(listener, state, shutdown).await;
    let _ = stop_traps.send(());
    let _ = traps.await;
    served
}
