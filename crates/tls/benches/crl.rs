//! CRL parse + serial lookup at 10k / 100k / 1M entries: the revocation step's reader
//! ([`wpj_tls::CrlList`], lazy, versions 1 and 2), webpki's borrowed (lazy) form, its owned
//! (indexed) form, and the header-only read used for thisUpdate/nextUpdate.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use webpki::{BorrowedCertRevocationList, CertRevocationList, OwnedCertRevocationList};
use wpj_testkit::pki::crl_with_entries;

/// A serial the CRL does not list: the lookup has to look at every entry.
const ABSENT: [u8; 3] = [0x7F, 0xFF, 0xFF];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("crl_parse_lookup");
    group.sample_size(10);
    for entries in [10_000, 100_000, 1_000_000] {
        let der = crl_with_entries(entries).expect("CRL");
        group.throughput(Throughput::Elements(entries as u64));
        group.bench_with_input(BenchmarkId::new("wpj", entries), &der, |b, der| {
            b.iter(|| {
                let crl = wpj_tls::CrlList::from_der(der).unwrap();
                assert!(crl.find(&ABSENT).unwrap().is_none());
            });
        });
        group.bench_with_input(BenchmarkId::new("borrowed", entries), &der, |b, der| {
            b.iter(|| {
                let crl =
                    CertRevocationList::from(BorrowedCertRevocationList::from_der(der).unwrap());
                assert!(crl.find_serial(&ABSENT).unwrap().is_none());
            });
        });
        group.bench_with_input(BenchmarkId::new("owned", entries), &der, |b, der| {
            b.iter(|| {
                let crl = CertRevocationList::from(OwnedCertRevocationList::from_der(der).unwrap());
                assert!(crl.find_serial(&ABSENT).unwrap().is_none());
            });
        });
        group.bench_with_input(BenchmarkId::new("header-only", entries), &der, |b, der| {
            b.iter(|| wpj_tls::crl_times(der).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
