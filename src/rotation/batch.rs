//! Running independent rotations side by side, a bounded number at a time, with their results in
//! the order they were given (so `rotate` prints its reports in the order the tokens are listed).

use std::future::Future;

use futures_util::StreamExt;

/// How many tokens `rotate` works on at once: each holds a few connections to GitLab and waits on
/// the keychain in turn; more would only queue there.
pub const AT_ONCE: usize = 8;

/// Runs `futures` with at most `limit` of them started and unfinished at any time (the earliest
/// given first, the next as soon as any finishes), and returns their outputs in the given order.
pub async fn in_order<F: Future>(futures: Vec<F>, limit: usize) -> Vec<F::Output> {
    let numbered = futures
        .into_iter()
        .enumerate()
        .map(|(i, f)| async move { (i, f.await) });
    let mut done: Vec<(usize, F::Output)> = futures_util::stream::iter(numbered)
        .buffer_unordered(limit.max(1))
        .collect()
        .await;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, out)| out).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn bounded_side_by_side_and_in_the_given_order() {
        let now = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let jobs: Vec<_> = (0..20u64)
            .map(|i| {
                let (now, most) = (&now, &most);
                async move {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    // Later ones finish first: the order of the outputs is still the given one.
                    tokio::time::sleep(Duration::from_millis(40 - 2 * i)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                    i
                }
            })
            .collect();
        let out = in_order(jobs, 8).await;
        assert_eq!(out, (0..20).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), 8, "not 8 at a time");
    }
}
