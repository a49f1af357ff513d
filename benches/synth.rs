//! Synthesis cost, in process: parse the project file, expand, package the
//! function code, check and render. Run with `cargo bench --bench synth`.
//! The whole-process figure (what a user waits for) is `scripts/bench`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::synthesize;

fn variant(options: &str) -> Source {
    Source {
        name: "blueprint.yaml".into(),
        text: format!("blueprint: todo\nstack_name: todo\nregion: us-east-1\noptions:\n{options}"),
    }
}

fn bench(c: &mut Criterion) {
    let todo = find("todo").unwrap();
    let code = CodeSource::BuiltIn {
        blueprint: "todo".into(),
    };
    let mut group = c.benchmark_group("synth");
    for (name, source) in [
        ("todo-defaults", todo.defaults().unwrap()),
        ("todo-cache-api", variant("  cache: api\n")),
        ("todo-cache-dax", variant("  cache: dax\n")),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                synthesize(todo, &source, &code, &Overrides::default(), Format::Yaml).unwrap()
            })
        });
    }
    group.finish();
}

/// A microservices project with `n` services, as scripts/gen-microservices
/// writes it (mixed shapes; every service uses the built-in `orders` code).
fn services(n: usize) -> Source {
    let mut text = String::from(
        "blueprint: microservices\nstack_name: services\nregion: us-east-1\noptions:\n  services:\n",
    );
    for i in 1..=n {
        text.push_str(&format!(
            "    - name: svc{i:04}\n      code: orders\n      table: true\n      routes:\n        - {{method: GET, path: \"/\"}}\n        - {{method: POST, path: \"/\"}}\n        - {{method: GET, path: \"/{{id}}\"}}\n"
        ));
        if i % 3 == 0 {
            text.push_str("      inputs:\n        queue: {}\n        topic: {}\n");
        } else if i % 10 == 0 {
            text.push_str("      inputs:\n        bucket: {prefix: incoming/}\n");
        }
    }
    Source {
        name: format!("services-{n}.yaml"),
        text,
    }
}

/// Cost per service as the project grows (MICRO-5): 10, 100 and 1,000
/// services, past 474 split into overflow stacks. Throughput is services.
fn bench_microservices(c: &mut Criterion) {
    let bp = find("microservices").unwrap();
    let code = CodeSource::BuiltIn {
        blueprint: "microservices".into(),
    };
    let mut group = c.benchmark_group("microservices");
    group.sample_size(20);
    for n in [10, 100, 1000] {
        let source = services(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("services", n), &source, |b, source| {
            b.iter(|| synthesize(bp, source, &code, &Overrides::default(), Format::Yaml).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_microservices);
criterion_main!(benches);
