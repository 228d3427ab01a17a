//! The team store's Vault client against a real OpenBao (`bao server -dev`, one per test): KV v2
//! reads and check-and-set writes, the mount checks, the errors a team meets (sealed, KV v1, no
//! mount, a policy without the capability, an expired token, unreachable, TLS), the logins a CI
//! job and a machine use (JWT with a key made here, AppRole), the Vault token obtained again when
//! it runs out, and the rotation lease raced by two machines.

#[path = "support/openbao.rs"]
mod openbao;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use base64::Engine;
use gitlab_token::vault::kv::error::Capability;
use gitlab_token::vault::kv::{Config, Kv, KvError, LeaseRecord};
use openbao::OpenBao;

type Fields = BTreeMap<String, String>;

/// The policy the README gives a team: the entries, their listing, the lease records.
const TEAM_POLICY: &str = r#"
path "secret/data/gitlab-token/*" { capabilities = ["create", "read", "update"] }
path "secret/metadata/gitlab-token/*" { capabilities = ["list", "read", "delete"] }
path "secret/metadata/gitlab-token" { capabilities = ["list"] }
"#;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn kv(server: &OpenBao, vars: &[(&str, &str)]) -> Kv {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert("VAULT_ADDR".into(), server.addr.clone());
    if let Some(ca) = &server.ca_file {
        map.entry("VAULT_CACERT".into())
            .or_insert(ca.display().to_string());
    }
    let mut config = Config::from_env(&|k| map.get(k).cloned(), None).expect("config");
    config.timeout = Duration::from_secs(5);
    Kv::new(config).expect("client")
}

