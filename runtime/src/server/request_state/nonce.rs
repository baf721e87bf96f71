//! Nonces for sealing request states, without a system call per seal.
//!
//! AES-256-GCM-SIV takes a 12-byte nonce that need not be secret or unpredictable, and it is
//! nonce-misuse resistant: sealing two messages under one nonce reveals only whether they are
//! equal (it does not let anyone forge or read a token, as a repeated nonce would in AES-GCM or
//! ChaCha20-Poly1305). Nonces are still made unique where it is cheap: a nonce here is 4 random
//! bytes drawn once per process, then a 64-bit counter, so a process never repeats one (that
//! would take 2^64 seals); two processes sharing a key (replicas, restarts) could meet only with
//! the same random prefix and the same count, and then only equal states would show as equal.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use aes_gcm_siv::Nonce;

/// Bytes of the per-process random prefix (the rest of the 12-byte nonce is the counter).
const PREFIX_LEN: usize = 4;

/// The next nonce of this process.
pub(super) fn next() -> Nonce {
    static PREFIX: OnceLock<[u8; PREFIX_LEN]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; PREFIX_LEN];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        bytes
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut nonce = Nonce::default();
    nonce[..PREFIX_LEN].copy_from_slice(prefix);
    nonce[PREFIX_LEN..].copy_from_slice(&n.to_le_bytes());
    nonce
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_never_repeat_and_share_the_process_prefix() {
        let a = next();
        let b = next();
        assert_ne!(a, b);
        assert_eq!(a[..PREFIX_LEN], b[..PREFIX_LEN]);
        let seen: std::collections::HashSet<Nonce> = (0..1000).map(|_| next()).collect();
        assert_eq!(seen.len(), 1000);
    }
}
