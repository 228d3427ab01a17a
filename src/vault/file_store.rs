//! The store of last resort, used only when asked for by name (`--store file`): a TOML file of
//! `account = "token"` with mode 0600, written atomically under a lock. `status` warns about it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::store_error::VaultError;
use crate::token::Token;

/// `<config dir>/gitlab-token/secrets.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("gitlab-token").join("secrets.toml"))
}

fn io(e: std::io::Error) -> VaultError {
    VaultError::Other(format!("the token file: {e}"))
}

fn read(path: &Path) -> Result<BTreeMap<String, String>, VaultError> {
    let text = match crate::files::read_regular_text(path, crate::files::MAX_FILE_BYTES) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(io(e)),
    };
    toml::from_str(&text)
        .map_err(|e| VaultError::Other(format!("{} is not valid: {}", path.display(), e.message())))
}

pub fn get(path: &Path, account: &str) -> Result<Token, VaultError> {
    let mut all = read(path)?;
    let found = all.remove(account).map(Token::new);
    for (_, mut v) in all {
        zeroize::Zeroize::zeroize(&mut v);
    }
    found.ok_or_else(|| VaultError::NotFound(account.to_owned()))
}

/// Applies `change` under an exclusive lock and writes the file atomically with mode 0600.
fn update(
    path: &Path,
    change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), VaultError>,
) -> Result<(), VaultError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io)?;
    let lock = crate::files::open_lock_file(&dir.join("secrets.lock")).map_err(io)?;
    super::lock_briefly(&lock).map_err(io)?;
    let mut all = read(path)?;
    change(&mut all)?;
    let text = Zeroizing::new(toml::to_string(&all).map_err(|e| VaultError::Other(e.to_string()))?);
    for (_, mut v) in all {
        zeroize::Zeroize::zeroize(&mut v);
    }
    super::write_atomically(path, text.as_bytes()).map_err(io)?;
    Ok(())
}

pub fn set(path: &Path, account: &str, token: &Token) -> Result<(), VaultError> {
    update(path, |all| {
        all.insert(account.to_owned(), token.expose().to_owned());
        Ok(())
    })
}

pub fn delete(path: &Path, account: &str) -> Result<(), VaultError> {
    update(path, |all| match all.remove(account) {
        Some(mut v) => {
            zeroize::Zeroize::zeroize(&mut v);
            Ok(())
        }
        None => Err(VaultError::NotFound(account.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gitlab-token").join("secrets.toml");
        set(&path, "a@h", &Token::new("glpat-one".into())).unwrap();
        set(&path, "b@h", &Token::new("glpat-two".into())).unwrap();
        assert_eq!(get(&path, "a@h").unwrap().expose(), "glpat-one");
        delete(&path, "a@h").unwrap();
        assert!(matches!(get(&path, "a@h"), Err(VaultError::NotFound(_))));
        assert_eq!(get(&path, "b@h").unwrap().expose(), "glpat-two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
