//! Nonces for sealing request states, without a system call per seal.
//!
//! XChaCha20-Poly1305 needs a nonce never used twice under the same key; it need not be secret
//! or unpredictable. A nonce here is 16 random bytes drawn once per process, then a 64-bit
//! counter. Within a process the counter never repeats (it would take 2^64 seals); across
//! processes sharing a key (replicas, restarts) the 128-bit random prefixes differ except with
//! negligible probability (the birthday bound: about 2^-64 after 2^32 processes). That is as
//! unique as a fresh random 24-byte nonce per seal, at the cost of one `getrandom` per process
//! instead of one per seal.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use chacha20poly1305::XNonce;

/// Bytes of the per-process random prefix (the rest of the 24-byte nonce is the counter).
const PREFIX_LEN: usize = 16;

/// The next nonce of this process.
pub(super) fn next() -> XNonce {
    static PREFIX: OnceLock<[u8; PREFIX_LEN]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; PREFIX_LEN];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        bytes
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut nonce = XNonce::default();
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
        assert_ne!(a[..PREFIX_LEN], [0u8; PREFIX_LEN], "a random prefix");
        let seen: std::collections::HashSet<XNonce> = (0..1000).map(|_| next()).collect();
        assert_eq!(seen.len(), 1000);
    }
}
