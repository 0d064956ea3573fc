//! What the lab's CRL/AIA host serves: the root's and the issuing CA's CRLs, and the issuing CA's
//! certificate, as the spec's revocations and CRL fault make them.

use std::collections::HashMap;

use crate::hostile::{
    CRL_FLOOD_LEN, CRL_FLOOD_URLS, Hostile, MILLIONS_CRL_ENTRIES, flood_crl, millions_crl,
};
use crate::http::Response;
use crate::pki::{
    CrlSpec, INTERMEDIATE_SERIAL, ISSUING_CERT_PATH, ISSUING_CRL_PATH, LEAF_SERIAL,
    OTHER_ROOT_CRL_PATH, POLICY_CERT_PATH, POLICY_CRL_PATH, POLICY_P7C_PATH, Pki, ROOT_CRL_PATH,
    certs_only_p7c,
};
use crate::web::Route;

use super::spec::flood_crl_path;
use super::{CrlFault, LabSpec, Revoked};

pub(crate) fn pki_routes(
    spec: &LabSpec,
    pki: &Pki,
) -> Result<HashMap<String, Route>, rcgen::Error> {
    const CRL_TYPE: &str = "application/pkix-crl";
    let root_crl = pki.crl(
        &pki.root,
        &CrlSpec {
            revoked: if spec.revoked == Revoked::Intermediate {
                vec![INTERMEDIATE_SERIAL]
            } else {
                Vec::new()
            },
            ..CrlSpec::default()
        },
    )?;
    let issuing = CrlSpec {
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
    };
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
        let policy_crl = pki.crl(
            policy,
            &CrlSpec {
                revoked: if spec.revoked == Revoked::Intermediate {
                    vec![INTERMEDIATE_SERIAL]
                } else {
                    Vec::new()
                },
                ..CrlSpec::default()
            },
        )?;
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
