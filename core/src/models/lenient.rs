//! Lists in responses that survive a malformed item.
//!
//! Every list a response carries (`entities`, `participants`, `reactions`, `users`,
//! `owners`, `pinnedMessages`) is read item by item: an item that does not parse (a value
//! of the wrong type, a `null` in place of an object) is left out of the list and recorded
//! as a [`MalformedItem`] in the `malformed` field of the model that holds the list, so
//! the other items are kept. The list itself must still be a JSON array (or `null`, or
//! absent); anything else, and JSON that is not well formed, fails the whole response.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// One item of a list in a response that could not be read, and was left out.
///
/// It names the list and the item's position, and why it could not be read; it never
/// holds the item's contents (chat text stays out of it). `Debug` and `Display` are
/// safe to log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MalformedItem {
    /// The JSON name of the list, e.g. `entities` or `reactions`.
    pub field: &'static str,
    /// The item's position in the list as the service sent it, from 0.
    pub index: usize,
    /// Why it could not be read (quoted values are masked).
    pub reason: String,
}

impl fmt::Display for MalformedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "item {} of `{}` could not be read: {}",
            self.index, self.field, self.reason
        )
    }
}

/// The items of a list that parsed, and the positions and reasons of those that did not.
pub(crate) struct Lenient<T> {
    pub(crate) items: Vec<T>,
    pub(crate) malformed: Vec<(usize, String)>,
}

impl<T> Lenient<T> {
    /// The items, and the malformed ones recorded under the list's JSON name.
    pub(crate) fn split(self, field: &'static str) -> (Vec<T>, Vec<MalformedItem>) {
        let malformed = self
            .malformed
            .into_iter()
            .map(|(index, reason)| MalformedItem {
                field,
                index,
                reason,
            })
            .collect();
        (self.items, malformed)
    }
}

/// Splits an optional lenient list into the model's list field and its malformed items.
pub(crate) fn split_opt<T>(
    list: Option<Lenient<T>>,
    field: &'static str,
    malformed: &mut Vec<MalformedItem>,
) -> Option<Vec<T>> {
    list.map(|list| {
        let (items, bad) = list.split(field);
        malformed.extend(bad);
        items
    })
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<fn() -> T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for ListVisitor<T> {
            type Value = Lenient<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
                let mut malformed = Vec::new();
                let mut index = 0usize;
                // Each item is first taken as raw JSON (well-formedness is still checked
                // for the whole document), then parsed on its own, so a bad item cannot
                // take its neighbours down with it.
                while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
                    match serde_json::from_str::<T>(raw.get()) {
                        Ok(item) => items.push(item),
                        Err(e) => malformed.push((index, masked_reason(&e))),
                    }
                    index = index.saturating_add(1);
                }
                Ok(Lenient { items, malformed })
            }
        }

        deserializer.deserialize_seq(ListVisitor(PhantomData))
    }
}

/// Deserialises a model `T` through its wire form `W`, from a JSON object only (serde
/// would also read a struct from an array of its fields, which no response is).
pub(crate) fn from_object<'de, D, W, T>(
    deserializer: D,
    expecting: &'static str,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    W: Deserialize<'de>,
    T: From<W>,
{
    struct ObjectVisitor<W, T>(&'static str, PhantomData<fn() -> (W, T)>);

    impl<'de, W: Deserialize<'de>, T: From<W>> Visitor<'de> for ObjectVisitor<W, T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            W::deserialize(MapAccessDeserializer::new(map)).map(T::from)
        }
    }

    deserializer.deserialize_map(ObjectVisitor(expecting, PhantomData))
}

/// A serde message with every quoted value masked (serde quotes the offending value,
/// which may be chat text), and without the position inside the item.
pub(crate) fn masked_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => text.as_str(),
    };
    let mut reason = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            reason.push(c);
            continue;
        }
        while let Some(inner) = chars.next() {
            match inner {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
        reason.push_str("\"…\"");
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_item_is_recorded_by_position_and_the_others_are_kept() {
        let list: Lenient<String> = serde_json::from_str(r#"["a", 5, null, "d"]"#).unwrap();
        assert_eq!(list.items, vec!["a".to_owned(), "d".to_owned()]);
        assert_eq!(
            list.malformed,
            vec![
                (1, "invalid type: integer `5`, expected a string".to_owned()),
                (2, "invalid type: null, expected a string".to_owned()),
            ]
        );
    }

    #[test]
    fn quoted_values_never_reach_the_reason() {
        let list: Lenient<u32> = serde_json::from_str(r#"["my secret \"text\""]"#).unwrap();
        assert!(list.items.is_empty());
        assert_eq!(
            list.malformed,
            vec![(0, "invalid type: string \"…\", expected u32".to_owned())]
        );
    }

    #[test]
    fn a_list_that_is_not_an_array_fails() {
        assert!(serde_json::from_str::<Lenient<u32>>(r#"{"a":1}"#).is_err());
        assert!(serde_json::from_str::<Lenient<u32>>(r#"[1, 2"#).is_err());
    }
}
