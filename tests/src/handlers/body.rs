//! Reading untrusted JSON bodies field by field, so every refusal names its field.

use serde_json::{Map, Value};

use crate::failure::Failure;

/// The body as a JSON object, or 400 naming `body`.
pub(crate) fn object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::bad_request(
            "body",
            "is empty; a JSON object is required",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::bad_request("body", "is not a JSON object")),
        Err(_) => Err(Failure::bad_request("body", "is not valid JSON")),
    }
}

/// A field that may be absent (`null` counts as absent).
fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).filter(|v| !v.is_null())
}

/// A required string.
pub(crate) fn required_string(map: &Map<String, Value>, name: &str) -> Result<String, Failure> {
    match field(map, name) {
        None => Err(Failure::bad_request(name, "is required")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Failure::bad_request(name, "must be a string")),
    }
}

/// An optional string.
pub(crate) fn optional_string(
    map: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, Failure> {
    match field(map, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Failure::bad_request(name, "must be a string")),
    }
}

/// An optional list of non-empty strings.
pub(crate) fn optional_ids(
    map: &Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<String>>, Failure> {
    let Some(value) = field(map, name) else {
        return Ok(None);
    };
    let Value::Array(items) = value else {
        return Err(Failure::bad_request(name, "must be an array of strings"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            Value::String(_) => Err(Failure::bad_request(name, "contains an empty string")),
            _ => Err(Failure::bad_request(name, "must be an array of strings")),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A required list of non-empty strings.
pub(crate) fn required_ids(map: &Map<String, Value>, name: &str) -> Result<Vec<String>, Failure> {
    optional_ids(map, name)?.ok_or_else(|| Failure::bad_request(name, "is required"))
}

/// An optional JSON object.
pub(crate) fn optional_object<'a>(
    map: &'a Map<String, Value>,
    name: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, Failure> {
    match field(map, name) {
        None => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(_) => Err(Failure::bad_request(path, "must be a JSON object")),
    }
}

/// The value once, in first-seen order.
pub(crate) fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}
