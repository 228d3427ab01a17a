//! Printing that survives a closed stdout or stderr (`gitlab-token status | head -1`): the
//! `println!` family in `cli` goes through here instead of panicking on a broken pipe.
//!
//! Why not restore SIGPIPE's default action: it would also kill the process on a write to any
//! other closed pipe or socket, and in the middle of an irreversible step (a rotation whose new
//! token is not stored yet). Here output that nobody reads is dropped, the command finishes its
//! work, and exits with its own code, quietly.

use std::io::Write;

/// Writes to standard output; once the reader has gone, writes nothing more and says nothing.
pub fn stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    write(&mut std::io::stdout().lock(), args, newline);
}

/// Writes to standard error; a closed stderr is ignored the same way.
pub fn stderr(args: std::fmt::Arguments<'_>, newline: bool) {
    write(&mut std::io::stderr().lock(), args, newline);
}

fn write(out: &mut impl Write, args: std::fmt::Arguments<'_>, newline: bool) {
    // Errors (a broken pipe, a full disk) cannot be reported on the stream that failed.
    let _ = out.write_fmt(args);
    if newline {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}
