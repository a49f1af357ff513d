//! Synthesis cost, in process: parse the project file, expand, package the
//! function code, check and render. Run with `cargo bench --bench synth`.
//! The whole-process figure (what a user waits for) is `scripts/bench`.

use criterion::{criterion_group, criterion_main, Criterion};

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

criterion_group!(benches, bench);
criterion_main!(benches);
