//! The 24 Chat models, the six models of "my chats" (Users API: [`ChatItemCursorListing`]
//! and what it holds) and the Genesys Cloud error body, with their exact JSON names.
//!
//! Every model ignores fields it does not know, and every enumeration keeps a value it
//! does not know in an `Unknown` variant that re-serialises unchanged, so a server that
//! grows never breaks a parse. Optional fields are omitted from JSON, never sent as `null`.
//!
//! Responses are read the way the official SDKs read them:
//!
//! - Every field of a response model is optional, including those the schema marks
//!   required (the service omits them at times); accessors such as
//!   [`ChatMessageResponse::id`] and [`ChatMessageResponse::body`] cover the common reads.
//! - A value of the wrong type is not coerced. In a list (`entities`, `participants`,
//!   `reactions`, `users`, `owners`, `pinnedMessages`) it fails only its item, which is
//!   left out and recorded in the `malformed` field of the model holding the list (its
//!   position and the reason, never its contents; see [`MalformedItem`]). Elsewhere it
//!   fails the response with [`crate::Error::Decode`].
//! - Enumerations compare without regard to ASCII case, and keep the text as sent: see
//!   [`RoomType`].

mod error_body;
mod lenient;
mod my_chats;
mod requests;
mod responses;
mod user_settings;

pub use error_body::{ErrorBody, ErrorDetail, ErrorLimit};
pub use lenient::MalformedItem;
pub use my_chats::{
    ChatFavorite, ChatItem, ChatItemCursorListing, ChatPresence, ChatUserRef, CursorError, Image,
};
pub use requests::{
    ChatReactionUpdate, ChatSettings, ChatUserSettings, CreateRoomRequest, MAX_PINNED_MESSAGES,
    MAX_ROOM_USER_IDS, MobileNotificationSettings, MobileSettings, PinnedMessageRequest,
    RETENTION_DAYS, RoomUpdateRequest, SendMessageBody, Validate,
};
pub use responses::{
    AddressableEntityRef, ChatMessageEntityListing, ChatMessageResponse, ChatReaction,
    ChatSendMessageResponse, CreateRoomResponse, Entity, OneOnOne, Room, RoomParticipant,
    RoomParticipantResponse, RoomParticipantsResponse, UserReference,
};
pub use user_settings::{UserChatSettingsPost, UserSettingsForChat};

/// Declares a string enumeration that keeps unknown values and compares without regard
/// to ASCII case.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        ///
        /// A value parses as its variant when it matches the documented spelling exactly.
        /// Any other text is kept as sent in `Unknown`, so it re-serialises unchanged: a
        /// value that differs from a documented one only in ASCII case (`"ADHOC"`) stays
        /// `Unknown("ADHOC")`, yet equals the documented variant (`==`, and `Hash`, ignore
        /// ASCII case), and [`Self::canonical`] gives the variant to `match` on.
        #[derive(Debug, Clone)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as it travels in JSON (for `Unknown`, exactly as it was sent).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(other) => other,
                }
            }

            /// The documented variant this value names, ignoring ASCII case; `Unknown`
            /// (a copy) for a value that names none. Use it to `match`.
            pub fn canonical(&self) -> Self {
                match self {
                    $name::Unknown(other) => {
                        $( if other.eq_ignore_ascii_case($wire) {
                            return $name::$variant;
                        } )+
                        $name::Unknown(other.clone())
                    }
                    known => known.clone(),
                }
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str().eq_ignore_ascii_case(other.as_str())
            }
        }

        impl Eq for $name {}

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                // Consistent with `eq`: equal values hash alike whatever their case.
                for byte in self.as_str().bytes() {
                    state.write_u8(byte.to_ascii_lowercase());
                }
                state.write_u8(0xff);
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok($name::from(text.as_ref()))
            }
        }
    };
}

open_enum! {
    /// The kind of a room (`Room.roomType`).
    ///
    /// ```
    /// use genesys_chat::models::RoomType;
    ///
    /// let shouted: RoomType = serde_json::from_str(r#""ADHOC""#)?;
    /// assert_eq!(shouted, RoomType::Adhoc);
    /// assert_eq!(shouted.canonical(), RoomType::Adhoc);
    /// assert!(matches!(shouted.canonical(), RoomType::Adhoc));
    /// assert_eq!(serde_json::to_string(&shouted)?, r#""ADHOC""#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    RoomType {
        /// A room created through the API (`adhoc`).
        Adhoc = "adhoc",
        /// A room of an ACD interaction (`acd`).
        Acd = "acd",
        /// A group's room (`group`).
        Group = "group",
        /// A one-on-one conversation (`oneOnOne`).
        OneOnOne = "oneOnOne",
        /// A supervisor assistance room (`supervisorAssistance`).
        SupervisorAssistance = "supervisorAssistance",
    }
}

open_enum! {
    /// When mobile notifications are sent (`MobileNotificationSettings.when`).
    NotifyWhen {
        /// Always notify (`Always`).
        Always = "Always",
        /// Only while the user is inactive elsewhere (`OnlyWhenInactive`).
        OnlyWhenInactive = "OnlyWhenInactive",
    }
}

open_enum! {
    /// A user's system presence (`ChatPresence.systemPresence`).
    SystemPresence {
        /// `Available`
        Available = "Available",
        /// `Away`
        Away = "Away",
        /// `Busy`
        Busy = "Busy",
        /// `Offline`
        Offline = "Offline",
        /// `Idle`
        Idle = "Idle",
        /// `OnQueue`
        OnQueue = "OnQueue",
        /// `Meal`
        Meal = "Meal",
        /// `Training`
        Training = "Training",
        /// `Meeting`
        Meeting = "Meeting",
        /// `Break`
        Break = "Break",
    }
}
