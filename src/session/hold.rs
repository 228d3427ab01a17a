//! Holding off a signal while irreversible work finishes (a rotation, a refresh, a create): the
//! signal waits for the section to end, then the process ends with 128 + its number.

/// Signals during a rotation: between GitLab's rotate call and the keychain write the new value
/// exists only in this process, so SIGINT, SIGTERM, SIGHUP and SIGQUIT wait until the rotation has
/// finished (every step has a timeout), with a line on standard error; outside it they end the
/// process at once, with the usual 128 + signal number.
pub struct Hold {
    state: std::sync::Arc<HoldState>,
}

#[derive(Default)]
struct HoldState {
    section: std::sync::atomic::AtomicBool,
    received: std::sync::atomic::AtomicU8,
}

impl Hold {
    pub fn install() -> Hold {
        let state = std::sync::Arc::new(HoldState::default());
        listen(state.clone());
        Hold { state }
    }

    pub fn enter(&self) {
        use std::sync::atomic::Ordering;
        self.state.received.store(0, Ordering::SeqCst);
        self.state.section.store(true, Ordering::SeqCst);
    }

    /// The signal that arrived during the section so far, if any (the section goes on).
    pub fn received(&self) -> Option<u8> {
        use std::sync::atomic::Ordering;
        Some(self.state.received.load(Ordering::SeqCst)).filter(|n| *n != 0)
    }

    /// Leaves the section; the signal that arrived during it, if any.
    pub fn leave(&self) -> Option<u8> {
        use std::sync::atomic::Ordering;
        self.state.section.store(false, Ordering::SeqCst);
        Some(self.state.received.swap(0, Ordering::SeqCst)).filter(|n| *n != 0)
    }
}

#[cfg(unix)]
fn listen(state: std::sync::Arc<HoldState>) {
    use std::sync::atomic::Ordering;
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        (SignalKind::interrupt(), 2u8),
        (SignalKind::terminate(), 15),
        (SignalKind::hangup(), 1),
        (SignalKind::quit(), 3),
    ];
    for (kind, number) in kinds {
        let Ok(mut stream) = signal(kind) else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if state.section.load(Ordering::SeqCst) {
                    // The first signal decides the exit code.
                    let _ = state.received.compare_exchange(
                        0,
                        number,
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    );
                    eprintln!("{}", crate::strings::safety::CLI_FINISHING);
                } else {
                    std::process::exit(128 + i32::from(number));
                }
            }
        });
    }
}

#[cfg(not(unix))]
fn listen(state: std::sync::Arc<HoldState>) {
    use std::sync::atomic::Ordering;
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if state.section.load(Ordering::SeqCst) {
                state.received.store(2, Ordering::SeqCst);
                eprintln!("{}", crate::strings::safety::CLI_FINISHING);
            } else {
                std::process::exit(130);
            }
        }
    });
}
