//! The shared layer beneath the commands: what one run of gitlab-token works with, whichever
//! command it is. A stored credential opened and a valid token handed out ([`stored`]), the
//! owner's authorization for one run ([`owner_auth`]), a browser sign-in's wait ([`device`]),
//! signals held off during irreversible work ([`hold`]), a token piped on stdin ([`stdin`]), what
//! a `rotate` leaves in the run log ([`runlog`]), the sinks' states ([`sink_list`]) and printing
//! that survives a closed pipe ([`output`]).
//!
//! Commands (`cli/`) build on it; it may use `strings` (it serves the top layer) and every
//! library, never `cli`. A piece belongs here when two commands (or a command and the wizard)
//! need it; what one command alone needs stays in that command's file.

// Shadow std's printing macros in every `session` module (declared below), as in `cli`: a closed
// stdout or stderr must not panic (see output.rs).
macro_rules! println {
    () => { $crate::session::output::stdout(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::session::output::stdout(format_args!($($arg)*), true) };
}
#[allow(unused_macros)]
macro_rules! print {
    ($($arg:tt)*) => { $crate::session::output::stdout(format_args!($($arg)*), false) };
}
macro_rules! eprintln {
    () => { $crate::session::output::stderr(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::session::output::stderr(format_args!($($arg)*), true) };
}
#[allow(unused_macros)]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::session::output::stderr(format_args!($($arg)*), false) };
}

pub mod device;
pub mod hold;
pub mod monitor;
pub mod output;
pub mod owner_auth;
pub mod runlog;
pub mod sink_list;
pub mod stdin;
pub mod stored;
