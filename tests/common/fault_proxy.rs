//! A loopback HTTP proxy between driftscan and moto that injects faults: per request, a
//! rule decides to forward it, answer with an AWS error (throttling, access denied,
//! HTTP 500), reset the connection, or hang. One request per connection (answers carry
//! `Connection: close`), which the SDK's client handles like any server closing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What one request looks like to a rule.
pub struct Request {
    /// The signing service (`iam`, `s3`, `rds`, `dynamodb`, `kms`, `config`, `sts`, `ec2`,
    /// `elasticfilesystem`, `redshift`, `cloudtrail`).
    pub service: String,
    /// Running number of the request, from 0.
    pub n: usize,
    /// `GET /bucket?acl HTTP/1.1`
    pub request_line: String,
    /// The `X-Amz-Target` header of JSON protocols (`DynamoDB_20120810.DescribeTable`).
    pub amz_target: Option<String>,
    pub body: String,
}

impl Request {
    /// The IAM action this request needs, derived from the wire (Query `Action=`, JSON
    /// `X-Amz-Target`, S3 and EFS REST method and path), independently of driftscan's labels.
    pub fn iam_action(&self) -> String {
        if let Some(target) = &self.amz_target {
            return format!("{}:{}", self.service, target.rsplit('.').next().unwrap_or(target));
        }
        if let Some(action) = self.body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
            return format!("{}:{action}", self.service);
        }
        let mut parts = self.request_line.split(' ');
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if self.service == "elasticfilesystem" {
            let action = match (method, path.trim_end_matches('/').rsplit('/').next().unwrap_or("")) {
                ("GET", "file-systems") => "DescribeFileSystems",
                ("GET", "policy") => "DescribeFileSystemPolicy",
                ("GET", "backup-policy") => "DescribeBackupPolicy",
                _ => return format!("elasticfilesystem:UNKNOWN {method} {target}"),
            };
            return format!("elasticfilesystem:{action}");
        }
        // The SDK adds `x-id=Operation` to some S3 requests; the sub-resource is the other key.
        let sub = query
            .split('&')
            .map(|kv| kv.split('=').next().unwrap_or(""))
            .find(|k| *k != "x-id" && !k.is_empty())
            .unwrap_or("");
        let action = match (method, sub) {
            ("GET", _) if path.contains("/configuration/publicAccessBlock") => "GetAccountPublicAccessBlock",
            ("GET", "") if path == "/" => "ListAllMyBuckets",
            ("GET", "location") => "GetBucketLocation",
            ("GET", "encryption") => "GetEncryptionConfiguration",
            ("GET", "publicAccessBlock") => "GetBucketPublicAccessBlock",
            ("GET", "policy") => "GetBucketPolicy",
            ("GET", "policyStatus") => "GetBucketPolicyStatus",
            ("GET", "acl") => "GetBucketAcl",
            ("GET", "versioning") => "GetBucketVersioning",
            ("GET", "logging") => "GetBucketLogging",
            ("GET", "ownershipControls") => "GetBucketOwnershipControls",
            _ => return format!("{}:UNKNOWN {method} {target}", self.service),
        };
        format!("s3:{action}")
    }
}

pub enum Fault {
    Forward,
    /// The service's own throttling error (Throttling / ThrottlingException / SlowDown).
    Throttle,
    AccessDenied,
    ServerError,
    Reset,
    Hang,
    /// Answers, but only after this long: past the per-call timeout, the caller has gone.
    Delay(Duration),
}

pub struct FaultProxy {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
    pub injected: Arc<AtomicUsize>,
}

/// A rule that forwards everything and notes the IAM action of each request.
pub fn recording(actions: Arc<std::sync::Mutex<Vec<String>>>) -> impl Fn(&Request) -> Fault + Send + Sync + 'static {
    move |r| {
        actions.lock().unwrap().push(r.iam_action());
        Fault::Forward
    }
}

