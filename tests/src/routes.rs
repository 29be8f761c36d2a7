//! Routing, driven by the core's operation tables [`genesys_chat::operations::ALL`] (the
//! Chat API) and [`genesys_chat::operations::USERS`] ("my chats"), so the emulator's
//! paths, methods and permissions cannot drift from the client's.

use std::sync::OnceLock;

use genesys_chat::OperationMeta;
use genesys_chat::operations::{ALL, USERS};
use percent_encoding::percent_decode_str;

use crate::handlers::{self, Handler};

/// One segment of a path template.
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

/// One operation's route.
pub(crate) struct Route {
    pub(crate) meta: &'static OperationMeta,
    /// The position of the operation in [`ALL`] followed by [`USERS`] (the counters'
    /// index).
    pub(crate) index: usize,
    pub(crate) handler: Option<Handler>,
    segments: Vec<Segment>,
}

/// The path parameters of a matched route, percent-decoded.
#[derive(Default)]
pub(crate) struct Params(Vec<(&'static str, String)>);

impl Params {
    /// The value of a path parameter (empty when the template has no such name).
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// What routing found.
pub(crate) enum RouteMatch {
    Found(&'static Route, Params),
    /// A segment is not valid percent-encoded UTF-8.
    BadPath,
    NotFound,
}

fn table() -> &'static [Route] {
    static TABLE: OnceLock<Vec<Route>> = OnceLock::new();
    TABLE.get_or_init(|| {
        ALL.iter()
            .chain(USERS)
            .enumerate()
            .map(|(index, meta)| Route {
                meta,
                index,
                handler: handlers::for_operation(meta.id),
                segments: meta
                    .path
                    .trim_start_matches('/')
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name),
                            None => Segment::Literal(s),
                        },
                    )
                    .collect(),
            })
            .collect()
    })
}

/// Finds the operation for a method and a raw (percent-encoded) path.
///
/// When several templates match, the one whose first differing segment is a literal wins
/// (`/users/me/settings` over `/users/{userId}/settings`).
pub(crate) fn find(method: &http::Method, path: &str) -> RouteMatch {
    let Some(rest) = path.strip_prefix('/') else {
        return RouteMatch::NotFound;
    };
    let mut decoded: Vec<String> = Vec::with_capacity(8);
    for raw in rest.split('/') {
        match percent_decode_str(raw).decode_utf8() {
            Ok(s) => decoded.push(s.into_owned()),
            Err(_) => return RouteMatch::BadPath,
        }
    }
    let mut best: Option<(&'static Route, Vec<bool>)> = None;
    for route in table() {
        if route.meta.method.as_http() != method || route.segments.len() != decoded.len() {
            continue;
        }
        let mut literal_mask = Vec::with_capacity(decoded.len());
        let matches = route
            .segments
            .iter()
            .zip(&decoded)
            .all(|(seg, value)| match seg {
                Segment::Literal(lit) => {
                    literal_mask.push(true);
                    lit == value
                }
                // An empty parameter never matches (`//` is no id).
                Segment::Param(_) => {
                    literal_mask.push(false);
                    !value.is_empty()
                }
            });
        if matches && best.as_ref().is_none_or(|(_, mask)| literal_mask > *mask) {
            best = Some((route, literal_mask));
        }
    }
    match best {
        Some((route, _)) => {
            let params = route
                .segments
                .iter()
                .zip(decoded)
                .filter_map(|(seg, value)| match seg {
                    Segment::Param(name) => Some((*name, value)),
                    Segment::Literal(_) => None,
                })
                .collect();
            RouteMatch::Found(route, Params(params))
        }
        None => RouteMatch::NotFound,
    }
}

/// Decodes a query string into name/value pairs (`+` is a space, `%XX` a byte).
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

/// Decodes one `application/x-www-form-urlencoded` component.
pub(crate) fn form_decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn id_of(method: Method, path: &str) -> Option<(&'static str, Vec<String>)> {
        match find(&method, path) {
            RouteMatch::Found(r, p) => Some((r.meta.id, p.0.into_iter().map(|(_, v)| v).collect())),
            _ => None,
        }
    }

    #[test]
    fn literals_win_and_segments_are_decoded() {
        assert_eq!(
            id_of(Method::GET, "/api/v2/chats/users/me/settings").map(|x| x.0),
            Some("getChatsUsersMeSettings")
        );
        assert_eq!(
            id_of(Method::GET, "/api/v2/chats/users/u1/settings").map(|x| x.0),
            Some("getChatsUserSettings")
        );
        assert_eq!(
            id_of(Method::POST, "/api/v2/chats/rooms/r%40c.x/messages/pins"),
            Some(("postChatsRoomMessagesPins", vec!["r@c.x".to_owned()]))
        );
        assert_eq!(
            id_of(Method::GET, "/api/v2/chats/rooms/r/messages/a%2Cb"),
            Some((
                "getChatsRoomMessage",
                vec!["r".to_owned(), "a,b".to_owned()]
            ))
        );
        assert_eq!(
            id_of(Method::DELETE, "/api/v2/chats/rooms/r/messages/pins/m%2F1"),
            Some((
                "deleteChatsRoomMessagesPin",
                vec!["r".to_owned(), "m/1".to_owned()]
            ))
        );
        assert!(id_of(Method::GET, "/api/v2/chats/rooms//messages").is_none());
        assert!(id_of(Method::GET, "/api/v2/chats/settings/").is_none());
        assert!(matches!(
            find(&Method::GET, "/api/v2/chats/rooms/%FF"),
            RouteMatch::BadPath
        ));
    }

    #[test]
    fn every_operation_has_a_handler() {
        for route in table() {
            assert!(route.handler.is_some(), "{} has no handler", route.meta.id);
        }
        assert_eq!(table().len(), 35);
        assert_eq!(
            id_of(Method::GET, "/api/v2/users/chats/me").map(|x| x.0),
            Some("getUsersChatsMe")
        );
        assert_eq!(
            id_of(Method::POST, "/api/v2/chats/users/me/settings").map(|x| x.0),
            Some("postChatsUsersMeSettings")
        );
        assert_eq!(
            id_of(Method::DELETE, "/api/v2/chats/users/me/settings").map(|x| x.0),
            Some("deleteChatsUsersMeSettings")
        );
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            query_pairs("limit=5&before=2026-11-25T16%3A42%3A06.415Z&x=a+b"),
            vec![
                ("limit".to_owned(), "5".to_owned()),
                ("before".to_owned(), "2026-11-25T16:42:06.415Z".to_owned()),
                ("x".to_owned(), "a b".to_owned())
            ]
        );
    }
}
