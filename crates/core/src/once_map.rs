//! Work a run does once per key: the first to ask does it, the others wait for its answer.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

/// Answers by key, each worked out once: a DNS name looked up once per run, a URL downloaded once,
/// a handshake made once per address and name. Concurrent asks for one key wait for the first; when
/// the first is abandoned (its task cancelled), the next ask does the work.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let answers = wpj_core::OnceMap::<&str, usize>::default();
/// assert_eq!(answers.get_or_init("contoso.com", || async { 1 }).await, 1);
/// // Asked again: the first answer, not the new work.
/// assert_eq!(answers.get_or_init("contoso.com", || async { 2 }).await, 1);
/// # }
/// ```
#[derive(Debug)]
pub struct OnceMap<K, V>(Mutex<HashMap<K, Arc<OnceCell<V>>>>);

impl<K, V> Default for OnceMap<K, V> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<K: Eq + Hash, V: Clone> OnceMap<K, V> {
    /// The place of `key`'s answer (for work started in a task of its own).
    pub fn cell(&self, key: K) -> Arc<OnceCell<V>> {
        Arc::clone(
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key)
                .or_default(),
        )
    }

    /// `key`'s answer: `init`'s, made now, or the one made (or being made) before.
    pub async fn get_or_init<F: Future<Output = V>>(&self, key: K, init: impl FnOnce() -> F) -> V {
        self.cell(key).get_or_init(init).await.clone()
    }
}
