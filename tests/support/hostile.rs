//! Hostile servers over real TLS on 127.0.0.1, speaking raw HTTP/1.1 so they can break the rules
//! a real server library would not let them break: endless and huge bodies, a gzip bomb, a
//! 1 MiB header, an answer cut off in the middle. And a runner that starts the built binary
//! under a memory limit (`prlimit --as`), so a regression fails fast instead of swapping.

use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::bin::{Output, start};
use super::certs::Leaf;
use super::home::Home;
use super::servers::{Alpn, Server, accept_loop, tls_acceptor};

/// The address space the binary may use in these tests. A normal run stays far below (tokio's
/// threads and glibc's arenas reserve much address space, but touch little of it); reading a
/// hostile body whole would pass it within a second.
pub const MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;

/// How a hostile server answers every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hostile {
    /// `200 application/json`, chunked, never ending (as fast as the client reads).
    EndlessBody,
    /// `200 application/json` with `Content-Length` of `bytes`, all sent.
    HugeBody { bytes: usize },
    /// The same, but no `Content-Length`: the body ends when the connection closes.
    HugeBodyUntilClose { bytes: usize },
    /// `200 application/json`, `Content-Encoding: gzip`: a small body that inflates to 512 MiB.
    GzipBomb,
    /// A valid status line, then one header 1 MiB long.
    HugeHeader,
    /// `Content-Length: 4096`, 40 bytes of JSON, then the connection closes.
    CloseMidBody,
    /// Half a status line and header, then the connection closes.
    CloseMidHead,
    /// `200 application/json`, chunked, one byte every 100 ms for ever: never too large, never
    /// idle long enough for a read timeout; only a deadline on the whole call ends it.
    SlowDrip,
    /// The request read, then the connection dropped without a word (no TLS close_notify).
    CloseWithoutNotify,
}

/// 512 MiB of zeros as gzip, about 530 KiB (under the 1 MiB cap, so only decoding could hurt):
/// 512 copies of one gzip member holding 1 MiB of zeros
/// (made by the system gzip; RFC 1952 members may follow each other, `gzip -d` inflates all).
pub fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let out = Command::new("sh")
            .args(["-c", "head -c 1048576 /dev/zero | gzip -9 -n -c"])
            .output()
            .expect("run gzip");
        assert!(
            out.status.success() && out.stdout.len() > 100,
            "gzip failed"
        );
        out.stdout.repeat(512)
    })
}

/// An HTTPS server (HTTP/1.1 only) presenting `leaf` that answers every request as `how` says.
pub fn serve(leaf: &Leaf, how: Hostile) -> Server {
    let acceptor = tls_acceptor(leaf, Alpn::Http1);
    let how = Arc::new(how);
    if *how == Hostile::GzipBomb {
        gzip_bomb();
    }
    accept_loop(move |tcp| {
        let acceptor = acceptor.clone();
        let how = how.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            // Read the request head (requests here have no body).
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
                if head.len() > 64 * 1024 {
                    return;
                }
            }
            if *how == Hostile::CloseWithoutNotify {
                // Dropped, not shut down: the TCP connection ends with no close_notify.
                drop(tls);
                return;
            }
            let _ = answer(&mut tls, &how).await;
            let _ = tls.shutdown().await;
        }
    })
}

async fn answer<W: tokio::io::AsyncWrite + Unpin>(w: &mut W, how: &Hostile) -> std::io::Result<()> {
    const JSON: &str = "Content-Type: application/json\r\nConnection: close\r\n";
    match how {
        Hostile::EndlessBody => {
            let head = format!("HTTP/1.1 200 OK\r\n{JSON}Transfer-Encoding: chunked\r\n\r\n");
            w.write_all(head.as_bytes()).await?;
            let piece = format!("[{}", "\"aaaaaaaaaaaaaaaa\",".repeat(3000));
            let chunk = format!("{:x}\r\n{piece}\r\n", piece.len());
            loop {
                w.write_all(chunk.as_bytes()).await?;
            }
        }
        Hostile::HugeBody { bytes } | Hostile::HugeBodyUntilClose { bytes } => {
            let length = match how {
                Hostile::HugeBody { .. } => format!("Content-Length: {bytes}\r\n"),
                _ => String::new(),
            };
            let head = format!("HTTP/1.1 200 OK\r\n{JSON}{length}\r\n");
            w.write_all(head.as_bytes()).await?;
            let block = vec![b' '; 64 * 1024];
            let mut left = *bytes;
            while left > 0 {
                let n = left.min(block.len());
                w.write_all(&block[..n]).await?;
                left -= n;
            }
        }
        Hostile::GzipBomb => {
            let bomb = gzip_bomb();
            let head = format!(
                "HTTP/1.1 200 OK\r\n{JSON}Content-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                bomb.len()
            );
            w.write_all(head.as_bytes()).await?;
            w.write_all(bomb).await?;
        }
        Hostile::HugeHeader => {
            let pad = "a".repeat(1024 * 1024);
            let head =
                format!("HTTP/1.1 200 OK\r\n{JSON}X-Pad: {pad}\r\nContent-Length: 2\r\n\r\n{{}}");
            w.write_all(head.as_bytes()).await?;
        }
        Hostile::SlowDrip => {
            let head = format!("HTTP/1.1 200 OK\r\n{JSON}Transfer-Encoding: chunked\r\n\r\n");
            w.write_all(head.as_bytes()).await?;
            loop {
                w.write_all(b"1\r\n \r\n").await?;
                w.flush().await?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Hostile::CloseMidHead => {
            w.write_all(b"HTTP/1.1 200 OK\r\nContent-Ty").await?;
        }
        Hostile::CloseWithoutNotify => {}
        Hostile::CloseMidBody => {
            let head = format!("HTTP/1.1 200 OK\r\n{JSON}Content-Length: 4096\r\n\r\n");
            w.write_all(head.as_bytes()).await?;
            w.write_all(br#"{"id":1,"name":"cut","revoked":false,"sc"#)
                .await?;
        }
    }
    w.flush().await
}

/// `gitlab-token ARGS` in `home`, `stdin` piped in, under `prlimit --as=MEMORY_LIMIT`; returns
/// the output and how long it ran.
pub fn run_limited(home: &Home, args: &[&str], stdin: &str) -> (Output, Duration) {
    let mut command = home.command("prlimit");
    command
        .arg(format!("--as={MEMORY_LIMIT}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_gitlab-token"))
        .args(args);
    let started = Instant::now();
    let out = home.wait(start(
        command,
        stdin,
        format!("gitlab-token {args:?} (limited)"),
    ));
    (out, started.elapsed())
}

/// Output on either stream holds no escape character or other control character but newline.
pub fn assert_no_control_characters(out: &Output) {
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let bad: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(bad.is_empty(), "{name} holds {bad:?}:\n{out:?}");
    }
}

/// Fails when `elapsed` is not below `limit`.
pub fn assert_within(elapsed: Duration, limit: Duration, what: &str) {
    assert!(
        elapsed < limit,
        "{what} took {elapsed:?}, more than {limit:?}"
    );
}

/// An answer so many bytes long cannot have been read whole under the memory limit.
pub const HUGE: usize = 2 * MEMORY_LIMIT as usize;

/// `Duration` of `secs` seconds (short to write in the tests).
pub fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}
