//! Desktop notifications: the freedesktop Notifications service on the session D-Bus (Linux and
//! other free desktops). Elsewhere, and when no service answers, nothing is shown: the caller
//! keeps the run log, which `status` and the wizard read.

use std::time::Duration;

/// How long the notification service may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub summary: String,
    pub body: String,
    /// Stays until dismissed (a failure), rather than timing out.
    pub critical: bool,
}

/// Shows `note`; `Err(why)` when no notification service took it.
pub async fn send(note: &Note) -> Result<(), String> {
    match tokio::time::timeout(TIMEOUT, platform::send(note)).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "the notification service did not answer within {} s",
            TIMEOUT.as_secs()
        )),
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use std::collections::HashMap;

    use zbus::zvariant::Value;

    pub async fn send(note: &super::Note) -> Result<(), String> {
        let conn = zbus::Connection::session()
            .await
            .map_err(|e| e.to_string())?;
        let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
        // Urgency: 1 normal, 2 critical.
        hints.insert("urgency", Value::U8(if note.critical { 2 } else { 1 }));
        hints.insert("desktop-entry", Value::from("gitlab-token"));
        let actions: Vec<&str> = Vec::new();
        conn.call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "Notify",
            &(
                "gitlab-token",
                0u32,
                "dialog-warning",
                note.summary.as_str(),
                note.body.as_str(),
                actions,
                hints,
                // -1: the server's default time; 0: until dismissed.
                if note.critical { 0i32 } else { -1i32 },
            ),
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    pub async fn send(_note: &super::Note) -> Result<(), String> {
        Err("desktop notifications are not supported on this platform yet".to_owned())
    }
}
