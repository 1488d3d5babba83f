//! A moto server on a free loopback port, and driftscan runs isolated from any real AWS
//! configuration. Nothing here reaches beyond 127.0.0.1.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Run, repo};

pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn venv_bin() -> Option<PathBuf> {
    let python =
        std::env::var("DRIFTSCAN_PYTHON").map(PathBuf::from).unwrap_or_else(|_| repo().join(".venv/bin/python"));
    let bin = python.parent()?.to_path_buf();
    if bin.join("moto_server").exists() {
        Some(bin)
    } else {
        assert!(
            std::env::var_os("DRIFTSCAN_REQUIRE_TOOLS").is_none(),
            "moto_server not found next to {}",
            python.display()
        );
        eprintln!("skipped: no moto_server in {} (run `make venv`)", bin.display());
        None
    }
}

/// moto's server through fixtures/moto/server.py, which fixes the EC2 reads moto 5.2.5 lacks or gets wrong.
pub fn start_moto(bin: &Path) -> Moto {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(bin.join("python"))
        .arg(repo().join("fixtures/moto/server.py"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not listen on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto { child, url: format!("http://127.0.0.1:{port}") }
}

pub fn seed(bin: &Path, moto: &Moto, phase: &str) {
    seed_with(bin, moto, &[phase]);
}

/// Runs fixtures/moto/seed.py with `args` (a phase and its options); what it printed.
pub fn seed_with(bin: &Path, moto: &Moto, args: &[&str]) -> String {
    let out = Command::new(bin.join("python"))
        .arg(repo().join("fixtures/moto/seed.py"))
        .args(["--endpoint", &moto.url])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "seeding {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Runs driftscan against the emulator, isolated from any real AWS configuration.
pub fn live(tmp: &Path, args: &[&str]) -> Run {
    live_with_env(tmp, args, &[])
}

/// `live`, with extra environment variables on top of the isolated ones.
pub fn live_with_env(tmp: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_driftscan"))
        .args(args)
        .current_dir(tmp)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", tmp)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", tmp.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", tmp.join("no-aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .envs(extra_env.iter().copied())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}
