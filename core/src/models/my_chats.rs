//! The models of "my chats" (`getUsersChatsMe`, Users API): the rooms and 1on1s the
//! caller takes part in, one cursor page at a time.
//!
//! What a chat program reads is typed ([`ChatItem`], [`ChatFavorite`], [`ChatUserRef`],
//! [`ChatPresence`], [`Image`], and the room as the core's [`Room`]); the deeper objects of
//! the Users API (`organizationPresence`, `outOfOffice`, `integrations`) are kept as raw
//! JSON values, so nothing the service sends is lost and a later version can type them.
//! Lists (`entities`, `images`) are read item by item like every list of a response: an
//! item that cannot be read is left out and recorded in `malformed`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::lenient::{Lenient, MalformedItem, from_object, split_opt};
use super::{Room, RoomType, SystemPresence};
use crate::Timestamp;

/// `Image`: one picture of a chat, at one resolution.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// The resolution, e.g. `x96`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// Where the picture is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_uri: Option<String>,
}

/// `ChatFavorite`: the chat is one of the caller's favourites.
///
/// The schema marks both fields required; the service may omit either.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatFavorite {
    /// The favourite's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// `ChatPresence`: the presence of the other user of a 1on1 (sent when asked for with
/// `includePresence`).
///
/// `organizationPresence` and `outOfOffice` are objects of the Users API, kept as raw
/// JSON. `message` is the user's own status text: `Debug` does not print it.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatPresence {
    /// Where the presence comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The organisation's presence definition (raw `OrganizationPresence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_presence: Option<Value>,
    /// The system presence, e.g. `Available`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_presence: Option<SystemPresence>,
    /// The user's status text (personal data: never printed by `Debug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the presence last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<Timestamp>,
    /// The user's out-of-office state (raw `OutOfOffice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_office: Option<Value>,
}

impl std::fmt::Debug for ChatPresence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatPresence")
            .field("source", &self.source)
            .field(
                "organization_presence",
                &self.organization_presence.as_ref().map(|_| "[object]"),
            )
            .field("system_presence", &self.system_presence)
            .field("message", &self.message.as_ref().map(|_| "[hidden]"))
            .field("date_modified", &self.date_modified)
            .field(
                "out_of_office",
                &self.out_of_office.as_ref().map(|_| "[object]"),
            )
            .finish()
    }
}

/// `ChatUserRef`: the other user of a 1on1.
///
/// `integrations` (a list of the Users API's `Contact`) is kept as raw JSON values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatUserRef {
    /// The user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The URI of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// The user's chat JID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jid: Option<String>,
    /// Whether the user is inactive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive: Option<bool>,
    /// Contacts of integrations (raw `Contact` objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrations: Option<Vec<Value>>,
    /// The user's presence, when asked for with `includePresence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<ChatPresence>,
}

/// `ChatItem`: one room or 1on1 the caller takes part in.
///
/// The schema marks `open` and `chatType` required; the service may omit either, so every
/// field is an `Option`. A room's item carries the [`Room`] (with its owners when asked
/// for with `includeRoomOwners`); a 1on1's carries the other user ([`ChatUserRef`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatItem {
    /// The chat's id (a room's JID, or the other user's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The chat's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the chat is open (a closed one is left out with `excludeClosed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
    /// The chat is one of the caller's favourites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favorite: Option<ChatFavorite>,
    /// Pictures of the chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// When the last message was posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_last_message: Option<Timestamp>,
    /// When the chat was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_closed: Option<Timestamp>,
    /// The other user of a 1on1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<ChatUserRef>,
    /// The room of a room chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<Room>,
    /// The kind of chat (`adhoc`, `oneOnOne`, …), an open enumeration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<RoomType>,
    /// The URI of the chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Items of `images` that could not be read and were left out (never serialised).
    #[serde(skip)]
    pub malformed: Vec<MalformedItem>,
}

impl ChatItem {
    /// The chat's id, when the service sent one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Whether the chat is open; `None` when the service did not say.
    pub fn is_open(&self) -> Option<bool> {
        self.open
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireChatItem {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    open: Option<bool>,
    #[serde(default)]
    favorite: Option<ChatFavorite>,
    #[serde(default)]
    images: Option<Lenient<Image>>,
    #[serde(default)]
    date_last_message: Option<Timestamp>,
    #[serde(default)]
    date_closed: Option<Timestamp>,
    #[serde(default)]
    user: Option<ChatUserRef>,
    #[serde(default)]
    room: Option<Room>,
    #[serde(default)]
    chat_type: Option<RoomType>,
    #[serde(default)]
    self_uri: Option<String>,
}

impl<'de> Deserialize<'de> for ChatItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_object::<D, WireChatItem, Self>(deserializer, "a ChatItem object")
    }
}

