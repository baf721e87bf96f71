//! Target 1: the frame parser.

use super::*;

#[test]
fn fuzz_the_frame_parser() {
    let seed = seed();
    let mut rng = Rng(seed);
    let mut corpus = seeds();
    let mut seen: HashSet<String> = HashSet::new();
    let deadline = Instant::now() + budget();
    let mut runs = 0u64;
    while Instant::now() < deadline {
        for _ in 0..256 {
            let parent = rng.pick(&corpus).clone();
            let input = mutate(&mut rng, &parent, &corpus);
            runs += 1;
            let Ok(text) = std::str::from_utf8(&input) else {
                continue;
            };
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| Message::from_json(text)))
                .unwrap_or_else(|_| fail("parser", seed, &input, "the parser panicked"));
            match &outcome {
                Ok(m) => {
                    let again = Message::from_json(&m.to_json()).unwrap_or_else(|e| {
                        fail(
                            "parser",
                            seed,
                            &input,
                            &format!("re-encoded message does not parse: {e}"),
                        )
                    });
                    let (a, b): (Value, Value) = (
                        serde_json::from_str(&m.to_json()).unwrap(),
                        serde_json::from_str(&again.to_json()).unwrap(),
                    );
                    if !same_json(&a, &b) {
                        fail(
                            "parser",
                            seed,
                            &input,
                            &format!("re-encoding changed the message: {a} vs {b}"),
                        );
                    }
                }
                Err(e) => {
                    if !(e.code == -32700 || e.code == -32600) || e.message.is_empty() {
                        fail("parser", seed, &input, &format!("unexpected error {e:?}"));
                    }
                }
            }
            if seen.insert(signature(&outcome)) && corpus.len() < 10_000 {
                corpus.push(input);
            }
        }
    }
    if std::env::var_os("TOOLSMITH_FUZZ_SHAPES").is_some() {
        let mut v: Vec<_> = seen.iter().collect();
        v.sort();
        for s in v.iter().step_by((v.len() / 60).max(1)) {
            eprintln!("  {s}");
        }
    }
    eprintln!(
        "fuzz parser: {runs} inputs in {:?}, {} outcome shapes, corpus {} (TOOLSMITH_FUZZ_SEED={seed})",
        budget(),
        seen.len(),
        corpus.len()
    );
}
