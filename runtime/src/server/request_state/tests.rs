use base64::Engine as _;
use serde_json::json;

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const OTHER: &[u8] = b"fedcba9876543210fedcba9876543210";

fn keys(list: &[(&str, &[u8])]) -> StateKeys {
    StateKeys::from_secrets(list.iter().map(|(id, s)| ((*id).to_owned(), *s))).unwrap()
}

fn binding() -> Binding {
    Binding {
        method: "tools/call".into(),
        name: "t".into(),
        args: request_digest("tools/call", &json!({"q": 1})),
    }
}

fn owner() -> Owner {
    Owner {
        protocol_version: "2026-07-28".into(),
        caller: None,
    }
}

fn state(exp: u64) -> RoundState {
    RoundState {
        binding: binding(),
        owner: owner(),
        expires_ms: exp,
        rounds: 1,
        answers: [("k".to_owned(), json!("SECRET-ANSWER-7f3a"))].into(),
        asked: BTreeMap::new(),
        memos: [("m#1".to_owned(), json!("SECRET-MEMO-c41d"))].into(),
    }
}

fn fresh() -> RoundState {
    state(expiry(Duration::from_secs(60)))
}

/// Every way the token's bytes could be read: as is, and each `.`-separated part base64-decoded
/// (standard or URL-safe alphabet, with or without padding).
fn readable_forms(token: &str) -> Vec<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut forms = vec![token.as_bytes().to_vec()];
    for part in token.split('.') {
        for engine in [&URL_SAFE_NO_PAD, &URL_SAFE, &STANDARD, &STANDARD_NO_PAD] {
            if let Ok(bytes) = engine.decode(part) {
                forms.push(bytes);
            }
        }
    }
    forms
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn round_trips_and_the_client_cannot_read_answers_or_memos() {
    let k = keys(&[("a", SECRET)]);
    let s = fresh();
    let token = seal(&k, &s);
    assert_eq!(open(&k, &token, &binding(), &owner()).unwrap(), s);
    assert!(token.starts_with("a."), "the key id leads: {token}");
    for form in readable_forms(&token) {
        for secret in ["SECRET-ANSWER-7f3a", "SECRET-MEMO-c41d", "tools/call"] {
            assert!(!contains(&form, secret), "`{secret}` readable in {token}");
        }
    }
    // Random nonces: the same state seals differently each time.
    assert_ne!(seal(&k, &s), token);
}

#[test]
fn tampering_truncation_and_foreign_tokens_are_refused() {
    let k = keys(&[("a", SECRET)]);
    let token = seal(&k, &fresh());
    let open_ = |t: &str| open(&k, t, &binding(), &owner());
    assert_eq!(
        open_(&format!("{token}-TAMPERED")),
        Err(StateError::Tampered)
    );
    // Flip one bit in each position of the sealed part (nonce, ciphertext and tag alike).
    let (id, sealed) = token.split_once('.').unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sealed)
        .unwrap();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 1;
        let t = format!(
            "{id}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
        );
        assert_eq!(open_(&t), Err(StateError::Tampered), "byte {i}");
    }
    for cut in [1, 16, 40, sealed.len() - 1] {
        let t = &token[..token.len() - cut];
        assert_eq!(open_(t), Err(StateError::Tampered), "cut {cut}");
    }
    assert_eq!(open_("garbage"), Err(StateError::Tampered));
    assert_eq!(open_("a."), Err(StateError::Tampered));
    assert_eq!(open_(""), Err(StateError::Tampered));
    // Another server's key, under the same id.
    let foreign = seal(&keys(&[("a", OTHER)]), &fresh());
    assert_eq!(open_(&foreign), Err(StateError::Tampered));
}

