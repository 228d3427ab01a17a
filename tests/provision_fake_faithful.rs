//! Self-tests of the fake GitLab on the points a review checked against GitLab's docs and code
//! (/work/notes/fact-review.md): refusal codes and bodies, the approval queue, subgroup service
//! accounts, the Free limit, the unlicensed `/license`, reuse detection on rotate.

mod support;

use support::fake_api::*;
use support::fake_provision::Tier;

/// The status and the raw body (to tell a JSON `null` from an empty body).
async fn raw(w: &World, method: &str, path: &str, token: &str) -> (u16, String) {
    let url = format!("{}/api/v4/{path}", w.gitlab.url());
    let answer = w
        .http
        .request(method.parse().unwrap(), url)
        .header("PRIVATE-TOKEN", token)
        .send()
        .await
        .expect("answer");
    (answer.status().as_u16(), answer.text().await.unwrap())
}

#[tokio::test]
async fn an_unlicensed_enterprise_edition_answers_license_with_null() {
    let w = world();
    w.gitlab.set_knobs(|k| k.tier = Tier::Free);
    // ee/lib/api/license.rb presents License.current, nil without a licence.
    assert_eq!(
        raw(&w, "GET", "license", &w.admin).await,
        (200, "null".to_owned())
    );
    assert_eq!(raw(&w, "GET", "license", &w.owner).await.0, 403);
}
