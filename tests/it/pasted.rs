//! What admins paste from event logs and browsers is diagnosed as the UPN suffix it names.

use crate::support::{lab, run_example};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_contract_url_is_diagnosed_as_its_suffix() {
    let lab = lab("healthy-onprem").await;
    let pem = std::env::temp_dir().join(format!("wpj-pasted-{}.pem", std::process::id()));
    std::fs::write(&pem, lab.trust_root_pem()).unwrap();
    let url =
        "https://EnterpriseRegistration.contoso.test/EnrollmentServer/contract?api-version=1.0";
    let args: Vec<String> = vec![
        url.into(),
        "--dns-server".into(),
        lab.resolver().to_string(),
        "--ca-file".into(),
        pem.display().to_string(),
        "--no-system-roots".into(),
        "--port".into(),
        lab.https_port().to_string(),
        "--adfs-probe-port".into(),
        lab.probe_port().unwrap().to_string(),
        "--format".into(),
        "json".into(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run_example("diagnose", &refs)
    })
    .await
    .unwrap();
    std::fs::remove_file(&pem).ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}{stdout}");
    assert!(
        stderr.contains(
            "EnterpriseRegistration.contoso.test is the name Windows resolves for the UPN suffix contoso.test"
        ),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["target"], "contoso.test");
    let dns = &report["findings"][0];
    assert_eq!(dns["check"], "dns");
    let names: Vec<&str> = dns["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "dns")
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["enterpriseregistration.contoso.test"],
        "looked up once, not enterpriseregistration.enterpriseregistration…"
    );
}
