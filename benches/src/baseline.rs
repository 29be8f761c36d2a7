//! The hand-written baselines of the core benchmarks: the byte-identical requests built
//! directly with `http::Request::builder`, `serde_json` and `percent-encoding`, and the
//! responses parsed with `serde_json::from_slice` into the same types.
//!
//! They take the same inputs as the core (base URL, token and user agent as strings,
//! the operation's values) and do, per request, only what producing those bytes needs:
//! no validation beyond what `http` itself does, no path template, no configuration.

use std::fmt::Write as _;

use genesys_chat::models::{ChatMessageEntityListing, ErrorBody, SendMessageBody};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use http::{Method, Request, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::BoxError;

/// What JavaScript's `encodeURIComponent` escapes: all but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
pub const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Where a request goes and who sends it, as plain strings.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// `scheme://host[:port]`, without a trailing slash.
    pub base: &'a str,
    /// The bare access token.
    pub token: &'a str,
    /// The `User-Agent` value.
    pub user_agent: &'a str,
}

fn rooms_uri(target: &Target<'_>, room_jid: &str) -> String {
    let mut uri = String::with_capacity(128);
    uri.push_str(target.base);
    uri.push_str("/api/v2/chats/rooms/");
    uri.extend(utf8_percent_encode(room_jid, COMPONENT));
    uri
}

fn request(
    target: &Target<'_>,
    method: Method,
    uri: String,
    body: Option<Vec<u8>>,
) -> Result<Request<Vec<u8>>, BoxError> {
    let mut auth = HeaderValue::try_from(format!("Bearer {}", target.token))?;
    auth.set_sensitive(true);
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(AUTHORIZATION, auth)
        .header(USER_AGENT, HeaderValue::from_str(target.user_agent)?);
    if body.is_some() {
        builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Ok(builder.body(body.unwrap_or_default())?)
}

/// `GET /api/v2/chats/rooms/{roomJid}`.
pub fn get_room(target: &Target<'_>, room_jid: &str) -> Result<Request<Vec<u8>>, BoxError> {
    request(target, Method::GET, rooms_uri(target, room_jid), None)
}

/// `GET /api/v2/chats/rooms/{roomJid}/messages?limit=…&before=…`.
pub fn get_room_messages(
    target: &Target<'_>,
    room_jid: &str,
    limit: u32,
    before: &str,
) -> Result<Request<Vec<u8>>, BoxError> {
    let mut uri = rooms_uri(target, room_jid);
    write!(uri, "/messages?limit={limit}&before=")?;
    uri.extend(utf8_percent_encode(before, COMPONENT));
    request(target, Method::GET, uri, None)
}

/// `POST /api/v2/chats/rooms/{roomJid}/messages` with a JSON body.
pub fn post_room_message(
    target: &Target<'_>,
    room_jid: &str,
    body: &SendMessageBody,
) -> Result<Request<Vec<u8>>, BoxError> {
    let mut uri = rooms_uri(target, room_jid);
    uri.push_str("/messages");
    request(target, Method::POST, uri, Some(serde_json::to_vec(body)?))
}

/// `PATCH /api/v2/chats/rooms/{roomJid}/messages/{messageId}` with a JSON body.
pub fn patch_room_message(
    target: &Target<'_>,
    room_jid: &str,
    message_id: &str,
    body: &SendMessageBody,
) -> Result<Request<Vec<u8>>, BoxError> {
    let mut uri = rooms_uri(target, room_jid);
    uri.push_str("/messages/");
    uri.extend(utf8_percent_encode(message_id, COMPONENT));
    request(target, Method::PATCH, uri, Some(serde_json::to_vec(body)?))
}

/// A history page: the status checked, then `serde_json::from_slice`.
pub fn parse_listing(response: &Response<Vec<u8>>) -> Result<ChatMessageEntityListing, BoxError> {
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()).into());
    }
    Ok(serde_json::from_slice(response.body())?)
}

/// An error answer: `serde_json::from_slice` of its `ErrorBody`.
pub fn parse_error(response: &Response<Vec<u8>>) -> Result<ErrorBody, BoxError> {
    Ok(serde_json::from_slice(response.body())?)
}

/// Checks that two requests are the same on the wire and in memory: method, URI,
/// version, every header in order with its sensitivity, and the body bytes.
pub fn same_request(core: &Request<Vec<u8>>, baseline: &Request<Vec<u8>>) -> Result<(), String> {
    if core.method() != baseline.method() {
        return Err(format!("method {} != {}", core.method(), baseline.method()));
    }
    if core.uri() != baseline.uri() || core.uri().to_string() != baseline.uri().to_string() {
        return Err(format!("URI {} != {}", core.uri(), baseline.uri()));
    }
    if core.version() != baseline.version() {
        return Err(format!(
            "version {:?} != {:?}",
            core.version(),
            baseline.version()
        ));
    }
    let headers = |r: &Request<Vec<u8>>| -> Vec<(String, Vec<u8>, bool)> {
        r.headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.as_bytes().to_vec(),
                    value.is_sensitive(),
                )
            })
            .collect()
    };
    let (a, b) = (headers(core), headers(baseline));
    if a != b {
        let names = |h: &[(String, Vec<u8>, bool)]| {
            h.iter()
                .map(|(n, v, s)| {
                    format!(
                        "{n}({} bytes{})",
                        v.len(),
                        if *s { ", sensitive" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(format!("headers [{}] != [{}]", names(&a), names(&b)));
    }
    if core.body() != baseline.body() {
        return Err(format!(
            "body {:?} != {:?}",
            String::from_utf8_lossy(core.body()),
            String::from_utf8_lossy(baseline.body())
        ));
    }
    Ok(())
}