impl FaultProxy {
    pub fn start(upstream: &str, rule: impl Fn(&Request) -> Fault + Send + Sync + 'static) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let requests = Arc::new(AtomicUsize::new(0));
        let injected = Arc::new(AtomicUsize::new(0));
        let rule = Arc::new(rule);
        let (count, hits) = (requests.clone(), injected.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (rule, upstream, count, hits) = (rule.clone(), upstream.clone(), count.clone(), hits.clone());
                std::thread::spawn(move || {
                    let _ = handle(conn, &upstream, &*rule, &count, &hits);
                });
            }
        });
        FaultProxy { url, requests, injected }
    }
}

fn handle(
    mut client: TcpStream,
    upstream: &str,
    rule: &dyn Fn(&Request) -> Fault,
    count: &AtomicUsize,
    hits: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    let mut service = String::new();
    let mut request_line = String::new();
    let mut amz_target = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if request_line.is_empty() {
            request_line = line.trim_end().to_string();
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("x-amz-target:") {
            amz_target = Some(line.split_once(':').map_or("", |(_, v)| v).trim().to_string());
        }
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            // Credential=KEY/DATE/REGION/SERVICE/aws4_request
            service = line.split("Credential=").nth(1).and_then(|c| c.split('/').nth(3)).unwrap_or("").to_string();
        }
        if lower.starts_with("connection:") {
            continue;
        }
        let end = line == "\r\n";
        if end {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let n = count.fetch_add(1, Ordering::SeqCst);
    let request = Request {
        service: service.clone(),
        n,
        request_line,
        amz_target,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let fault = rule(&request);
    if !matches!(fault, Fault::Forward) {
        hits.fetch_add(1, Ordering::SeqCst);
    }
    let (status, content_type, text) = match fault {
        Fault::Forward | Fault::Delay(_) => {
            if let Fault::Delay(d) = fault {
                std::thread::sleep(d);
            }
            let mut up = TcpStream::connect(upstream)?;
            up.write_all(&head)?;
            up.write_all(&body)?;
            let mut response = Vec::new();
            up.read_to_end(&mut response)?;
            client.write_all(&response)?;
            return client.shutdown(Shutdown::Both);
        }
        Fault::Reset => {
            // Closing with unread data pending makes the kernel send a reset.
            return client.shutdown(Shutdown::Both);
        }
        Fault::Hang => {
            std::thread::sleep(Duration::from_secs(120));
            return Ok(());
        }
        Fault::ServerError => ("500 Internal Server Error", "text/plain", "internal error".to_string()),
        Fault::Throttle => match service.as_str() {
            "s3" => ("503 Slow Down", "application/xml", "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>".into()),
            "dynamodb" | "kms" | "config" | "cloudtrail" | "elasticfilesystem" => ("400 Bad Request", "application/x-amz-json-1.1", r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.into()),
            "ec2" => ("503 Service Unavailable", "text/xml", "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault</RequestID></Response>".into()),
            _ => ("400 Bad Request", "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>".into()),
        },
        Fault::AccessDenied => match service.as_str() {
            "s3" => ("403 Forbidden", "application/xml", "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>".into()),
            "dynamodb" | "kms" | "config" | "cloudtrail" => ("400 Bad Request", "application/x-amz-json-1.1", r#"{"__type":"AccessDeniedException","message":"not authorized"}"#.into()),
            "elasticfilesystem" => ("403 Forbidden", "application/json", r#"{"__type":"AccessDeniedException","message":"not authorized"}"#.into()),
            "ec2" => ("403 Forbidden", "text/xml", "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>fault</RequestID></Response>".into()),
            _ => ("403 Forbidden", "text/xml", format!("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform {service} calls</Message></Error><RequestId>fault</RequestId></ErrorResponse>")),
        },
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    client.write_all(response.as_bytes())?;
    client.shutdown(Shutdown::Both)
}
