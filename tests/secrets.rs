//! Nothing secret leaves driftscan, and it only ever reads: against moto (through a
//! recording proxy) the actions on the wire are all in docs/iam-policy.json, no secret
//! access key or session token reaches a snapshot or a report, key ids are masked in the
//! text, Markdown and HTML reports, and a killed run leaves the previous output intact.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::common::fault_proxy::{Fault, FaultProxy, recording};
use crate::common::moto::*;
use crate::common::*;

#[test]
fn actions_on_the_wire_are_the_documented_read_only_ones_and_no_secret_leaks() {
    let Some(bin) = venv_bin() else { return };
    let moto = start_moto(&bin);
    seed(&bin, &moto, "baseline");
    // A key whose secret we know, and a session token in the environment we run with.
    let out = Command::new(bin.join("python"))
        .args(["-c", &format!(
            "import boto3; c=boto3.client('iam',endpoint_url='{}',aws_access_key_id='t',aws_secret_access_key='t',region_name='us-east-1'); k=c.create_access_key(UserName='alice')['AccessKey']; j=c.create_access_key(UserName='alice')['AccessKey']; print(k['AccessKeyId'], k['SecretAccessKey'], j['SecretAccessKey'])",
            moto.url
        )])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [key_id, secret, second_secret] = fields[..] else { panic!("expected a key id and two secrets: {text}") };

    let actions = Arc::new(Mutex::new(Vec::new()));
    let proxy = FaultProxy::start(&moto.url, recording(actions.clone()));
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let session_token = "FwoGZXIvYXdzEXAMPLE-session-token-never-to-be-written";
    let snap = live_with_env(
        t,
        &["snapshot", "-o", "s.json", "--endpoint-url", &proxy.url, "--region", "us-east-1"],
        &[("AWS_SESSION_TOKEN", session_token)],
    );
    assert_eq!(snap.code, 0, "{}", snap.stderr);
    assert!(!snap.stderr.contains(session_token) && !snap.stdout.contains(session_token));
    let scan = live(
        t,
        &["scan", "--snapshot", "s.json", "--no-baseline", "--json", "r.json", "--sarif", "r.sarif", "-o", "r.txt"],
    );
    assert!(scan.code == 0 || scan.code == 1, "{}", scan.stderr);
    for (format, file) in [("markdown", "r.md"), ("html", "r.html")] {
        let run = live(t, &["scan", "--snapshot", "s.json", "--no-baseline", "--format", format, "-o", file]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    }

    let called: BTreeSet<String> = actions.lock().unwrap().iter().cloned().collect();
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("docs/iam-policy.json")).unwrap()).unwrap();
    let allowed: BTreeSet<String> =
        policy["Statement"][0]["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
    let undocumented: Vec<&String> = called.difference(&allowed).collect();
    assert!(undocumented.is_empty(), "called but not in docs/iam-policy.json: {undocumented:?}");
    assert!(called.len() >= 20, "the recorder saw {called:?}");

    for file in ["s.json", "r.json", "r.sarif", "r.txt", "r.md", "r.html"] {
        let content = std::fs::read_to_string(t.join(file)).unwrap();
        assert!(!content.contains(secret) && !content.contains(second_secret), "{file} contains a secret access key");
        assert!(!content.contains(session_token), "{file} contains the session token");
        for word in
            ["SecretAccessKey", "SessionToken", "secret_access_key", "session_token", "qr_code", "Base32StringSeed"]
        {
            assert!(!content.contains(word), "{file} mentions {word}");
        }
    }
    // alice now has two active keys (DS-IAM-008): the human-read reports name them, masked.
    let masked = format!("{}…{}", &key_id[..4], &key_id[key_id.len() - 4..]);
    for file in ["r.txt", "r.md", "r.html"] {
        let report = std::fs::read_to_string(t.join(file)).unwrap();
        assert!(!report.contains(key_id), "{file} shows the key id unmasked");
        assert!(report.contains(&masked), "{file} shows the masked id {masked}: {report}");
    }
}

#[test]
fn a_killed_run_leaves_the_previous_output_intact() {
    let Some(bin) = venv_bin() else { return };
    let moto = start_moto(&bin);
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(t.join("s.json"), "previous snapshot\n").unwrap();
    // Every call hangs: the run is killed while it waits, before anything is written.
    let proxy = FaultProxy::start(&moto.url, |_| Fault::Hang);
    let mut child = Command::new(env!("CARGO_BIN_EXE_driftscan"))
        .args(["snapshot", "-o", "s.json", "--endpoint-url", &proxy.url, "--region", "us-east-1"])
        .current_dir(t)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", t.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", t.join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .spawn()
        .unwrap();
    while proxy.requests.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(t.join("s.json")).unwrap(), "previous snapshot\n");
}