impl From<WireChatItem> for ChatItem {
    fn from(wire: WireChatItem) -> Self {
        let mut malformed = Vec::new();
        let images = split_opt(wire.images, "images", &mut malformed);
        ChatItem {
            id: wire.id,
            name: wire.name,
            open: wire.open,
            favorite: wire.favorite,
            images,
            date_last_message: wire.date_last_message,
            date_closed: wire.date_closed,
            user: wire.user,
            room: wire.room,
            chat_type: wire.chat_type,
            self_uri: wire.self_uri,
            malformed,
        }
    }
}

/// `ChatItemCursorListing`: one page of the caller's chats. `nextUri` carries the cursor
/// of the next page (its `after` query value); no `nextUri` means the last page.
///
/// ```
/// use genesys_chat::models::ChatItemCursorListing;
///
/// let page: ChatItemCursorListing = serde_json::from_str(
///     r#"{"entities":[{"id":"r1","open":true,"chatType":"adhoc"},7],
///         "nextUri":"/api/v2/users/chats/me?after=k%2B1"}"#,
/// )?;
/// assert_eq!(page.chats().len(), 1);
/// assert_eq!(page.malformed[0].index, 1);
/// assert_eq!(page.after_key(), Ok(Some("k+1".to_owned())));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatItemCursorListing {
    /// The chats of this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<ChatItem>>,
    /// The URI of the next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_uri: Option<String>,
    /// The URI of this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// The URI of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_uri: Option<String>,
    /// Items of `entities` that could not be read and were left out (never serialised).
    #[serde(skip)]
    pub malformed: Vec<MalformedItem>,
}

/// Why the `after` key of a `nextUri` could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CursorError {
    /// `nextUri` has no `after` query value (or an empty one).
    NoAfter,
    /// The `after` value is not valid percent-encoded UTF-8.
    NotUtf8,
}

impl std::fmt::Display for CursorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CursorError::NoAfter => "the page's `nextUri` holds no `after` key",
            CursorError::NotUtf8 => {
                "the `after` key of the page's `nextUri` is not percent-encoded UTF-8"
            }
        })
    }
}

impl ChatItemCursorListing {
    /// A page of these chats, without a next page.
    pub fn of(chats: Vec<ChatItem>) -> Self {
        ChatItemCursorListing {
            entities: Some(chats),
            ..Self::default()
        }
    }

    /// The chats of this page, or an empty slice when the service sent no list.
    pub fn chats(&self) -> &[ChatItem] {
        self.entities.as_deref().unwrap_or(&[])
    }

    /// The cursor of the next page: the `after` query value of `nextUri`,
    /// percent-decoded (`%2B` is `+`; a `+` stays a `+`, as in any URI query), or
    /// `Ok(None)` when there is no `nextUri` (or it is empty): the last page.
    pub fn after_key(&self) -> Result<Option<String>, CursorError> {
        let Some(next) = self.next_uri.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let query = next.split_once('?').map_or("", |(_, q)| q);
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let raw = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "after")
            .map(|(_, value)| value)
            .filter(|value| !value.is_empty())
            .ok_or(CursorError::NoAfter)?;
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map(|key| Some(key.into_owned()))
            .map_err(|_| CursorError::NotUtf8)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCursorListing {
    #[serde(default)]
    entities: Option<Lenient<ChatItem>>,
    #[serde(default)]
    next_uri: Option<String>,
    #[serde(default)]
    self_uri: Option<String>,
    #[serde(default)]
    previous_uri: Option<String>,
}

impl<'de> Deserialize<'de> for ChatItemCursorListing {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_object::<D, WireCursorListing, Self>(deserializer, "a ChatItemCursorListing object")
    }
}

impl From<WireCursorListing> for ChatItemCursorListing {
    fn from(wire: WireCursorListing) -> Self {
        let mut malformed = Vec::new();
        let entities = split_opt(wire.entities, "entities", &mut malformed);
        ChatItemCursorListing {
            entities,
            next_uri: wire.next_uri,
            self_uri: wire.self_uri,
            previous_uri: wire.previous_uri,
            malformed,
        }
    }
}
