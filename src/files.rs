//! Reading the small files the tool is given or keeps (tokens.toml, the file store, the journal,
//! a CA file, a profile): regular files only, never blocking on a FIFO, never past a size cap.

use std::io::{self, Read};
use std::path::Path;

/// The most any of those files may hold: 4 MiB (a CA bundle of the whole web is ~250 KiB).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads `path` whole, when it is a regular file of at most `cap` bytes.
///
/// The file is opened with `O_NONBLOCK` (so opening a FIFO with no writer returns at once), then
/// the opened file's own metadata is checked (no race with a rename between a check and the
/// open): a FIFO, a socket, a device or a directory is refused with `InvalidInput`, and a file
/// larger than `cap` (or one that grows past it while read) with `FileTooLarge`. A missing file
/// is `NotFound`, as with `std::fs::read`.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is {}, not a regular file",
                path.display(),
                describe(&meta)
            ),
        ));
    }
    if meta.len() > cap {
        return Err(too_large(cap));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        zeroize::Zeroize::zeroize(&mut bytes);
        return Err(too_large(cap));
    }
    Ok(bytes)
}

/// Opens (creating it if needed) a lock file: never blocks on a FIFO put in its place, never
/// follows a symbolic link, and refuses anything that is not a regular file.
pub fn open_lock_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    no_follow(&mut options, 0o600);
    let file = options.open(path).map_err(|e| symlink_refused(path, e))?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is {}, not a lock file", path.display(), describe(&meta)),
        ));
    }
    Ok(file)
}

/// Appends `bytes` to `path` (created `0600` if missing): never through a symbolic link put in
/// its place (it is refused, saying so), and only to a regular file.
pub fn append_regular(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    no_follow(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| symlink_refused(path, e))?;
    regular(path, &file)?;
    file.write_all(bytes)
}

/// Writes `path` whole (created with `mode`, truncated if it exists): never through a symbolic
/// link, and only over a regular file.
pub fn write_regular(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.create(true).write(true).truncate(false);
    no_follow(&mut options, mode);
    let mut file = options.open(path).map_err(|e| symlink_refused(path, e))?;
    regular(path, &file)?;
    file.set_len(0)?;
    file.write_all(bytes)
}

/// `O_NOFOLLOW` (a symbolic link as the last component fails with `ELOOP`), `O_NONBLOCK` (a
/// FIFO does not block the open) and `mode` for a file created.
fn no_follow(options: &mut std::fs::OpenOptions, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .mode(mode);
    }
    #[cfg(not(unix))]
    let _ = (options, mode);
}

/// Refuses `path` when it is a symbolic link (before reading a file the tool will rewrite).
pub fn refuse_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        #[cfg(unix)]
        Ok(m) if m.file_type().is_symlink() => Err(symlink_refused(
            path,
            io::Error::from_raw_os_error(libc::ELOOP),
        )),
        _ => Ok(()),
    }
}

/// `ELOOP` from an `O_NOFOLLOW` open, said as what it is.
fn symlink_refused(path: &Path, e: io::Error) -> io::Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link: gitlab-token never writes through one (remove it, and \
                 the file is made anew)",
                path.display()
            ),
        );
    }
    let _ = path;
    e
}

fn regular(path: &Path, file: &std::fs::File) -> io::Result<()> {
    let meta = file.metadata()?;
    if meta.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {}, not a regular file",
            path.display(),
            describe(&meta)
        ),
    ))
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path, cap: u64) -> io::Result<String> {
    let bytes = read_regular(path, cap)?;
    String::from_utf8(bytes).map_err(|e| {
        let mut bytes = e.into_bytes();
        zeroize::Zeroize::zeroize(&mut bytes);
        io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8 text")
    })
}

fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("the file is larger than {} KiB", cap / 1024),
    )
}

fn describe(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "something other than a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A symbolic link where the tool writes (the run log, a lock, a man page) is refused,
    /// saying so, and the file it points at is left as it was.
    #[cfg(unix)]
    #[test]
    fn writes_never_go_through_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("passwd");
        std::fs::write(&target, b"root:x:0:0\n").unwrap();
        let link = dir.path().join("runs.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for e in [
            append_regular(&link, b"{}\n").unwrap_err(),
            write_regular(&link, b"page", 0o644).unwrap_err(),
            open_lock_file(&link).unwrap_err(),
            refuse_symlink(&link).unwrap_err(),
        ] {
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
            assert!(e.to_string().contains("is a symbolic link"), "{e}");
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"root:x:0:0\n");
        let plain = dir.path().join("plain");
        append_regular(&plain, b"a").unwrap();
        append_regular(&plain, b"b").unwrap();
        write_regular(&dir.path().join("page"), b"x", 0o644).unwrap();
        assert_eq!(std::fs::read(&plain).unwrap(), b"ab");
        refuse_symlink(&plain).unwrap();
    }

    #[test]
    fn regular_files_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"hello").unwrap();
        assert_eq!(read_regular(&path, 5).unwrap(), b"hello");
        let e = read_regular(&path, 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        let e = read_regular(&dir.path().join("missing"), 5).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_directories_are_refused_at_once() {
        let e = read_regular(Path::new("/dev/zero"), MAX_FILE_BYTES).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("device"), "{e}");
        let e = read_regular(Path::new("/"), MAX_FILE_BYTES).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
    }
}
