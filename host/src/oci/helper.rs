//! Docker credential helpers (`docker-credential-<name>`, the protocol of
//! docker/docker-credential-helpers): run `<helper> get`, write the registry's server
//! URL to its stdin, read `{"ServerURL", "Username", "Secret"}` from its stdout. A
//! helper that has nothing for the server says so on stdout ("credentials not found")
//! and exits non-zero.
//!
//! Written here rather than with the `docker_credential` crate: that crate waits for
//! the helper without a time limit (a helper that prompts would hang the host) and
//! drops the helper's own message, which is the one a user needs.
use serde::Deserialize;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How long a helper may take (some unlock a keychain first).
const TIME_LIMIT: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    username: String,
    secret: String,
}

/// `(user, secret)` for `server`, `None` when the helper has no credentials for it,
/// or why the helper could not be used.
pub async fn get(helper: &str, server: &str) -> Result<Option<(String, String)>, String> {
    let program = format!("docker-credential-{helper}");
    let mut child = tokio::process::Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run the credential helper `{program}` ({e}); install it or put it on PATH"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let write = async move {
        stdin.write_all(server.as_bytes()).await?;
        stdin.shutdown().await
    };
    let run = async {
        let _ = write.await; // a helper that exits without reading is judged by its exit
        child.wait_with_output().await
    };
    let output = match tokio::time::timeout(TIME_LIMIT, run).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Err(format!("`{program} get` failed: {e}")),
        Err(_) => return Err(format!("`{program} get` did not answer within {}s", TIME_LIMIT.as_secs())),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        if stdout.to_ascii_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        let why = [stdout.trim(), String::from_utf8_lossy(&output.stderr).trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" / ");
        return Err(format!("`{program} get` failed ({}): {why}", output.status));
    }
    let answer: Answer = serde_json::from_str(&stdout)
        .map_err(|e| format!("`{program} get` answered something that is not its JSON ({e})"))?;
    if answer.username == "<token>" {
        return Err(format!("`{program}` holds an identity token for {server}, which outrigger does not support"));
    }
    Ok(Some((answer.username, answer.secret)))
}
