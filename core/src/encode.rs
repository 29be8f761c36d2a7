//! Path and query encoding, the same as JavaScript's `encodeURIComponent`.
//!
//! Everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is percent-encoded as UTF-8, so a JID's
//! `@` travels as `%40`, a comma as `%2C`, and a `/` can never add a path segment.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::Error;

/// The characters `encodeURIComponent` escapes.
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

/// Appends `value` to `out`, encoded as one URI component.
pub fn push_component(out: &mut String, value: &str) {
    out.extend(utf8_percent_encode(value, COMPONENT));
}

/// Checks a path parameter: an empty value, `.` or `..` would change which endpoint is
/// reached (URL normalisation), so it is refused.
pub fn check_path_param(field: &'static str, value: &str) -> Result<(), Error> {
    match value {
        "" => Err(Error::invalid(
            field,
            "is empty; it is a required path parameter",
        )),
        "." | ".." => Err(Error::invalid(
            field,
            "is `.` or `..`, which URL normalisation would turn into another endpoint",
        )),
        _ => Ok(()),
    }
}

/// Fills a path template such as `/api/v2/chats/rooms/{roomJid}` with encoded values,
/// given in the order of the template's placeholders, and appends it to `out`.
pub fn fill_path(
    out: &mut String,
    template: &str,
    values: &[(&'static str, &str)],
) -> Result<(), Error> {
    let mut rest = template;
    let mut values = values.iter();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let (field, value) = values.next().ok_or_else(|| {
            Error::Config(format!(
                "path template {template} has more placeholders than values"
            ))
        })?;
        check_path_param(field, value)?;
        push_component(out, value);
        rest = rest.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let mut out = String::new();
        push_component(&mut out, s);
        out
    }

    #[test]
    fn matches_encode_uri_component() {
        // Expected values are what JavaScript's encodeURIComponent returns.
        assert_eq!(enc("a@conference.x.com"), "a%40conference.x.com");
        assert_eq!(enc("a/b"), "a%2Fb");
        assert_eq!(enc("1,2,3"), "1%2C2%2C3");
        assert_eq!(enc("-_.!~*'()"), "-_.!~*'()");
        assert_eq!(enc("a b+c?d#e%f&g=h"), "a%20b%2Bc%3Fd%23e%25f%26g%3Dh");
        assert_eq!(enc("é😀"), "%C3%A9%F0%9F%98%80");
        assert_eq!(
            enc("2026-11-25T16:42:06.415Z"),
            "2026-11-25T16%3A42%3A06.415Z"
        );
    }

    #[test]
    fn fills_templates() {
        let mut out = String::new();
        fill_path(
            &mut out,
            "/api/v2/chats/rooms/{roomJid}/messages/{messageId}",
            &[("roomJid", "r@c.x"), ("messageId", "m/1")],
        )
        .unwrap();
        assert_eq!(out, "/api/v2/chats/rooms/r%40c.x/messages/m%2F1");
    }

    #[test]
    fn refuses_empty_and_dot_segments() {
        for bad in ["", ".", ".."] {
            let err = fill_path(&mut String::new(), "/x/{roomJid}", &[("roomJid", bad)]);
            assert!(
                matches!(
                    err,
                    Err(Error::InvalidInput {
                        field: "roomJid",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        assert!(fill_path(&mut String::new(), "/x/{roomJid}", &[("roomJid", "...")]).is_ok());
    }
}
