//! git's credential-helper protocol, both ways: `key=value` lines ended by LF. A value holding a
//! newline, a carriage return or a NUL could forge another attribute, so such a request is not
//! read and such an answer is not written.

use std::collections::HashMap;
use std::io::BufRead;

/// The most git's request may hold (git's own lines are far shorter).
const MAX_REQUEST_BYTES: u64 = 64 * 1024;

/// Whether `value` can be written as one attribute of the protocol.
pub fn safe_value(value: &str) -> bool {
    !value.contains(['\n', '\r', '\0'])
}

/// `key=value` lines (ended by LF only) until a blank line or the end; `None` when a line holds a
/// carriage return or a NUL, is not UTF-8, or the request is larger than 64 KiB.
pub fn read_request(input: impl BufRead) -> Option<HashMap<String, String>> {
    let mut input = input.take(MAX_REQUEST_BYTES + 1);
    let mut request = HashMap::new();
    let mut total = 0u64;
    loop {
        let mut line = Vec::new();
        let n = input.read_until(b'\n', &mut line).ok()?;
        total += n as u64;
        if total > MAX_REQUEST_BYTES {
            return None;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.is_empty() {
            return Some(request);
        }
        let line = String::from_utf8(line).ok()?;
        if !safe_value(&line) {
            return None;
        }
        if let Some((k, v)) = line.split_once('=') {
            request.insert(k.to_owned(), v.to_owned());
        }
    }
}

/// The answer `username=...\npassword=...\n`, or `None` when either value cannot be carried safely.
pub fn answer(username: &str, password: &str) -> Option<String> {
    (safe_value(username) && safe_value(password))
        .then(|| format!("username={username}\npassword={password}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gits_request() {
        let r = read_request("protocol=https\nhost=gitlab.example.com\n\nignored=1\n".as_bytes())
            .expect("a valid request");
        assert_eq!(
            r.get("host").map(String::as_str),
            Some("gitlab.example.com")
        );
        assert!(!r.contains_key("ignored"));
    }

    #[test]
    fn a_carriage_return_or_nul_refuses_the_whole_request() {
        for bad in [
            "protocol=https\nhost=h\rpassword=x\n\n",
            "protocol=https\r\nhost=h\n\n",
            "protocol=https\nhost=h\0\n\n",
        ] {
            assert_eq!(read_request(bad.as_bytes()), None, "{bad:?}");
        }
        let huge = format!("host={}\n\n", "x".repeat(70 * 1024));
        assert_eq!(read_request(huge.as_bytes()), None);
        assert!(!safe_value("bot\npassword=evil"));
        assert_eq!(answer("bot\npassword=evil", "x"), None);
        assert!(safe_value("scanner-bot"));
    }
}
