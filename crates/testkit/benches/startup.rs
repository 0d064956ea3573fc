//! How long a lab takes to start (PKI generation, CRLs, binding every server), and a whole catalogue.

use criterion::{Criterion, criterion_group, criterion_main};
use wpj_testkit::Scenario;

fn startup(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("lab_start");
    for name in [
        "healthy-onprem",
        "healthy-entra",
        "adfs-farm-node-down",
        "healthy-large-crl",
    ] {
        let scenario = Scenario::find(name).expect(name);
        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(async { scenario.start().await.expect("lab") }));
        });
    }
    let all = Scenario::all();
    group.sample_size(10);
    group.bench_function("all-scenarios-concurrently", |b| {
        b.iter(|| {
            rt.block_on(async {
                futures_util::future::join_all(all.iter().map(Scenario::start)).await
            })
        });
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
