//! The DNS step against the lab: one lookup set (A + AAAA, every server of every view), and the cost
//! of a dead resolver (it should be its timeout, nothing more).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use wpj::dns::DnsCheck;
use wpj::{Check, Context, ResolverView, Resolvers};
use wpj_testkit::Scenario;
use wpj_testkit::dns::DeadResolver;

fn dns(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("dns");
    for name in ["healthy-onprem", "healthy-entra", "healthy-split-horizon"] {
        let lab = rt
            .block_on(Scenario::find(name).expect(name).start())
            .expect("lab");
        let cx = Context::new(lab.settings());
        group.bench_function(format!("lookup-set/{name}"), |b| {
            b.iter(|| rt.block_on(DnsCheck.run(&cx)));
        });
    }

    let dead = rt.block_on(DeadResolver::start()).expect("socket");
    let lab = rt
        .block_on(Scenario::find("healthy-onprem").unwrap().start())
        .expect("lab");
    let timeout = Duration::from_millis(200);
    let mut only_dead = lab.settings();
    only_dead.dns_timeout = timeout;
    only_dead.resolvers = Resolvers::Views(vec![ResolverView {
        name: "internal".into(),
        servers: vec![dead.addr().expect("addr")],
    }]);
    let mut dead_then_live = only_dead.clone();
    dead_then_live.resolvers = Resolvers::Views(vec![ResolverView {
        name: "internal".into(),
        servers: vec![dead.addr().expect("addr"), lab.resolver()],
    }]);
    group.sample_size(10);
    for (label, settings) in [
        ("dead-resolver-200ms", only_dead),
        ("dead-and-live-200ms", dead_then_live),
    ] {
        let cx = Context::new(settings);
        group.bench_function(label, |b| b.iter(|| rt.block_on(DnsCheck.run(&cx))));
    }
    group.finish();
}

criterion_group!(benches, dns);
criterion_main!(benches);
