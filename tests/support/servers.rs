//! Servers on 127.0.0.1 for the network tests: a generic HTTPS responder (used by the fake
//! GitLab), and the misbehaving kinds the probe must explain.
//!
//! Every server runs on one process-wide background runtime, so the same server works from a
//! plain `#[test]` (that runs the binary and blocks) and from a `#[tokio::test]`. Each listener is
//! bound before the constructor returns, so a client may connect at once: the kernel queues the
//! connection until the accept loop takes it.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::HeaderMap;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use super::certs::Leaf;

/// The runtime all test servers run on (two worker threads, never shut down).
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-server")
            .enable_all()
            .build()
            .expect("start the test servers' runtime")
    })
}

/// A running server; dropping it stops accepting and closes its connections.
pub struct Server {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://localhost:PORT`.
    pub fn https_url(&self) -> String {
        format!("https://localhost:{}", self.port())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn bind() -> std::net::TcpListener {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    listener
}

/// Accepts connections on 127.0.0.1 and runs `per_connection` for each on the background runtime.
pub fn accept_loop<F, Fut>(per_connection: F) -> Server
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = bind();
    let addr = listener.local_addr().expect("local address");
    let task = runtime().spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        // Owned here, so aborting the loop also ends every connection.
        let mut connections = JoinSet::new();
        loop {
            if let Ok((stream, _)) = listener.accept().await {
                // As nginx does (tcp_nodelay on): replies are not held back waiting for ACKs.
                let _ = stream.set_nodelay(true);
                connections.spawn(per_connection(stream));
            }
            while connections.try_join_next().is_some() {}
        }
    });
    Server { addr, task }
}

/// An HTTP request as the handlers see it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    /// The request body (at most [`MAX_REQUEST_BODY`]; empty when larger or unreadable).
    pub body: Bytes,
}

/// The most of a request body the test servers read.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

impl Req {
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The value of query parameter `name` (no percent-decoding: the values used are plain).
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| v.to_owned())
        })
    }
}

pub type Reply = Response<Full<Bytes>>;
pub type Handler = Arc<dyn Fn(Req) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// A response with `status`, `headers` and `body`.
pub fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
    let mut builder =
        Response::builder().status(StatusCode::from_u16(status).expect("valid status"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Full::new(body.into()))
        .expect("valid response")
}

/// The HTTP versions a server offers in the TLS handshake (ALPN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alpn {
    /// `http/1.1` only.
    Http1,
    /// `h2` and `http/1.1`, as GitLab's bundled nginx offers by default.
    H2AndHttp1,
}

/// The TLS side of a server presenting `leaf` (ring, TLS 1.2 and 1.3).
pub fn tls_acceptor(leaf: &Leaf, alpn: Alpn) -> TlsAcceptor {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default versions")
    .with_no_client_auth()
    .with_single_cert(leaf.chain.clone(), leaf.key())
    .expect("the key matches the certificate");
    config.alpn_protocols = match alpn {
        Alpn::Http1 => vec![b"http/1.1".to_vec()],
        Alpn::H2AndHttp1 => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
    };
    TlsAcceptor::from(Arc::new(config))
}

/// Serves HTTP/1.1 (or HTTP/2 when `h2`) on `io` with `handler` until the client closes the connection.
pub async fn serve_http<S>(io: S, handler: Handler, h2: bool)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let handler = handler.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = http_body_util::BodyExt::collect(http_body_util::Limited::new(
                body,
                MAX_REQUEST_BODY,
            ))
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
            let req = Req {
                method: parts.method,
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().map(str::to_owned),
                headers: parts.headers,
                body,
            };
            Ok::<_, Infallible>(handler(req).await)
        }
    });
    if h2 {
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(io), service)
            .await;
    } else {
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(io), service)
            .await;
    }
}

/// An HTTPS server (HTTP/1.1 only) presenting `leaf` and answering every request with `handler`.
pub fn https(leaf: &Leaf, handler: Handler) -> Server {
    https_with(leaf, Alpn::Http1, handler)
}

/// An HTTPS server offering `alpn`, speaking whichever version the client picked.
pub fn https_with(leaf: &Leaf, alpn: Alpn, handler: Handler) -> Server {
    let acceptor = tls_acceptor(leaf, alpn);
    accept_loop(move |tcp| {
        let acceptor = acceptor.clone();
        let handler = handler.clone();
        async move {
            if let Ok(tls) = acceptor.accept(tcp).await {
                let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2".as_slice());
                serve_http(tls, handler, h2).await;
            }
        }
    })
}

/// Wraps a synchronous responder as a [`Handler`].
pub fn handler(f: impl Fn(Req) -> Reply + Send + Sync + 'static) -> Handler {
    let f = Arc::new(f);
    Arc::new(move |req| {
        let f = f.clone();
        Box::pin(async move { f(req) })
    })
}

/// nginx's 404 page.
pub const NGINX_404: &str = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n";

/// A web server that is not GitLab: nginx's 404 HTML page for every path.
pub fn not_gitlab(leaf: &Leaf) -> Server {
    https(
        leaf,
        handler(|_| {
            reply(
                404,
                &[("content-type", "text/html"), ("server", "nginx/1.24.0")],
                NGINX_404,
            )
        }),
    )
}

/// Redirects every request to the same path and query on `target` (e.g. `https://gitlab.example.com`).
pub fn redirect_to(leaf: &Leaf, target: &str) -> Server {
    let target = target.trim_end_matches('/').to_owned();
    https(
        leaf,
        handler(move |req| {
            let location = format!("{target}{}", req.path_and_query());
            reply(
                302,
                &[
                    ("location", location.as_str()),
                    ("content-type", "text/html; charset=utf-8"),
                ],
                "<html><body>You are being <a href=\"\">redirected</a>.</body></html>",
            )
        }),
    )
}

/// Accepts TCP connections and never sends a byte (a black hole behind a firewall or a hung server).
pub fn silent() -> Server {
    accept_loop(|stream| async move {
        let _held_open = stream;
        std::future::pending::<()>().await;
    })
}

/// A plain-HTTP server: answers whatever arrives (a TLS ClientHello included) with nginx's 400 page.
pub fn plain_http() -> Server {
    accept_loop(|mut stream| async move {
        let mut buffer = [0u8; 2048];
        if stream.read(&mut buffer).await.unwrap_or(0) == 0 {
            return;
        }
        let body = "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n";
        let answer = format!(
            "HTTP/1.1 400 Bad Request\r\nServer: nginx/1.24.0\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}