#[test]
fn key_ids_pick_the_key_and_rotation_keeps_old_tokens_open() {
    let old = keys(&[("old", SECRET)]);
    let s = fresh();
    let token = seal(&old, &s);

    // Rotation: a new key first, the old one still held.
    let rotated = keys(&[("new", OTHER), ("old", SECRET)]);
    assert_eq!(open(&rotated, &token, &binding(), &owner()).unwrap(), s);
    let new_token = seal(&rotated, &fresh());
    assert!(new_token.starts_with("new."), "{new_token}");
    assert!(open(&rotated, &new_token, &binding(), &owner()).is_ok());

    // The old key rotated out: refused, naming the key.
    let only_new = keys(&[("new", OTHER)]);
    let err = open(&only_new, &token, &binding(), &owner()).unwrap_err();
    assert_eq!(err, StateError::UnknownKey("old".into()));
    assert!(err.to_string().contains("`old`"), "{err}");

    // Relabelling a token with another held key's id does not open it.
    let relabelled = token.replacen("old.", "new.", 1);
    assert_eq!(
        open(&rotated, &relabelled, &binding(), &owner()),
        Err(StateError::Tampered)
    );
    // Same secret under another id: the id is authenticated too.
    let same_secret = keys(&[("new", SECRET)]);
    assert_eq!(
        open(&same_secret, &relabelled, &binding(), &owner()),
        Err(StateError::Tampered)
    );
    // An id no key could have is not echoed back.
    assert_eq!(
        open(&rotated, "<script>.AAAA", &binding(), &owner()),
        Err(StateError::Tampered)
    );
}

#[test]
fn bound_to_request_version_caller_and_time() {
    let k = keys(&[("a", SECRET)]);
    let token = seal(&k, &fresh());
    let mut b = binding();
    b.name = "other".into();
    assert_eq!(
        open(&k, &token, &b, &owner()),
        Err(StateError::Mismatch("name"))
    );
    let mut b = binding();
    b.args = request_digest("tools/call", &json!({"q": 2}));
    assert_eq!(
        open(&k, &token, &b, &owner()),
        Err(StateError::Mismatch("arguments"))
    );
    let mut o = owner();
    o.protocol_version = "2026-12-01".into();
    assert_eq!(
        open(&k, &token, &binding(), &o),
        Err(StateError::Mismatch("protocol version"))
    );
    // A caller, once there is one, must be the same.
    let mut alice = owner();
    alice.caller = Some("alice".into());
    assert_eq!(
        open(&k, &token, &binding(), &alice),
        Err(StateError::Mismatch("caller"))
    );
    let mut s = fresh();
    s.owner = alice.clone();
    let alices = seal(&k, &s);
    assert!(open(&k, &alices, &binding(), &alice).is_ok());
    let mut bob = owner();
    bob.caller = Some("bob".into());
    assert_eq!(
        open(&k, &alices, &binding(), &bob),
        Err(StateError::Mismatch("caller"))
    );
    assert_eq!(
        open(&k, &alices, &binding(), &owner()),
        Err(StateError::Mismatch("caller"))
    );

    let old = seal(&k, &state(now_ms() - 1));
    assert_eq!(
        open(&k, &old, &binding(), &owner()),
        Err(StateError::Expired)
    );

    // The same secret on another replica opens it.
    let replica = keys(&[("a", SECRET)]);
    assert!(open(&replica, &token, &binding(), &owner()).is_ok());
}

#[test]
fn the_request_digest_is_full_strength() {
    let d = request_digest("tools/call", &json!({"question": "q"}));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&d)
        .unwrap();
    assert_eq!(bytes.len(), 32, "the whole SHA-256: {d}");
    // These two differ only after the first 48 bits of their SHA-256 (found by a birthday search
    // over `q<n>`), which was all the old digest kept.
    let a = request_digest("tools/call", &json!({"question": "q21490965"}));
    let b = request_digest("tools/call", &json!({"question": "q60031270"}));
    assert_eq!(a[..8], b[..8], "the first 48 bits agree");
    assert_ne!(a, b);
}

