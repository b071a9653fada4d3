//! A thread the doctor never waits on: it sleeps between turns, can be woken early, and is
//! stopped and joined when its owner stops it or is dropped (a turn in flight finishes first).
//! Background sync and automatic backups each run on one.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Control {
    stop: bool,
    wake: bool,
}

/// What the thread waits on between turns.
#[derive(Clone, Default)]
pub(crate) struct Pauses(Arc<(Mutex<Control>, Condvar)>);

impl Pauses {
    /// Waits up to `d`, or until woken; false when asked to stop.
    pub(crate) fn pause(&self, d: Duration) -> bool {
        let (lock, cv) = &*self.0;
        let deadline = Instant::now() + d;
        let mut c = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if c.stop {
                return false;
            }
            if c.wake {
                c.wake = false;
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            c = cv
                .wait_timeout(c, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn set(&self, mark: impl FnOnce(&mut Control)) {
        let (lock, cv) = &*self.0;
        mark(&mut lock.lock().unwrap_or_else(|p| p.into_inner()));
        cv.notify_all();
    }
}

/// The running thread. Dropping it stops it.
pub(crate) struct Background {
    pauses: Pauses,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    pub(crate) fn spawn(
        name: &str,
        work: impl FnOnce(Pauses) + Send + 'static,
    ) -> std::io::Result<Background> {
        let pauses = Pauses::default();
        let shared = pauses.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || work(shared))?;
        Ok(Background {
            pauses,
            thread: Some(thread),
        })
    }

    /// Ends the current pause now.
    pub(crate) fn wake(&self) {
        self.pauses.set(|c| c.wake = true);
    }

    /// Stops the thread and waits for it.
    pub(crate) fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.pauses.set(|c| c.stop = true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.shutdown();
    }
}
