//! A fault-injecting vendor server: answers like a healthy vendor (the vendor's demo
//! API, see `simulated.rs`) until told to misbehave in one of the ways real vendor APIs
//! and the networks in front of them do, at the HTTP or the TCP level.
//!
//! Plain blocking sockets, one thread per connection, `Connection: close` on every
//! answer, so each request is one connection and every fault is exact.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{MockResponse, Recorded};

/// A healthy vendor's answer to a request.
pub type Good = Arc<dyn Fn(&Recorded) -> MockResponse + Send + Sync>;
/// Rewrites a healthy answer (duplicated or reordered records, a clock ahead).
pub type Rewrite = Arc<dyn Fn(&Recorded, MockResponse) -> MockResponse + Send + Sync>;

/// How the server behaves.
#[derive(Clone)]
pub enum Fault {
    /// Like the vendor.
    Good,
    /// This status with a short body, and `Retry-After` when given.
    Status(u16, Option<&'static str>),
    /// Nothing listens on the port.
    Refused,
    /// The connection is reset (RST) once the request arrived.
    Reset,
    /// The request is read and never answered.
    Hang,
    /// The healthy answer, its body sent a byte at a time over two seconds.
    Trickle,
    /// The healthy answer with a `Content-Length` 1000 bytes larger than what is sent.
    Truncated,
    /// 200 with this body.
    Body(&'static str, Vec<u8>),
    /// 200 with a chunked body that never ends (until 256 MiB).
    Endless,
    /// 200 with `Content-Length: 1 GiB`, then the body streamed as in `Endless`.
    HugeDeclared,
    /// The healthy answer, rewritten.
    Rewrite(Rewrite),
}

/// What the server saw of one connection.
#[derive(Debug, Clone)]
pub struct Served {
    /// When the request had been read.
    pub at: Instant,
    /// The request (empty for `Reset`, which does not read it).
    pub path: String,
    /// Status sent (0 when none was).
    pub status: u16,
    /// The request's `Authorization` header.
    pub auth: Option<String>,
}

/// A running fault server.
pub struct FaultServer {
    /// Where it listens (kept across `Refused`).
    pub addr: SocketAddr,
    fault: Arc<Mutex<Fault>>,
    /// Every connection served, in order.
    pub served: Arc<Mutex<Vec<Served>>>,
    /// Body bytes written by the last `Endless`/`HugeDeclared` answer.
    pub endless_sent: Arc<AtomicU64>,
    /// Whether the client closed the last `Endless`/`HugeDeclared` answer early.
    pub endless_aborted: Arc<AtomicBool>,
    /// Most requests in flight at once (read, not yet answered). A connection the
    /// client opens without sending on it (a spare connect of its pool, or one the
    /// accept loop is woken with) is not a request.
    pub max_concurrent: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FaultServer {
    /// Starts a server answering with `good` until [`FaultServer::set`] says otherwise.
    pub fn start(good: Good) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fault server");
        let addr = listener.local_addr().expect("addr");
        let fault = Arc::new(Mutex::new(Fault::Good));
        let served = Arc::new(Mutex::new(Vec::new()));
        let endless_sent = Arc::new(AtomicU64::new(0));
        let endless_aborted = Arc::new(AtomicBool::new(false));
        let max_concurrent = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let server = FaultServer {
            addr,
            fault: fault.clone(),
            served: served.clone(),
            endless_sent: endless_sent.clone(),
            endless_aborted: endless_aborted.clone(),
            max_concurrent: max_concurrent.clone(),
            stop: stop.clone(),
        };
        let open = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            // Blocking accept; `set(Refused)` and drop wake it with a connection of
            // their own. While refused, nothing listens on the port.
            let mut listener = Some(listener);
            while !stop.load(Ordering::Relaxed) {
                let refused = matches!(*fault.lock().unwrap(), Fault::Refused);
                if refused {
                    listener = None;
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let l = match &listener {
                    Some(l) => l,
                    None => match TcpListener::bind(addr) {
                        Ok(l) => listener.insert(l),
                        Err(_) => {
                            std::thread::sleep(Duration::from_millis(20));
                            continue;
                        }
                    },
                };
                let Ok((stream, _)) = l.accept() else {
                    continue;
                };
                let f = fault.lock().unwrap().clone();
                if stop.load(Ordering::Relaxed) || matches!(f, Fault::Refused) {
                    continue;
                }
                let ctx = Conn {
                    good: good.clone(),
                    served: served.clone(),
                    endless_sent: endless_sent.clone(),
                    endless_aborted: endless_aborted.clone(),
                    open: open.clone(),
                    max_concurrent: max_concurrent.clone(),
                    started: AtomicBool::new(false),
                    finished: AtomicBool::new(false),
                };
                std::thread::spawn(move || {
                    ctx.handle(stream, f);
                    ctx.finish();
                });
            }
        });
        server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes the behaviour for new connections.
    pub fn set(&self, f: Fault) {
        let refuse = matches!(f, Fault::Refused);
        *self.fault.lock().unwrap() = f;
        if refuse {
            self.wake();
        }
    }

    /// Wakes the accept loop (to stop listening, or to exit).
    fn wake(&self) {
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }

    /// Connections served so far.
    pub fn served(&self) -> Vec<Served> {
        self.served.lock().unwrap().clone()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake();
    }
}

struct Conn {
    good: Good,
    served: Arc<Mutex<Vec<Served>>>,
    endless_sent: Arc<AtomicU64>,
    endless_aborted: Arc<AtomicBool>,
    open: Arc<AtomicUsize>,
    max_concurrent: Arc<AtomicUsize>,
    started: AtomicBool,
    finished: AtomicBool,
}

impl Conn {
    /// A request has arrived: in flight until [`Conn::finish`].
    fn begin(&self) {
        if !self.started.swap(true, Ordering::SeqCst) {
            let now_open = self.open.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_concurrent.fetch_max(now_open, Ordering::SeqCst);
        }
    }

    /// The request is answered (a complete answer is about to be written; the client
    /// may send its next request as soon as it has it): no longer in flight.
    fn finish(&self) {
        if self.started.load(Ordering::SeqCst) && !self.finished.swap(true, Ordering::SeqCst) {
            self.open.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn record(&self, req: Option<&Recorded>, status: u16) {
        self.served.lock().unwrap().push(Served {
            at: Instant::now(),
            path: req.map(|r| r.path.clone()).unwrap_or_default(),
            status,
            auth: req.and_then(|r| r.headers.get("authorization").cloned()),
        });
    }

    fn handle(&self, mut s: TcpStream, fault: Fault) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        if let Fault::Reset = fault {
            // Closing a socket with unread data in its receive buffer sends RST.
            let mut b = [0u8; 1];
            if matches!(s.peek(&mut b), Ok(n) if n > 0) {
                self.begin();
            }
            std::thread::sleep(Duration::from_millis(10));
            self.record(None, 0);
            drop(s);
            return;
        }
        let Some(req) = read_request(&mut s) else {
            return;
        };
        self.begin();
        let head = |status: u16, extra: &str| {
            format!(
                "HTTP/1.1 {status} {}\r\nConnection: close\r\n{extra}\r\n",
                reason(status)
            )
        };
        let send = |s: &mut TcpStream, r: &MockResponse| {
            let mut extra = format!("Content-Length: {}\r\n", r.body.len());
            for (k, v) in &r.headers {
                extra.push_str(&format!("{k}: {v}\r\n"));
            }
            let mut bytes = head(r.status, &extra).into_bytes();
            bytes.extend_from_slice(&r.body);
            self.finish();
            let _ = s.write_all(&bytes);
        };
        match fault {
            Fault::Good => {
                let r = (self.good)(&req);
                self.record(Some(&req), r.status);
                send(&mut s, &r);
            }
            Fault::Rewrite(f) => {
                let r = f(&req, (self.good)(&req));
                self.record(Some(&req), r.status);
                send(&mut s, &r);
            }
            Fault::Status(code, retry_after) => {
                self.record(Some(&req), code);
                let mut r = MockResponse::status(code, format!("error {code}"));
                if let Some(ra) = retry_after {
                    r.headers.push(("Retry-After".into(), ra.into()));
                }
                send(&mut s, &r);
            }
            Fault::Body(ctype, body) => {
                self.record(Some(&req), 200);
                let mut r = MockResponse::status(200, body);
                r.headers.push(("Content-Type".into(), ctype.into()));
                send(&mut s, &r);
            }
            Fault::Hang => {
                self.record(Some(&req), 0);
                // Until the client gives up.
                let mut b = [0u8; 64];
                while matches!(s.read(&mut b), Ok(n) if n > 0) {}
            }
            Fault::Trickle => {
                let r = (self.good)(&req);
                self.record(Some(&req), r.status);
                let _ = s.write_all(
                    head(r.status, &format!("Content-Length: {}\r\n", r.body.len())).as_bytes(),
                );
                let per_byte = (Duration::from_secs(2) / r.body.len().max(1) as u32)
                    .max(Duration::from_millis(5));
                for b in &r.body {
                    if s.write_all(std::slice::from_ref(b)).is_err() {
                        break;
                    }
                    std::thread::sleep(per_byte);
                }
            }
            Fault::Truncated => {
                let r = (self.good)(&req);
                self.record(Some(&req), r.status);
                let _ = s.write_all(
                    head(
                        r.status,
                        &format!("Content-Length: {}\r\n", r.body.len() + 1000),
                    )
                    .as_bytes(),
                );
                let _ = s.write_all(&r.body);
                let _ = s.flush();
                let _ = s.shutdown(Shutdown::Both);
            }
            Fault::Endless | Fault::HugeDeclared => {
                self.record(Some(&req), 200);
                let declared = matches!(fault, Fault::HugeDeclared);
                let extra = if declared {
                    "Content-Length: 1073741824\r\n".to_string()
                } else {
                    "Transfer-Encoding: chunked\r\n".to_string()
                };
                let _ = s.write_all(head(200, &extra).as_bytes());
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0u64;
                let mut aborted = false;
                let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
                while sent < 256 << 20 {
                    let ok = if declared {
                        s.write_all(&chunk).is_ok()
                    } else {
                        s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                            .and_then(|_| s.write_all(&chunk))
                            .and_then(|_| s.write_all(b"\r\n"))
                            .is_ok()
                    };
                    if !ok {
                        aborted = true;
                        break;
                    }
                    sent += chunk.len() as u64;
                }
                self.endless_sent.store(sent, Ordering::SeqCst);
                self.endless_aborted.store(aborted, Ordering::SeqCst);
            }
            Fault::Refused | Fault::Reset => unreachable!(),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request (head and `Content-Length` body).
fn read_request(s: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut b = [0u8; 4096];
    let split = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut b).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&b[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: std::collections::BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[split + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut b).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&b[..n]);
    }
    let full_target = target.clone();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (
            p.to_string(),
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect(),
        ),
        None => (target, Vec::new()),
    };
    Some(Recorded {
        method,
        target: full_target,
        path,
        query,
        headers,
        body,
    })
}

/// Splits an XML document into (text before the root's children, the root's direct
/// child elements, text after them), for duplicating or reordering records.
pub fn xml_children(doc: &str) -> Option<(String, Vec<String>, String)> {
    let bytes = doc.as_bytes();
    // The root's start tag: the first `<` not starting `<?` or `<!`.
    let mut i = 0;
    let root_end = loop {
        let p = i + doc[i..].find('<')?;
        if !matches!(bytes.get(p + 1), Some(b'?') | Some(b'!')) {
            break p + doc[p..].find('>')? + 1;
        }
        i = p + 1;
    };
    let close = doc.rfind("</")?;
    let inner = &doc[root_end..close];
    let mut children = Vec::new();
    let mut depth = 0i32;
    let mut start = None;
    let mut j = 0;
    let ib = inner.as_bytes();
    while let Some(off) = inner[j..].find('<') {
        let p = j + off;
        let end = p + inner[p..].find('>')?;
        let tag = &inner[p..=end];
        if tag.starts_with("</") {
            depth -= 1;
            if depth == 0 {
                children.push(inner[start?..=end].to_string());
                start = None;
            }
        } else if tag.ends_with("/>") {
            if depth == 0 {
                children.push(tag.to_string());
            }
        } else if ib.get(p + 1) != Some(&b'!') && ib.get(p + 1) != Some(&b'?') {
            if depth == 0 {
                start = Some(p);
            }
            depth += 1;
        }
        j = end + 1;
    }
    Some((
        doc[..root_end].to_string(),
        children,
        doc[close..].to_string(),
    ))
}

/// Rewrites the records of an XML list (direct children of the root).
pub fn xml_records(doc: &str, f: impl Fn(Vec<String>) -> Vec<String>) -> String {
    match xml_children(doc) {
        Some((pre, children, post)) => format!("{pre}{}{post}", f(children).join("\n")),
        None => doc.to_string(),
    }
}

/// Rewrites the array at `key` (top level, or inside `result`) of a JSON document.
pub fn json_records(
    doc: &[u8],
    key: &str,
    f: impl Fn(Vec<serde_json::Value>) -> Vec<serde_json::Value>,
) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(doc) else {
        return doc.to_vec();
    };
    if let Some(serde_json::Value::Array(a)) = v.get_mut(key) {
        *a = f(std::mem::take(a));
    }
    serde_json::to_vec(&v).unwrap()
}

/// Every record twice.
pub fn twice<T: Clone>(v: Vec<T>) -> Vec<T> {
    v.into_iter().flat_map(|x| [x.clone(), x]).collect()
}

/// Records in reverse order.
pub fn reversed<T>(mut v: Vec<T>) -> Vec<T> {
    v.reverse();
    v
}
