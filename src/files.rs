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

/// Opens (creating it if needed) a lock file: never blocks on a FIFO put in its place, and
/// refuses anything that is not a regular file.
pub fn open_lock_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .mode(0o600);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is {}, not a lock file", path.display(), describe(&meta)),
        ));
    }
    Ok(file)
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
