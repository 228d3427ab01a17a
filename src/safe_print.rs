//! Printing that survives a closed pipe: `println!`, `print!`, `eprintln!` and `eprint!` for the
//! command layers (`cli`, `session`), declared once (lib.rs puts them in scope of those two only).
//! A closed stdout or stderr must not panic (see `session::output`).

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
