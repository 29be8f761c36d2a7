//! Failures and how they travel: the Genesys Cloud `ErrorBody`.

use std::collections::BTreeMap;

use genesys_chat::error::codes;

use crate::wire::{ErrorBodyJson, ErrorDetailJson};

/// A request the emulator refuses, turned into an `ErrorBody` response (boxed: it
/// travels in every `Result` of the handlers).
#[derive(Debug, Clone)]
pub(crate) struct Failure(Box<Inner>);

#[derive(Debug, Clone)]
pub(crate) struct Inner {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) field: Option<String>,
    pub(crate) entity: Option<(&'static str, String)>,
    pub(crate) with_params: Option<(String, BTreeMap<String, String>)>,
    pub(crate) retry_after: Option<u64>,
}

impl Failure {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Failure(Box::new(Inner {
            status,
            code,
            message: message.into(),
            field: None,
            entity: None,
            with_params: None,
            retry_after: None,
        }))
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        self.0.status
    }

    /// The `Retry-After` seconds, if any.
    pub(crate) fn retry_after(&self) -> Option<u64> {
        self.0.retry_after
    }

    /// 400 naming the field at fault.
    pub(crate) fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = format!("Invalid value for `{field}`: {}", message.into());
        let mut f = Failure::new(400, codes::BAD_REQUEST, message);
        f.0.field = Some(field);
        f
    }

    /// 401: no bearer token at all.
    pub(crate) fn authentication_required() -> Self {
        Failure::new(
            401,
            codes::AUTHENTICATION_REQUIRED,
            "No authentication bearer token specified in authorization header.",
        )
    }

    /// 401: a token the emulator does not know, or one that expired.
    pub(crate) fn bad_credentials() -> Self {
        Failure::new(401, codes::BAD_CREDENTIALS, "Invalid login credentials.")
    }

    /// 403: the token lacks every permission the operation accepts.
    pub(crate) fn missing_permissions(required: &[&str]) -> Self {
        let list = format!("[{}]", required.join(", "));
        let template = "Unable to perform the requested action. You must have at least one of the following permissions assigned: {permissions}";
        let mut params = BTreeMap::new();
        params.insert("permissions".to_owned(), list.clone());
        let mut f = Failure::new(
            403,
            codes::MISSING_ANY_PERMISSIONS,
            template.replace("{permissions}", &list),
        );
        f.0.with_params = Some((template.to_owned(), params));
        f
    }

    /// 403: the caller may not do this to this entity.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Failure::new(403, codes::NOT_AUTHORIZED, message)
    }

    /// 404 for an entity (`room`, `message`, `user`, `participant`, `thread`, `pin`).
    pub(crate) fn not_found(entity: &'static str, id: &str) -> Self {
        let mut f = Failure::new(
            404,
            codes::NOT_FOUND,
            format!("The {entity} was not found."),
        );
        f.0.entity = Some((entity, id.to_owned()));
        f
    }

    /// 404 for a path no operation serves.
    pub(crate) fn no_route() -> Self {
        Failure::new(
            404,
            codes::NOT_FOUND,
            "No Chat API operation serves this method and path.",
        )
    }

    /// A status chosen by a fault rule or the rate limit.
    pub(crate) fn injected(status: u16, retry_after: Option<u64>) -> Self {
        let (code, message) = match status {
            429 if retry_after.is_some() => (
                codes::TOO_MANY_REQUESTS_RETRY_AFTER,
                "Rate limit exceeded the maximum. Retry the request after the time in the Retry-After header.",
            ),
            429 => (codes::TOO_MANY_REQUESTS, "Rate limit exceeded the maximum."),
            500 => (
                codes::INTERNAL_SERVER_ERROR,
                "The server encountered an unexpected condition.",
            ),
            502 => (
                codes::BAD_GATEWAY,
                "The gateway received an invalid response.",
            ),
            503 => (
                codes::SERVICE_UNAVAILABLE,
                "The service is temporarily unavailable.",
            ),
            504 => (codes::GATEWAY_TIMEOUT, "The gateway timed out."),
            s if s >= 500 => (codes::SERVER_ERROR, "The server failed."),
            _ => (codes::BAD_REQUEST, "The request was refused."),
        };
        let mut f = Failure::new(status, code, message);
        f.0.retry_after = retry_after;
        f
    }

    /// The `ErrorBody` JSON of this failure.
    pub(crate) fn body(&self, correlation_id: &str) -> Vec<u8> {
        let f = &self.0;
        let details = f
            .field
            .as_ref()
            .map(|f| {
                vec![ErrorDetailJson {
                    error_code: codes::INVALID_VALUE,
                    field_name: f.clone(),
                }]
            })
            .unwrap_or_default();
        let body = ErrorBodyJson {
            message: &f.message,
            code: f.code,
            status: f.status,
            entity_id: f.entity.as_ref().map(|(_, id)| id.as_str()),
            entity_name: f.entity.as_ref().map(|(name, _)| *name),
            message_with_params: f.with_params.as_ref().map(|(t, _)| t.as_str()),
            message_params: f.with_params.as_ref().map(|(_, p)| p),
            context_id: correlation_id,
            details,
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}
