//! `/account/devices`: a signed-in teacher (or the DSL, a deputy) connects their own Chromebook's
//! staff page to their account, so it lists and answers their groups' "Ask my teacher" requests
//! (`docs/requests.md`, "The staff device"), and disconnects it again. "Connect a staff device"
//! shows a one-time pairing code (`staff_devices`), kept only as a hash, valid 10 minutes; the
//! list shows the account's connected devices, each with "Disconnect". Every code made, device
//! connected and device disconnected is in the audit log (`StaffDeviceStore`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;

use super::pages::{csrf_field, layout};
use super::when::when;
use super::{page, pages, unavailable, Viewer};
use crate::roles::Permission;
use crate::router::AppState;
use crate::staff_devices::{self, CODE_MINUTES, TOKEN_DAYS};
use crate::store::{NewPairingCode, Store};

/// The routes of this area.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/account/devices", get(devices_page::<S>))
        .route("/account/devices/pair", post(new_code::<S>))
        .route("/account/devices/{id}/disconnect", post(disconnect::<S>))
}

async fn devices_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::AnswerRequests) {
        return refused;
    }
    let devices = match app
        .store
        .staff_devices(viewer.username(), &crate::now())
        .await
    {
        Ok(devices) => devices,
        Err(e) => return unavailable(e),
    };
    let body = html! {
        p { "Answer pupils' \u{201c}Ask my teacher\u{201d} requests from the Schoolgate staff page of your own Chromebook, as yourself: connect it to your account here. Only connect a device that only staff use. Every answer from it is recorded as yours, with the device." }
        form method="post" action="/account/devices/pair" {
            (csrf_field())
            button type="submit" { "Connect a staff device" }
        }
        p { "It gives a one-time pairing code, valid " (CODE_MINUTES) " minutes: type it in \u{201c}Pupils' requests\u{201d} on the staff page (the extension's options page), after the staff code. A connected device stays connected for " (TOKEN_DAYS) " days, or until you disconnect it." }
        h2 { "Your connected devices" }
        @if devices.is_empty() {
            p #no-staff-devices { "None." }
        } @else {
            table #staff-devices {
                thead { tr { th { "Device" } th { "Connected" } th { "Until" } th { "Action" } } }
                tbody {
                    @for d in &devices {
                        tr data-device=(d.id) {
                            td { (d.label) " (" code { (d.id) } ")" }
                            td { (when(&d.created_at)) }
                            td { (when(&d.expires_at)) }
                            td {
                                form method="post" action={ "/account/devices/" (d.id) "/disconnect" } {
                                    (csrf_field())
                                    button type="submit" { "Disconnect" }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/requests" { "Pupils' requests" } }
    };
    page(
        StatusCode::OK,
        layout("Staff devices", Some(viewer.username()), body),
    )
}

async fn new_code<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::AnswerRequests) {
        return refused;
    }
    let code = staff_devices::new_pairing_code();
    let now = chrono::Utc::now();
    let expires_at = crate::requests::at(now.timestamp() + CODE_MINUTES * 60);
    let stored = NewPairingCode {
        code_hash: staff_devices::code_hash(&code),
        username: viewer.username().to_owned(),
        created_at: crate::requests::at(now.timestamp()),
        expires_at: expires_at.clone(),
    };
    if let Err(e) = app.store.add_pairing_code(&stored).await {
        return unavailable(e);
    }
    tracing::info!(user = %viewer.username(), "staff device pairing code made");
    let body = html! {
        p { "On the Chromebook's staff page, under \u{201c}Pupils' requests\u{201d}, type the staff code and this pairing code:" }
        p.pairing-code { strong #pairing-code { (staff_devices::display_code(&code)) } }
        p { "It works once, until " (when(&expires_at)) ". It is not shown again: if it expires, make a new one." }
        p { a href="/account/devices" { "Your connected devices" } }
    };
    page(
        StatusCode::OK,
        layout("Pairing code", Some(viewer.username()), body),
    )
}

async fn disconnect<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer.require(Permission::AnswerRequests) {
        return refused;
    }
    match app
        .store
        .revoke_staff_device(viewer.username(), &id, viewer.username(), &crate::now())
        .await
    {
        Ok(true) => {
            tracing::info!(user = %viewer.username(), device = %id, "staff device disconnected");
            Redirect::to("/account/devices").into_response()
        }
        Ok(false) => page(
            StatusCode::NOT_FOUND,
            pages::message(
                "No such device",
                "None of your connected devices has that id (it may be disconnected already).",
                Some(("/account/devices", "Your connected devices")),
            ),
        ),
        Err(e) => unavailable(e),
    }
}