fn root(server: &OpenBao) -> Kv {
    kv(server, &[("VAULT_TOKEN", openbao::ROOT)])
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn read_write_with_check_and_set_list_and_delete() {
    let bao = OpenBao::start();
    let kv = root(&bao);
    rt().block_on(async {
        kv.check_mount().await.expect("secret/ is KV v2");
        let path = "gitlab-token/gitlab.example/deploy";
        assert_eq!(kv.read::<Fields>(path).await.unwrap(), None);
        let v1 = kv
            .write(path, &fields(&[("token", "glpat-one")]), 0)
            .await
            .unwrap();
        assert_eq!(v1, 1);
        // A second "create only" loses: someone else made it first.
        let again = kv.write(path, &fields(&[("token", "glpat-two")]), 0).await;
        assert!(
            matches!(again, Err(KvError::CasConflict { .. })),
            "{again:?}"
        );
        assert_eq!(
            kv.write(path, &fields(&[("token", "glpat-two")]), 1)
                .await
                .unwrap(),
            2
        );
        let stale = kv.write(path, &fields(&[("token", "glpat-old")]), 1).await;
        assert!(
            matches!(stale, Err(KvError::CasConflict { .. })),
            "{stale:?}"
        );
        let read = kv.read::<Fields>(path).await.unwrap().unwrap();
        assert_eq!(
            (read.version, read.data["token"].as_str()),
            (2, "glpat-two")
        );
        kv.write("gitlab-token/gitlab.example/ci", &fields(&[("t", "x")]), 0)
            .await
            .unwrap();
        assert_eq!(kv.list("gitlab-token").await.unwrap(), ["gitlab.example/"]);
        let mut names = kv.list("gitlab-token/gitlab.example/").await.unwrap();
        names.sort();
        assert_eq!(names, ["ci", "deploy"]);
        assert!(kv.list("gitlab-token/nothing").await.unwrap().is_empty());
        kv.delete(path).await.unwrap();
        assert_eq!(kv.read::<Fields>(path).await.unwrap(), None);
    });
}

#[test]
fn a_kv_v1_mount_a_missing_mount_and_a_sealed_vault_are_told_apart() {
    let bao = OpenBao::start();
    let (s, b) = bao.api(
        "POST",
        "sys/mounts/kv1",
        Some(r#"{"type":"kv","options":{"version":"1"}}"#),
    );
    assert!(s < 300, "{s} {b}");
    let (s, b) = bao.api("POST", "sys/mounts/transit", Some(r#"{"type":"transit"}"#));
    assert!(s < 300, "{s} {b}");
    let on = |mount: &str| {
        kv(
            &bao,
            &[
                ("VAULT_TOKEN", openbao::ROOT),
                ("GITLAB_TOKEN_VAULT_MOUNT", mount),
            ],
        )
    };
    rt().block_on(async {
        assert_eq!(
            on("kv1").check_mount().await,
            Err(KvError::KvV1 {
                mount: "kv1".into()
            })
        );
        assert_eq!(
            on("nothing-here").check_mount().await,
            Err(KvError::MissingMount {
                mount: "nothing-here".into()
            })
        );
        assert!(matches!(
            on("transit").check_mount().await,
            Err(KvError::NotKv { ref kind, .. }) if kind == "transit"
        ));
        // Without the check, a read on a missing mount still says so.
        assert_eq!(
            on("nothing-here").read::<Fields>("gitlab-token/x").await,
            Err(KvError::MissingMount {
                mount: "nothing-here".into()
            })
        );
    });
    let (s, _) = bao.api("PUT", "sys/seal", None);
    assert!(s < 300);
    let sealed = rt().block_on(root(&bao).read::<Fields>("gitlab-token/x"));
    assert!(matches!(sealed, Err(KvError::Sealed { .. })), "{sealed:?}");
}

#[test]
fn a_policy_without_the_capability_names_the_path_and_an_expired_token_says_so() {
    let bao = OpenBao::start();
    let read_only = bao.token_with_policy(
        "read-only",
        r#"path "secret/data/gitlab-token/*" { capabilities = ["read"] }"#,
        "1h",
    );
    let kv_ro = kv(&bao, &[("VAULT_TOKEN", &read_only)]);
    let short = bao.token_with_policy("team", TEAM_POLICY, "1s");
    let kv_short = kv(&bao, &[("VAULT_TOKEN", &short)]);
    rt().block_on(async {
        assert_eq!(kv_ro.read::<Fields>("gitlab-token/h/n").await, Ok(None));
        assert_eq!(
            kv_ro
                .write("gitlab-token/h/n", &fields(&[("t", "x")]), 0)
                .await,
            Err(KvError::PermissionDenied {
                path: "secret/data/gitlab-token/h/n".into(),
                capability: Capability::Create,
            })
        );
        assert_eq!(
            kv_ro.list("gitlab-token").await,
            Err(KvError::PermissionDenied {
                path: "secret/metadata/gitlab-token".into(),
                capability: Capability::List,
            })
        );
        tokio::time::sleep(Duration::from_millis(2200)).await;
        assert_eq!(
            kv_short.read::<Fields>("gitlab-token/h/n").await,
            Err(KvError::TokenInvalid { method: "token" })
        );
    });
}

#[test]
fn unreachable_and_untrusted_servers_are_errors_not_hangs() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let map: HashMap<&str, String> = [
        ("VAULT_ADDR", format!("http://127.0.0.1:{port}")),
        ("VAULT_TOKEN", "t".into()),
    ]
    .into();
    let config = Config::from_env(&|k| map.get(k).cloned(), None).unwrap();
    let gone = rt().block_on(Kv::new(config).unwrap().read::<Fields>("gitlab-token/x"));
    assert!(matches!(gone, Err(KvError::Unreachable { .. })), "{gone:?}");

    let bao = OpenBao::start_tls();
    let trusted = kv(&bao, &[("VAULT_TOKEN", openbao::ROOT)]);
    rt().block_on(trusted.check_mount())
        .expect("VAULT_CACERT is trusted");
    let elsewhere = tempfile::NamedTempFile::new().unwrap();
    let other_ca = rcgen::generate_simple_self_signed(vec!["other".into()]).unwrap();
    std::fs::write(elsewhere.path(), other_ca.cert.pem()).unwrap();
    let untrusted = kv(
        &bao,
        &[
            ("VAULT_TOKEN", openbao::ROOT),
            ("VAULT_CACERT", &elsewhere.path().display().to_string()),
        ],
    );
    let refused = rt().block_on(untrusted.check_mount());
    assert!(
        matches!(refused, Err(KvError::Unreachable { .. })),
        "{refused:?}"
    );
}

/// An ES256 key, its public PEM, and a signer of GitLab-CI-like id tokens.
struct Issuer {
    pair: ring::signature::EcdsaKeyPair,
    public_pem: String,
}

impl Issuer {
    fn new() -> Issuer {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &key.serialize_der(),
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
        Issuer {
            pair,
            public_pem: key.public_key_pem(),
        }
    }

    fn id_token(&self, sub: &str) -> String {
        let b64 = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let head = b64(&serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": "test"}));
        let body = b64(&serde_json::json!({
            "iss": "https://gitlab.example", "aud": "https://bao.test", "sub": sub,
            "iat": now, "nbf": now - 5, "exp": now + 3600,
            "project_path": "acme/infra", "ref": "main",
        }));
        let signing_input = format!("{head}.{body}");
        let sig = self
            .pair
            .sign(&ring::rand::SystemRandom::new(), signing_input.as_bytes())
            .unwrap();
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig.as_ref());
        format!("{signing_input}.{sig}")
    }
}

fn set_up_jwt(bao: &OpenBao, issuer: &Issuer, token_ttl: &str) {
    let post = |path: &str, body: serde_json::Value| {
        let (s, b) = bao.api("POST", path, Some(&body.to_string()));
        assert!(s < 300, "{path}: {s} {b}");
    };
    let (s, b) = bao.api(
        "PUT",
        "sys/policies/acl/team",
        Some(&serde_json::json!({"policy": TEAM_POLICY}).to_string()),
    );
    assert!(s < 300, "{s} {b}");
    post("sys/auth/jwt", serde_json::json!({"type": "jwt"}));
    post(
        "auth/jwt/config",
        serde_json::json!({"jwt_validation_pubkeys": [issuer.public_pem], "bound_issuer": "https://gitlab.example"}),
    );
    post(
        "auth/jwt/role/rotate",
        serde_json::json!({
            "role_type": "jwt", "bound_audiences": ["https://bao.test"], "user_claim": "sub",
            "bound_claims": {"project_path": "acme/infra"},
            "token_policies": ["team"], "token_ttl": token_ttl, "token_max_ttl": token_ttl,
        }),
    );
}

#[test]
fn a_ci_job_logs_in_with_its_id_token_and_again_when_the_vault_token_runs_out() {
    let bao = OpenBao::start();
    let issuer = Issuer::new();
    set_up_jwt(&bao, &issuer, "3s");
    let jwt = issuer.id_token("project_path:acme/infra:ref_type:branch:ref:main");
    let ci = kv(
        &bao,
        &[("VAULT_AUTH_ROLE", "rotate"), ("VAULT_ID_TOKEN", &jwt)],
    );
    let forged = Issuer::new().id_token("project_path:acme/infra:ref_type:branch:ref:main");
    let impostor = kv(
        &bao,
        &[("VAULT_AUTH_ROLE", "rotate"), ("VAULT_ID_TOKEN", &forged)],
    );
    rt().block_on(async {
        let v = ci
            .write("gitlab-token/h/n", &fields(&[("t", "1")]), 0)
            .await
            .unwrap();
        assert_eq!(v, 1);
        // The Vault token lives 3 s (not renewable past its max): the next call logs in again.
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let read = ci
            .read::<Fields>("gitlab-token/h/n")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.data["t"], "1");
        let refused = impostor.read::<Fields>("gitlab-token/h/n").await;
        assert!(
            matches!(
                refused,
                Err(KvError::LoginFailed {
                    method: "jwt",
                    status: 400,
                    ..
                })
            ),
            "{refused:?}"
        );
    });
}

#[test]
fn a_machine_logs_in_by_approle() {
    let bao = OpenBao::start();
    let (s, _) = bao.api(
        "PUT",
        "sys/policies/acl/team",
        Some(&serde_json::json!({"policy": TEAM_POLICY}).to_string()),
    );
    assert!(s < 300);
    assert!(
        bao.api("POST", "sys/auth/approle", Some(r#"{"type":"approle"}"#))
            .0
            < 300
    );
    assert!(
        bao.api(
            "POST",
            "auth/approle/role/laptop",
            Some(r#"{"token_policies":["team"]}"#)
        )
        .0 < 300
    );
    let (_, b) = bao.api("GET", "auth/approle/role/laptop/role-id", None);
    let role_id = serde_json::from_str::<serde_json::Value>(&b).unwrap()["data"]["role_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, b) = bao.api("POST", "auth/approle/role/laptop/secret-id", Some("{}"));
    let secret_id = serde_json::from_str::<serde_json::Value>(&b).unwrap()["data"]["secret_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let machine = kv(
        &bao,
        &[("VAULT_ROLE_ID", &role_id), ("VAULT_SECRET_ID", &secret_id)],
    );
    let wrong = kv(
        &bao,
        &[("VAULT_ROLE_ID", &role_id), ("VAULT_SECRET_ID", "not-it")],
    );
    rt().block_on(async {
        assert_eq!(
            machine
                .write("gitlab-token/h/n", &fields(&[("t", "1")]), 0)
                .await,
            Ok(1)
        );
        let refused = wrong.read::<Fields>("gitlab-token/h/n").await;
        assert!(
            matches!(
                refused,
                Err(KvError::LoginFailed {
                    method: "approle",
                    ..
                })
            ),
            "{refused:?}"
        );
    });
}

#[test]
fn two_machines_racing_for_the_lease_get_exactly_one_and_a_dead_holder_leaves_its_journal() {
    let bao = OpenBao::start();
    let (a, b) = (root(&bao), root(&bao));
    let path = "gitlab-token/_lease/gitlab.example/deploy";
    let ttl = Duration::from_secs(60);
    rt().block_on(async {
        for round in 0..5 {
            let now = 1_000 + round * 1_000;
            let (ra, rb) = tokio::join!(
                a.take_lease(path, "machine-a", ttl, now),
                b.take_lease(path, "machine-b", ttl, now)
            );
            let won = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
            assert_eq!(won, 1, "round {round}: {ra:?} {rb:?}");
            let (lease, loser) = match (ra, rb) {
                (Ok(l), Err(e)) | (Err(e), Ok(l)) => (l, e),
                other => panic!("{other:?}"),
            };
            assert!(
                matches!(&loser, KvError::LeaseHeld { owner, until, .. } if *owner == lease.record.owner && *until == now + 60),
                "{loser:?}"
            );
            if round < 4 {
                a.release(lease).await.unwrap();
            } else {
                // The holder records a step, then dies without releasing.
                let mut lease = lease;
                a.record(&mut lease, serde_json::json!({"step": "asked-gitlab"}), ttl, now)
                    .await
                    .unwrap();
            }
        }
        // Before it runs out nobody else takes it; after, the next taker inherits the journal.
        let early = b.take_lease(path, "machine-c", ttl, 5_030).await;
        assert!(matches!(early, Err(KvError::LeaseHeld { .. })), "{early:?}");
        let late = b.take_lease(path, "machine-c", ttl, 5_061).await.unwrap();
        let previous: LeaseRecord = late.previous.clone().expect("the dead holder's record");
        assert_eq!(previous.journal["step"], "asked-gitlab");
        assert_eq!(late.record.journal["step"], "asked-gitlab", "the journal stays until finished");
        // The dead holder, back, cannot write over the lease it lost.
        let mut stale = late.clone();
        stale.version -= 1;
        stale.record.owner = previous.owner;
        let lost = a.record(&mut stale, serde_json::Value::Null, ttl, 5_062).await;
        assert!(matches!(lost, Err(KvError::LeaseHeld { ref owner, .. }) if owner == "machine-c"), "{lost:?}");
        b.release(late).await.unwrap();
        let free = a.take_lease(path, "machine-a", ttl, 5_063).await.unwrap();
        assert_eq!(free.previous, None, "a released lease carries no journal");
    });
}
