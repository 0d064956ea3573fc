//! What the lab's CRL/AIA host serves: the root's and the issuing CA's CRLs, and the issuing CA's
//! certificate, as the spec's revocations and CRL fault make them.

use std::collections::HashMap;

use crate::hostile::{
    CRL_FLOOD_LEN, CRL_FLOOD_URLS, Hostile, MILLIONS_CRL_ENTRIES, flood_crl, millions_crl,
};
use crate::http::Response;
use crate::pki::{
    CrlSpec, INTERMEDIATE_SERIAL, ISSUING_CERT_PATH, ISSUING_CRL_PATH, ISSUING_DELTA_CRL_PATH, Idp,
    LEAF_SERIAL, OTHER_ROOT_CRL_PATH, POLICY_CERT_PATH, POLICY_CRL_PATH, POLICY_P7C_PATH, Pki,
    ROOT_CRL_PATH, certs_only_p7c,
};
use crate::web::Route;

use super::spec::{OTHER_PARTITION_PATH, flood_crl_path};
use super::{CrlFault, CrlForm, Delta, LabSpec, Revoked, Scope};

/// The complete CRL number of a [`CrlForm::Delta`] lab; its delta is the next number.
const BASE_NUMBER: u64 = 5;

/// The issuing CA's complete CRL as `spec.crl_form` shapes it.
fn shaped(spec: &LabSpec, pki: &Pki, mut crl: CrlSpec) -> CrlSpec {
    match spec.crl_form {
        CrlForm::Complete => {}
        CrlForm::Version1 => crl.version1 = true,
        CrlForm::Delta(delta) => {
            crl.number = Some(BASE_NUMBER);
            if delta != Delta::RevokesLeafNamedByCertificate {
                crl.freshest = vec![pki.url_of(ISSUING_DELTA_CRL_PATH)];
            }
            if delta == Delta::ReleasesHeldLeaf {
                crl.held = vec![LEAF_SERIAL];
            }
        }
        CrlForm::Scoped(scope) => {
            let path = match scope {
                Scope::ThisPoint => ISSUING_CRL_PATH,
                Scope::OtherPoint => OTHER_PARTITION_PATH,
            };
            crl.idp = Some(Idp::of(pki.url_of(path)));
        }
    }
    crl
}

/// The issuing CA's delta CRL route, in [`CrlForm::Delta`] labs.
fn delta_route(delta: Delta, pki: &Pki) -> Result<Route, rcgen::Error> {
    let listed = |yes: bool| if yes { vec![LEAF_SERIAL] } else { Vec::new() };
    Ok(match delta {
        Delta::Unreachable => Route::status(404),
        _ => Route::ok(
            CRL_TYPE,
            pki.crl(
                &pki.intermediate,
                &CrlSpec {
                    number: Some(BASE_NUMBER + 1),
                    delta_of: Some(BASE_NUMBER),
                    revoked: listed(matches!(
                        delta,
                        Delta::RevokesLeaf | Delta::RevokesLeafNamedByCertificate
                    )),
                    removed: listed(delta == Delta::ReleasesHeldLeaf),
                    stale: delta == Delta::Stale,
                    ..CrlSpec::default()
                },
            )?,
        ),
    })
}

const CRL_TYPE: &str = "application/pkix-crl";

/// The CRL of a CA above the issuing CA: it lists the issuing CA when the spec revokes it.
fn ca_crl(spec: &LabSpec) -> CrlSpec {
    CrlSpec {
        revoked: if spec.revoked == Revoked::Intermediate {
            vec![INTERMEDIATE_SERIAL]
        } else {
            Vec::new()
        },
        ..CrlSpec::default()
    }
}

pub(crate) fn pki_routes(
    spec: &LabSpec,
    pki: &Pki,
) -> Result<HashMap<String, Route>, rcgen::Error> {
    let root_crl = pki.crl(&pki.root, &ca_crl(spec))?;
    let issuing = shaped(
        spec,
        pki,
        CrlSpec {
            revoked: if spec.revoked == Revoked::Leaf {
                vec![LEAF_SERIAL]
            } else {
                Vec::new()
            },
            filler: match spec.crl {
                CrlFault::Large(n) => n,
                _ => 0,
            },
            stale: spec.crl == CrlFault::Stale,
            expiring: spec.crl == CrlFault::ExpiringSoon,
            wrong_key: spec.crl == CrlFault::BadSignature,
            ..CrlSpec::default()
        },
    );
    let issuing_route = match spec.crl {
        CrlFault::Stall => Route::Stall,
        CrlFault::NotFound => Route::status(404),
        CrlFault::Garbage => Route::ok(
            CRL_TYPE,
            b"<html><body>This is not the CRL you are looking for</body></html>".to_vec(),
        ),
        _ => Route::ok(CRL_TYPE, pki.crl(&pki.intermediate, &issuing)?),
    };
    let issuing_route = if spec.hostile == Hostile::MillionsCrl {
        Route::Stream(
            Response::new(200, CRL_TYPE, Vec::new()),
            millions_crl(
                &format!("wpj Lab Issuing CA ({})", spec.domain),
                MILLIONS_CRL_ENTRIES,
            ),
        )
    } else {
        issuing_route
    };
    let mut routes = HashMap::from([
        (ROOT_CRL_PATH.to_owned(), Route::ok(CRL_TYPE, root_crl)),
        (ISSUING_CRL_PATH.to_owned(), issuing_route),
        (
            ISSUING_CERT_PATH.to_owned(),
            Route::ok("application/pkix-cert", pki.intermediate.der().to_vec()),
        ),
    ]);
    if let Some(policy) = &pki.policy {
        let policy_crl = pki.crl(policy, &ca_crl(spec))?;
        routes.insert(POLICY_CRL_PATH.to_owned(), Route::ok(CRL_TYPE, policy_crl));
        routes.insert(
            POLICY_CERT_PATH.to_owned(),
            Route::ok("application/pkix-cert", policy.der().to_vec()),
        );
        routes.insert(
            POLICY_P7C_PATH.to_owned(),
            Route::ok(
                "application/pkcs7-mime",
                certs_only_p7c(&[policy.der(), pki.root.der()]),
            ),
        );
    }
    routes.insert(
        OTHER_ROOT_CRL_PATH.to_owned(),
        Route::ok(CRL_TYPE, pki.crl(&pki.other_root, &CrlSpec::default())?),
    );
    if let CrlForm::Delta(delta) = spec.crl_form {
        routes.insert(ISSUING_DELTA_CRL_PATH.to_owned(), delta_route(delta, pki)?);
    }
    if spec.hostile == Hostile::CrlFlood {
        for n in 0..CRL_FLOOD_URLS {
            routes.insert(
                flood_crl_path(n),
                Route::Stream(
                    Response::new(200, CRL_TYPE, Vec::new()),
                    flood_crl(CRL_FLOOD_LEN),
                ),
            );
        }
    }
    Ok(routes)
}