#[test]
fn weak_empty_or_badly_named_keys_are_refused() {
    let err = |list: &[(&str, &[u8])]| {
        StateKeys::from_secrets(list.iter().map(|(id, s)| ((*id).to_owned(), *s)))
            .err()
            .unwrap_or_else(|| {
                panic!(
                    "accepted {:?}",
                    list.iter().map(|l| l.0).collect::<Vec<_>>()
                )
            })
    };
    assert!(err(&[]).contains("no requestState key"));
    assert!(err(&[("a", b"")]).contains("too weak"));
    assert!(err(&[("a", &SECRET[..31])]).contains("31 bytes"));
    assert!(err(&[("a", &[7u8; 64])]).contains("one byte repeated"));
    assert!(err(&[("a", SECRET), ("a", OTHER)]).contains("two requestState keys"));
    assert!(err(&[("a.b", SECRET)]).contains("not allowed"));
    assert!(err(&[("", SECRET)]).contains("not allowed"));
    // What is wrong is said; the secret is not.
    let weak = b"hunter2-hunter2-hunter2";
    assert!(!err(&[("a", weak)]).contains("hunter2"));
    assert!(StateKeys::from_secrets([("a".to_owned(), SECRET)]).is_ok());
}

/// A token sealed like this module's with `aad_prefix` and `plaintext`.
fn sealed_with(k: &StateKeys, aad_prefix: &[u8], plaintext: &[u8]) -> String {
    let key = k.sealing();
    let nonce = nonce::next();
    let aad = [aad_prefix, key.id.as_bytes()].concat();
    let payload = Payload {
        msg: plaintext,
        aad: &aad,
    };
    let ciphertext = key.cipher.encrypt(&nonce, payload).unwrap();
    let sealed = [nonce.as_slice(), &ciphertext].concat();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed);
    format!("{}.{b64}", key.id)
}

#[test]
fn tokens_of_the_previous_json_format_fail_cleanly() {
    let k = keys(&[("a", SECRET)]);
    let s = fresh();
    // What v1 sealed: the state as JSON, under the v1 associated data, with the same key.
    let v1_json = json!({
        "b": {"m": s.binding.method, "n": s.binding.name, "d": s.binding.args},
        "o": {"v": s.owner.protocol_version},
        "x": s.expires_ms, "r": s.rounds, "a": {}, "k": {}, "mm": {},
    });
    let plaintext = serde_json::to_vec(&v1_json).unwrap();
    let v1 = sealed_with(&k, b"toolsmith requestState v1\0", &plaintext);
    assert_eq!(
        open(&k, &v1, &binding(), &owner()),
        Err(StateError::Tampered)
    );
    // JSON inside a token of this format (never sealed by this code) is malformed, not a state.
    let json_inside = sealed_with(&k, AAD_PREFIX, &plaintext);
    assert_eq!(
        open(&k, &json_inside, &binding(), &owner()),
        Err(StateError::Malformed)
    );
    // And this format's own seal opens.
    assert_eq!(
        open(
            &k,
            &sealed_with(&k, AAD_PREFIX, &plaintext::encode(&s)),
            &binding(),
            &owner()
        ),
        Ok(s)
    );
}

#[test]
fn an_issued_token_is_recognised_whole_and_only_while_its_key_is_held() {
    let k = keys(&[("a", SECRET)]);
    let token = seal(&k, &fresh());
    // The handle is the key id and the nonce: a prefix of the token, the same for nothing else.
    let h = handle(&token).expect("a handle");
    assert!(token.starts_with(h) && h.len() == "a.".len() + 16, "{h}");
    assert_ne!(handle(&seal(&k, &fresh())), Some(h));
    assert_eq!(handle("a.tooshort"), None);
    assert_eq!(handle("no-dot"), None);
    assert!(issued(&k, &token, &token.clone()));
    // Any one byte changed, one more or one fewer: not the issued token.
    for i in 0..token.len() {
        let mut other = token.clone().into_bytes();
        other[i] ^= 1;
        let other = String::from_utf8(other).unwrap();
        assert!(!issued(&k, &token, &other), "byte {i} changed");
    }
    assert!(!issued(&k, &token, &format!("{token}A")));
    assert!(!issued(&k, &token, &token[..token.len() - 1]));
    // Sealed under a key no longer held: refused even though it is the issued token.
    let rotated = keys(&[("b", SECRET)]);
    assert!(!issued(&rotated, &token, &token));
}
