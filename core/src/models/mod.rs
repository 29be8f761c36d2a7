//! The 22 Chat models and the Genesys Cloud error body, with their exact JSON names.
//!
//! Every model ignores fields it does not know, and every enumeration keeps a value it
//! does not know in an `Unknown` variant that re-serialises unchanged, so a server that
//! grows never breaks a parse. Optional fields are omitted from JSON, never sent as `null`.

mod error_body;
mod requests;
mod responses;

pub use error_body::{ErrorBody, ErrorDetail, ErrorLimit};
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

/// Declares a string enumeration that keeps unknown values.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as it travels in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(other) => other,
                }
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
