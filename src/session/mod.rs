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

pub mod device;
pub mod hold;
pub mod monitor;
pub mod output;
pub mod owner_auth;
pub mod runlog;
pub mod sink_list;
pub mod stdin;
pub mod stored;
