//! Access tokens revoked at log-out: the suite part both backends must pass unchanged.

use chrono::Duration;

use super::*;

pub async fn revoked_tokens_are_remembered_until_they_expire(store: DynStore) {
    let ann = user(&store).await;
    let bob = user(&store).await;
    let in_a_week = Utc::now() + Duration::days(7);
    assert!(!store.token_revoked("ann-1").await.unwrap());

    store
        .revoke_token(&ann.id, "ann-1", in_a_week)
        .await
        .unwrap();
    // Twice is fine: a double click on "Log out".
    store
        .revoke_token(&ann.id, "ann-1", in_a_week)
        .await
        .unwrap();
    assert!(store.token_revoked("ann-1").await.unwrap());
    assert!(!store.token_revoked("ann-2").await.unwrap());
    assert!(!store.token_revoked("").await.unwrap());

    // A revocation past its expiry is forgotten at the next revocation: the token
    // itself no longer verifies by then, so the row would only take space.
    let yesterday = Utc::now() - Duration::days(1);
    store
        .revoke_token(&bob.id, "bob-old", yesterday)
        .await
        .unwrap();
    assert!(store.token_revoked("bob-old").await.unwrap());
    store
        .revoke_token(&bob.id, "bob-new", in_a_week)
        .await
        .unwrap();
    assert!(!store.token_revoked("bob-old").await.unwrap());
    assert!(store.token_revoked("bob-new").await.unwrap());
    assert!(store.token_revoked("ann-1").await.unwrap());

    let nobody = UserId::random();
    assert!(matches!(
        store.revoke_token(&nobody, "x", in_a_week).await,
        Err(StoreError::NotFound(_))
    ));
}
