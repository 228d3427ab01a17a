//! The process exit codes, as documented in the README (and the man pages: `strings::manual`).
//! Shared vocabulary, like `problem`: every command returns one, the manual says what each means.

pub const OK: u8 = 0;
pub const CHECK_FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const UNREACHABLE: u8 = 3;
pub const KEYCHAIN: u8 = 4;
/// The wizard ended by SIGTERM, SIGINT or SIGHUP (128 + SIGTERM).
pub const SIGNALLED: u8 = 143;
