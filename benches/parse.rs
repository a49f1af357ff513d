//! Parse time of hostile project files: 1 MB of deep nesting (flow brackets,
//! block mappings) is refused by the linear pre-scan, and 1 MB of nesting
//! just within the limit parses, each in well under a second. Run with
//! `cargo bench --bench parse`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use blueprint::config::{parse, Source};

const HEAD: &str = "blueprint: todo\nstack_name: todo\nregion: us-east-1\n";
const MB: usize = 1_000_000;

fn source(name: &str, text: String) -> Source {
    Source {
        name: name.into(),
        text,
    }
}

/// About 1 MB of `[[[...]]]` under `options:`.
fn deep_flow() -> Source {
    let n = (MB - HEAD.len()) / 2;
    source(
        "deep-flow",
        format!("{HEAD}options: {}{}\n", "[".repeat(n), "]".repeat(n)),
    )
}

/// About 1 MB of block mappings, each one level deeper than the last.
fn deep_block() -> Source {
    let mut text = String::from(HEAD);
    let mut i = 0;
    while text.len() < MB {
        text.push_str(&" ".repeat(i));
        text.push_str(&format!("k{i}:\n"));
        i += 1;
    }
    source("deep-block", text)
}

/// About 1 MB of flow and block nesting 60 levels deep (within the limit),
/// repeated: what the parser itself must get through.
fn deep_within_limit() -> Source {
    let mut text = String::from(HEAD);
    let mut k = 0;
    while text.len() < MB {
        text.push_str(&format!("x{k}:\n"));
        for d in 1..30 {
            text.push_str(&" ".repeat(d * 2));
            text.push_str(&format!("k{d}:\n"));
        }
        text.push_str(&" ".repeat(60));
        text.push_str(&format!("v: {}1{}\n", "[".repeat(29), "]".repeat(29)));
        k += 1;
    }
    source("deep-within-limit", text)
}

/// Nested anchors that would expand a billionfold.
fn laughs() -> Source {
    let mut text = format!("{HEAD}options:\n  a: &a [{}]\n", ["lol"; 9].join(", "));
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(", ");
        text.push_str(&format!("  {0}: &{0} [{refs}]\n", w[1]));
    }
    source("laughs", text)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for (refused, s) in [
        (true, deep_flow()),
        (true, deep_block()),
        (false, deep_within_limit()),
        (true, laughs()),
    ] {
        let result = parse::<serde_json::Value>(&s);
        assert_eq!(result.is_err(), refused, "{}: {:?}", s.name, result.err());
        group.throughput(Throughput::Bytes(s.text.len() as u64));
        group.bench_function(&s.name, |b| {
            b.iter(|| parse::<serde_json::Value>(&s).is_ok())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
