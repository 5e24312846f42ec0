//! The one place roles are enforced on the request path: the `Viewer` extractor (who is signed
//! in, with which role; not signed in → the sign-in page) and `Viewer::require` (403 for a
//! permission the role does not have, from `roles::allows`). Every signed-in handler takes a
//! `Viewer` and calls `require` (and `can_view` for one report, `roles::can_view_report`) before it reads anything.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{pages, security, unavailable};
use crate::accounts::{self, Account, SESSION_COOKIE};
use crate::case::CaseState;
use crate::roles::{self, Permission, Role};
use crate::router::AppState;
use crate::store::Store;

/// The signed-in account, with its role.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The account (enabled: a disabled account has no session).
    pub account: Account,
    /// Its role.
    pub role: Role,
}

/// The page a role gets for what it may not see.
pub fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        pages::message(
            "Not for your role",
            "Your account's role does not allow this page. Ask the Designated Safeguarding Lead if you need it.",
            Some(("/", "Your start page")),
        ),
    )
        .into_response()
}

impl Viewer {
    /// The sign-in name.
    pub fn username(&self) -> &str {
        &self.account.username
    }

    /// `Ok` if the role allows `permission`, the 403 page if not.
    pub fn require(&self, permission: Permission) -> Result<(), Response> {
        if roles::allows(self.role, permission) {
            Ok(())
        } else {
            tracing::warn!(user = %self.account.username, role = self.role.as_str(), ?permission, "refused: not for this role");
            Err(forbidden())
        }
    }

    /// Whether the role allows `permission` (for what a page offers; `require` refuses).
    pub fn role_allows(&self, permission: Permission) -> bool {
        roles::allows(self.role, permission)
    }

    /// Whether this viewer may read (and work on) a report whose case is `state`.
    pub fn can_view(&self, state: &CaseState) -> bool {
        self.may_read_assigned_to(state.assigned_to.as_deref())
    }

    /// Whether this viewer may read a report assigned to `assigned_to` (an inbox line's).
    pub fn may_read_assigned_to(&self, assigned_to: Option<&str>) -> bool {
        roles::can_view_report(&self.account, assigned_to)
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(token) = security::cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let username = match app
            .store
            .session_user(&accounts::token_hash(token), &crate::now())
            .await
        {
            Ok(Some(user)) => user,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(unavailable(e)),
        };
        let account = match app.store.account(&username).await {
            Ok(Some(account)) => account,
            Ok(None) => return Err(to_login()), // disabled meanwhile
            Err(e) => return Err(unavailable(e)),
        };
        // An unknown role is allowed nothing.
        let Some(role) = Role::parse(&account.role) else {
            return Err(forbidden());
        };
        Ok(Self { account, role })
    }
}
