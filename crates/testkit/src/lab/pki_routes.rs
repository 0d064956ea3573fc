//! What the lab's CRL/AIA host serves: the root's and the issuing CA's CRLs, and the issuing CA's
//! certificate, as the spec's revocations and CRL fault make them.

use std::collections::HashMap;

use crate::pki::{
    CrlSpec, INTERMEDIATE_SERIAL, ISSUING_CERT_PATH, ISSUING_CRL_PATH, LEAF_SERIAL, Pki,
    ROOT_CRL_PATH,
};
use crate::web::Route;

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
    Ok(HashMap::from([
        (ROOT_CRL_PATH.to_owned(), Route::ok(CRL_TYPE, root_crl)),
        (ISSUING_CRL_PATH.to_owned(), issuing_route),
        (
            ISSUING_CERT_PATH.to_owned(),
            Route::ok("application/pkix-cert", pki.intermediate.der().to_vec()),
        ),
    ]))
}
