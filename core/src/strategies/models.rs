//! Strategies for the 24 Chat models, the six models of "my chats", the error body and
//! the three enumerations, as
//! [`Arbitrary`] implementations whose parameter is the [`Mode`]; plus [`AnyBody`], the
//! documented rules of the request bodies, and bodies that break exactly one rule.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use super::values::{
    emoji, hostile_text, message_id, message_text, regex, room_jid, timestamp_with, title, user_id,
    user_jid,
};
use super::{Invalid, Mode};
use crate::models::*;

/// The largest request body the service accepts (512 000 bytes of JSON), from the
/// reference; the kit keeps its own copy of each documented limit.
const BODY_LIMIT: usize = 512_000;

/// `Some` or `None`, each about half the time.
fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::of(s)
}

/// An id: a UUID when valid; hostile text (possibly empty) when adversarial.
fn id_with(mode: Mode) -> BoxedStrategy<String> {
    match mode {
        Mode::Valid => user_id().boxed(),
        Mode::Adversarial => hostile_text().boxed(),
    }
}

/// Human text (subjects, names): short titles when valid; hostile text when adversarial.
fn title_with(mode: Mode) -> BoxedStrategy<String> {
    match mode {
        Mode::Valid => title().boxed(),
        Mode::Adversarial => hostile_text().boxed(),
    }
}

/// Chat text: printable Unicode when valid; hostile text, and now and then more than the
/// service accepts in a body, when adversarial.
fn chat_text_with(mode: Mode) -> BoxedStrategy<String> {
    match mode {
        Mode::Valid => message_text().boxed(),
        Mode::Adversarial => prop_oneof![
            20 => hostile_text(),
            1 => oversized_text(),
        ]
        .boxed(),
    }
}

/// A text whose JSON alone is over the body limit.
fn oversized_text() -> impl Strategy<Value = String> {
    (1usize..64).prop_map(|extra| "x".repeat(BODY_LIMIT + extra))
}

/// A URI path of the API, for `selfUri` fields.
fn self_uri(kind: &'static str, id: &str) -> String {
    format!("/api/v2/{kind}/{id}")
}

fn open_enum<T: Clone + std::fmt::Debug + for<'a> From<&'a str> + 'static>(
    known: &'static [&'static str],
    mode: Mode,
) -> BoxedStrategy<T> {
    let known = select(known).prop_map(T::from);
    match mode {
        Mode::Valid => known.boxed(),
        Mode::Adversarial => prop_oneof![
            known,
            // `From` keeps a known spelling known, so values survive a JSON round trip.
            hostile_text().prop_map(|s| T::from(s.as_str())),
            select(&["ADHOC", "Adhoc", "always", "never", "OnlyWhenActive", ""][..])
                .prop_map(T::from),
        ]
        .boxed(),
    }
}

impl Arbitrary for RoomType {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: the five documented kinds. Adversarial: also unknown values.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        open_enum(
            &["adhoc", "acd", "group", "oneOnOne", "supervisorAssistance"],
            mode,
        )
    }
}

impl Arbitrary for SystemPresence {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: the ten documented presences. Adversarial: also unknown values.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        open_enum(
            &[
                "Available",
                "Away",
                "Busy",
                "Offline",
                "Idle",
                "OnQueue",
                "Meal",
                "Training",
                "Meeting",
                "Break",
            ],
            mode,
        )
    }
}

impl Arbitrary for NotifyWhen {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: `Always` or `OnlyWhenInactive`. Adversarial: also unknown values.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        open_enum(&["Always", "OnlyWhenInactive"], mode)
    }
}

// ---------------------------------------------------------------------------------------
// Request bodies.
// ---------------------------------------------------------------------------------------

impl Arbitrary for SendMessageBody {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let mentions = match mode {
            Mode::Valid => vec(user_id(), 0..4).boxed(),
            Mode::Adversarial => vec(hostile_text(), 0..30).boxed(),
        };
        let thread = match mode {
            Mode::Valid => message_id().boxed(),
            Mode::Adversarial => hostile_text().boxed(),
        };
        (chat_text_with(mode), opt(mentions), opt(thread))
            .prop_map(|(message, mentions, thread_id)| SendMessageBody {
                message,
                mentions,
                thread_id,
            })
            .boxed()
    }
}

impl Arbitrary for CreateRoomRequest {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let users = match mode {
            Mode::Valid => vec(user_id(), 0..=25).boxed(),
            Mode::Adversarial => vec(hostile_text(), 0..=30).boxed(),
        };
        let subject = match mode {
            Mode::Valid => title().boxed(),
            Mode::Adversarial => chat_text_with(mode),
        };
        (opt(title_with(mode)), subject, opt(users))
            .prop_map(|(description, subject, user_ids)| CreateRoomRequest {
                description,
                subject,
                user_ids,
            })
            .boxed()
    }
}

impl Arbitrary for RoomUpdateRequest {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: at most 5 pins; owners, when set, at least one (a room needs an owner).
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let (pins, owners) = match mode {
            Mode::Valid => (
                vec(message_id(), 0..=5).boxed(),
                vec(user_id(), 1..3).boxed(),
            ),
            Mode::Adversarial => (
                vec(hostile_text(), 0..=8).boxed(),
                vec(hostile_text(), 0..4).boxed(),
            ),
        };
        (
            opt(title_with(mode)),
            opt(title_with(mode)),
            opt(pins),
            opt(owners),
        )
            .prop_map(
                |(description, subject, pinned_message_ids, owner_ids)| RoomUpdateRequest {
                    description,
                    subject,
                    pinned_message_ids,
                    owner_ids,
                },
            )
            .boxed()
    }
}

impl Arbitrary for PinnedMessageRequest {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        match mode {
            Mode::Valid => vec(message_id(), 1..=5).boxed(),
            Mode::Adversarial => vec(hostile_text(), 0..=8).boxed(),
        }
        .prop_map(|pinned_message_ids| PinnedMessageRequest { pinned_message_ids })
        .boxed()
    }
}

/// The reactions the valid strategies use, each at most once per set.
const REACTIONS: &[&str] = &["👍", "❤️", "😂", "🎉", "👀", "🚀", "✅", "👍🏽"];

impl Arbitrary for ChatReactionUpdate {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: zero to four distinct emoji (an empty set removes the caller's reactions).
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        match mode {
            Mode::Valid => subsequence(REACTIONS, 0..=4)
                .prop_map(|r| r.into_iter().map(str::to_owned).collect())
                .boxed(),
            Mode::Adversarial => vec(prop_oneof![emoji(), hostile_text()], 0..40).boxed(),
        }
        .prop_map(|reactions| ChatReactionUpdate { reactions })
        .boxed()
    }
}

impl Arbitrary for ChatSettings {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: a retention of 10 to 3650 days, or none. Adversarial: any `u32`, biased to
    /// the edges of the range.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let days = match mode {
            Mode::Valid => (10u32..=3650).boxed(),
            Mode::Adversarial => prop_oneof![
                select(&[0u32, 9, 10, 3650, 3651, u32::MAX][..]),
                0u32..10,
                10u32..=3650,
                3651u32..,
            ]
            .boxed(),
        };
        (opt(days), opt(any::<bool>()))
            .prop_map(
                |(message_retention_period_days, reactions_enabled)| ChatSettings {
                    message_retention_period_days,
                    reactions_enabled,
                },
            )
            .boxed()
    }
}

impl Arbitrary for MobileNotificationSettings {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        NotifyWhen::arbitrary_with(mode)
            .prop_map(|when| MobileNotificationSettings { when: Some(when) })
            .boxed()
    }
}

impl Arbitrary for MobileSettings {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        MobileNotificationSettings::arbitrary_with(mode)
            .prop_map(|notifications| MobileSettings {
                notifications: Some(notifications),
            })
            .boxed()
    }
}

impl Arbitrary for ChatUserSettings {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        MobileSettings::arbitrary_with(mode)
            .prop_map(|mobile| ChatUserSettings {
                mobile: Some(mobile),
            })
            .boxed()
    }
}

impl Arbitrary for UserSettingsForChat {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Each of the four fields set or not.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        (
            opt(any::<bool>()),
            opt(any::<bool>()),
            opt(any::<bool>()),
            opt(MobileSettings::arbitrary_with(mode)),
        )
            .prop_map(
                |(muted, mentions_only, notify_on_reactions, mobile)| UserSettingsForChat {
                    muted,
                    mentions_only,
                    notify_on_reactions,
                    mobile,
                },
            )
            .boxed()
    }
}

impl Arbitrary for UserChatSettingsPost {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// `muted` always (it is required), the other two set or not.
    fn arbitrary_with(_: Mode) -> Self::Strategy {
        (any::<bool>(), opt(any::<bool>()), opt(any::<bool>()))
            .prop_map(
                |(muted, mentions_only, notify_on_reactions)| UserChatSettingsPost {
                    muted,
                    mentions_only,
                    notify_on_reactions,
                },
            )
            .boxed()
    }
}

// ---------------------------------------------------------------------------------------
// Response models.
// ---------------------------------------------------------------------------------------

impl Arbitrary for Entity {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        match mode {
            Mode::Valid => message_id().prop_map(|id| Entity { id: Some(id) }).boxed(),
            Mode::Adversarial => opt(hostile_text()).prop_map(|id| Entity { id }).boxed(),
        }
    }
}

impl Arbitrary for AddressableEntityRef {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: a user id and its `/api/v2/users/{id}`.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        match mode {
            Mode::Valid => user_id()
                .prop_map(|id| AddressableEntityRef {
                    self_uri: Some(self_uri("users", &id)),
                    id: Some(id),
                })
                .boxed(),
            Mode::Adversarial => (opt(hostile_text()), opt(hostile_text()))
                .prop_map(|(id, self_uri)| AddressableEntityRef { id, self_uri })
                .boxed(),
        }
    }
}

impl Arbitrary for UserReference {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: a user id and its `/api/v2/users/{id}`.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        AddressableEntityRef::arbitrary_with(mode)
            .prop_map(|r| UserReference {
                id: r.id,
                self_uri: r.self_uri,
            })
            .boxed()
    }
}

impl Arbitrary for ChatReaction {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let (emoji, users) = match mode {
            Mode::Valid => (emoji().boxed(), 1..4),
            Mode::Adversarial => (prop_oneof![emoji(), hostile_text()].boxed(), 0..4),
        };
        (
            emoji,
            vec(AddressableEntityRef::arbitrary_with(mode), users),
        )
            .prop_map(|(emoji, users)| ChatReaction {
                emoji: Some(emoji),
                users: Some(users),
                malformed: Vec::new(),
            })
            .boxed()
    }
}

impl Arbitrary for ChatMessageResponse {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: what the service sends: a UUID id, an RFC 3339 creation date, a later
    /// modification date exactly when `edited`, a room or user JID as `toJid`, the
    /// sender's JID, a thread that is the message itself or its root.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        match mode {
            Mode::Valid => valid_message().boxed(),
            Mode::Adversarial => adversarial_message().boxed(),
        }
    }
}

fn valid_message() -> impl Strategy<Value = ChatMessageResponse> {
    let mode = Mode::Valid;
    (
        (
            message_id(),
            1_420_070_400_000i64..2_051_222_400_000,
            opt(1i64..86_400_000),
            prop_oneof![room_jid(), user_jid()],
            user_jid(),
            message_text(),
        ),
        (
            opt(btree_map(user_id(), user_jid(), 0..3)),
            opt(any::<bool>()),
            opt(regex(
                "https://files\\.example\\.com/[a-z0-9]{8}\\.(png|pdf)",
            )),
            opt(message_id()),
        ),
        (
            opt(AddressableEntityRef::arbitrary_with(mode)),
            opt(AddressableEntityRef::arbitrary_with(mode)),
            opt(vec(ChatReaction::arbitrary_with(mode), 0..3)),
        ),
    )
        .prop_map(
            |(
                (id, created, edit_delay, to_jid, jid, body),
                (mentions, attachment_deleted, file_uri, root),
                (user, to_user, reactions),
            )| {
                let thread = Entity {
                    id: Some(root.clone().unwrap_or_else(|| id.clone())),
                };
                let parent_thread = root.map(|id| Entity { id: Some(id) });
                ChatMessageResponse {
                    date_created: Some(crate::Timestamp::from_unix_millis(created)),
                    date_modified: edit_delay
                        .map(|d| crate::Timestamp::from_unix_millis(created + d)),
                    edited: edit_delay.map(|_| true),
                    id: Some(id),
                    to_jid: Some(to_jid),
                    jid: Some(jid),
                    body: Some(body),
                    mentions,
                    attachment_deleted: file_uri.as_ref().and(attachment_deleted),
                    file_uri,
                    thread: Some(thread),
                    parent_thread,
                    user,
                    to_user,
                    reactions,
                    malformed: Vec::new(),
                }
            },
        )
}

fn adversarial_message() -> impl Strategy<Value = ChatMessageResponse> {
    let mode = Mode::Adversarial;
    (
        (
            opt(hostile_text()),
            opt(timestamp_with(mode)),
            opt(timestamp_with(mode)),
            opt(hostile_text()),
            opt(hostile_text()),
            opt(hostile_text()),
        ),
        (
            opt(btree_map(hostile_text(), hostile_text(), 0..3)),
            opt(any::<bool>()),
            opt(any::<bool>()),
            opt(hostile_text()),
        ),
        (
            opt(Entity::arbitrary_with(mode)),
            opt(Entity::arbitrary_with(mode)),
            opt(AddressableEntityRef::arbitrary_with(mode)),
            opt(AddressableEntityRef::arbitrary_with(mode)),
            opt(vec(ChatReaction::arbitrary_with(mode), 0..3)),
        ),
    )
        .prop_map(
            |(
                (id, date_created, date_modified, to_jid, jid, body),
                (mentions, edited, attachment_deleted, file_uri),
                (thread, parent_thread, user, to_user, reactions),
            )| ChatMessageResponse {
                id,
                date_created,
                date_modified,
                to_jid,
                jid,
                body,
                mentions,
                edited,
                attachment_deleted,
                file_uri,
                thread,
                parent_thread,
                user,
                to_user,
                reactions,
                malformed: Vec::new(),
            },
        )
}

impl Arbitrary for ChatMessageEntityListing {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: up to 8 messages, newest first (as every history is). Adversarial: in any
    /// order, or no `entities` at all.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let messages = vec(ChatMessageResponse::arbitrary_with(mode), 0..8);
        match mode {
            Mode::Valid => messages
                .prop_map(|mut m| {
                    m.sort_by(|a, b| b.date_created.cmp(&a.date_created));
                    ChatMessageEntityListing::of(m)
                })
                .boxed(),
            Mode::Adversarial => opt(messages)
                .prop_map(|entities| ChatMessageEntityListing {
                    entities,
                    malformed: Vec::new(),
                })
                .boxed(),
        }
    }
}

impl Arbitrary for ChatSendMessageResponse {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        required_with(mode, id_with(mode))
            .prop_map(|id| ChatSendMessageResponse { id })
            .boxed()
    }
}

/// A field the schema marks required: always set when valid; when adversarial, also
/// missing (the service omits such fields at times).
fn required_with(mode: Mode, value: BoxedStrategy<String>) -> BoxedStrategy<Option<String>> {
    match mode {
        Mode::Valid => value.prop_map(Some).boxed(),
        Mode::Adversarial => opt(value).boxed(),
    }
}

fn room_jid_with(mode: Mode) -> BoxedStrategy<String> {
    match mode {
        Mode::Valid => room_jid().boxed(),
        Mode::Adversarial => hostile_text().boxed(),
    }
}

fn user_jid_with(mode: Mode) -> BoxedStrategy<String> {
    match mode {
        Mode::Valid => user_jid().boxed(),
        Mode::Adversarial => hostile_text().boxed(),
    }
}

impl Arbitrary for CreateRoomResponse {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        required_with(mode, room_jid_with(mode))
            .prop_map(|jid| CreateRoomResponse { jid })
            .boxed()
    }
}

impl Arbitrary for Room {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: an adhoc room or another documented kind, with its JID, id and URI.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let limit = match mode {
            Mode::Valid => (2i64..=1000).boxed(),
            Mode::Adversarial => any::<i64>().boxed(),
        };
        (
            (
                id_with(mode),
                opt(title_with(mode)),
                opt(timestamp_with(mode)),
                opt(RoomType::arbitrary_with(mode)),
            ),
            (opt(title_with(mode)), opt(title_with(mode)), opt(limit)),
            (
                opt(vec(UserReference::arbitrary_with(mode), 0..3)),
                opt(vec(AddressableEntityRef::arbitrary_with(mode), 0..=5)),
                room_jid_with(mode),
                any::<bool>(),
            ),
        )
            .prop_map(
                move |(
                    (id, name, date_created, room_type),
                    (description, subject, participant_limit),
                    (owners, pinned_messages, jid, sparse),
                )| {
                    let valid = mode == Mode::Valid;
                    Room {
                        self_uri: (valid || !sparse).then(|| self_uri("chats/rooms", &jid)),
                        jid: (valid || !sparse).then_some(jid),
                        id: (valid || !sparse).then_some(id),
                        name,
                        date_created,
                        room_type,
                        description,
                        subject,
                        participant_limit,
                        owners,
                        pinned_messages,
                        malformed: Vec::new(),
                    }
                },
            )
            .boxed()
    }
}

impl Arbitrary for RoomParticipant {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        required_with(mode, user_jid_with(mode))
            .prop_map(|participant_jid| RoomParticipant { participant_jid })
            .boxed()
    }
}

impl Arbitrary for RoomParticipantResponse {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        match mode {
            Mode::Valid => (user_jid(), AddressableEntityRef::arbitrary_with(mode))
                .prop_map(|(jid, user)| RoomParticipantResponse {
                    jid: Some(jid),
                    user: Some(user),
                })
                .boxed(),
            Mode::Adversarial => (
                opt(hostile_text()),
                opt(AddressableEntityRef::arbitrary_with(mode)),
            )
                .prop_map(|(jid, user)| RoomParticipantResponse { jid, user })
                .boxed(),
        }
    }
}

impl Arbitrary for RoomParticipantsResponse {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let participants = vec(RoomParticipantResponse::arbitrary_with(mode), 0..6);
        match mode {
            Mode::Valid => participants
                .prop_map(|p| RoomParticipantsResponse {
                    participants: Some(p),
                    malformed: Vec::new(),
                })
                .boxed(),
            Mode::Adversarial => opt(participants)
                .prop_map(|participants| RoomParticipantsResponse {
                    participants,
                    malformed: Vec::new(),
                })
                .boxed(),
        }
    }
}

impl Arbitrary for OneOnOne {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let max = match mode {
            Mode::Valid => 5,
            Mode::Adversarial => 8,
        };
        opt(vec(AddressableEntityRef::arbitrary_with(mode), 0..=max))
            .prop_map(|pinned_messages| OneOnOne {
                pinned_messages,
                malformed: Vec::new(),
            })
            .boxed()
    }
}

// ---------------------------------------------------------------------------------------
// "My chats" (Users API).
// ---------------------------------------------------------------------------------------

/// A raw JSON object of the Users API (kept as a value by the core).
fn raw_object(mode: Mode) -> BoxedStrategy<serde_json::Value> {
    (id_with(mode), title_with(mode), any::<bool>())
        .prop_map(|(id, name, flag)| serde_json::json!({ "id": id, "name": name, "active": flag }))
        .boxed()
}

impl Arbitrary for Image {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let (resolution, uri) = match mode {
            Mode::Valid => (
                select(&["x48", "x96", "x128", "x200", "x300"][..])
                    .prop_map(str::to_owned)
                    .boxed(),
                regex("https://images\\.example\\.com/[a-z0-9]{8}\\.png"),
            ),
            Mode::Adversarial => (hostile_text().boxed(), hostile_text().boxed()),
        };
        (opt(resolution), opt(uri))
            .prop_map(|(resolution, image_uri)| Image {
                resolution,
                image_uri,
            })
            .boxed()
    }
}

impl Arbitrary for ChatFavorite {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        (opt(id_with(mode)), opt(id_with(mode)))
            .prop_map(|(id, external_id)| ChatFavorite { id, external_id })
            .boxed()
    }
}

impl Arbitrary for ChatPresence {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        (
            opt(title_with(mode)),
            opt(raw_object(mode)),
            opt(SystemPresence::arbitrary_with(mode)),
            opt(chat_text_with(Mode::Valid)),
            opt(timestamp_with(mode)),
            opt(raw_object(mode)),
        )
            .prop_map(
                |(
                    source,
                    organization_presence,
                    system_presence,
                    message,
                    date_modified,
                    out_of_office,
                )| {
                    ChatPresence {
                        source,
                        organization_presence,
                        system_presence,
                        message,
                        date_modified,
                        out_of_office,
                    }
                },
            )
            .boxed()
    }
}

impl Arbitrary for ChatUserRef {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        (
            (
                opt(id_with(mode)),
                opt(title_with(mode)),
                opt(title_with(mode)),
            ),
            (
                opt(user_jid()),
                opt(any::<bool>()),
                opt(vec(raw_object(mode), 0..3)),
                opt(ChatPresence::arbitrary_with(mode)),
            ),
        )
            .prop_map(
                |((id, name, self_uri), (jid, inactive, integrations, presence))| ChatUserRef {
                    id,
                    name,
                    self_uri,
                    jid,
                    inactive,
                    integrations,
                    presence,
                },
            )
            .boxed()
    }
}

impl Arbitrary for ChatItem {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: a room (its JID as id, the room) or a 1on1 (the other user), open or closed.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        (
            (
                opt(id_with(mode)),
                opt(title_with(mode)),
                opt(any::<bool>()),
                opt(ChatFavorite::arbitrary_with(mode)),
                opt(vec(Image::arbitrary_with(mode), 0..3)),
            ),
            (
                opt(timestamp_with(mode)),
                opt(timestamp_with(mode)),
                prop_oneof![
                    (opt(ChatUserRef::arbitrary_with(mode)), Just(None)),
                    (Just(None), opt(Room::arbitrary_with(mode))),
                ],
                opt(RoomType::arbitrary_with(mode)),
                opt(title_with(mode)),
            ),
        )
            .prop_map(
                |(
                    (id, name, open, favorite, images),
                    (date_last_message, date_closed, (user, room), chat_type, self_uri),
                )| ChatItem {
                    id,
                    name,
                    open,
                    favorite,
                    images,
                    date_last_message,
                    date_closed,
                    user,
                    room,
                    chat_type,
                    self_uri,
                    malformed: Vec::new(),
                },
            )
            .boxed()
    }
}

impl Arbitrary for ChatItemCursorListing {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: up to 6 chats, and a `nextUri` with a cursor or none. Adversarial: any
    /// text as the URIs, or no `entities`.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let chats = vec(ChatItem::arbitrary_with(mode), 0..6);
        let uri = match mode {
            Mode::Valid => regex("[A-Za-z0-9_-]{1,24}")
                .prop_map(|key| format!("/api/v2/users/chats/me?after={key}"))
                .boxed(),
            Mode::Adversarial => hostile_text().boxed(),
        };
        (opt(chats), opt(uri.clone()), opt(uri.clone()), opt(uri))
            .prop_map(
                |(entities, next_uri, self_uri, previous_uri)| ChatItemCursorListing {
                    entities,
                    next_uri,
                    self_uri,
                    previous_uri,
                    malformed: Vec::new(),
                },
            )
            .boxed()
    }
}

// ---------------------------------------------------------------------------------------
// The error body.
// ---------------------------------------------------------------------------------------

/// Error codes the platform documents.
const ERROR_CODES: &[&str] = &[
    "bad.request",
    "invalid.value",
    "not.found",
    "not.authorized",
    "missing.any.permissions",
    "bad.credentials",
    "too.many.requests.retry.after",
    "too.many.requests",
    "internal.server.error",
    "service.unavailable",
];

impl Arbitrary for ErrorDetail {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let field = match mode {
            Mode::Valid => select(&["roomJid", "messageId", "body", "limit"][..])
                .prop_map(str::to_owned)
                .boxed(),
            Mode::Adversarial => hostile_text().boxed(),
        };
        let code = match mode {
            Mode::Valid => select(ERROR_CODES).prop_map(str::to_owned).boxed(),
            Mode::Adversarial => hostile_text().boxed(),
        };
        (
            opt(code),
            opt(field),
            opt(id_with(mode)),
            opt(title_with(mode)),
        )
            .prop_map(
                |(error_code, field_name, entity_id, entity_name)| ErrorDetail {
                    error_code,
                    field_name,
                    entity_id,
                    entity_name,
                },
            )
            .boxed()
    }
}

impl Arbitrary for ErrorLimit {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let (key, namespace, value) = match mode {
            Mode::Valid => (
                select(&["chat.messages.per.minute", "token.requests"][..])
                    .prop_map(str::to_owned)
                    .boxed(),
                select(&["chat", "platform.api"][..])
                    .prop_map(str::to_owned)
                    .boxed(),
                (1i64..=10_000).boxed(),
            ),
            Mode::Adversarial => (
                hostile_text().boxed(),
                hostile_text().boxed(),
                any::<i64>().boxed(),
            ),
        };
        (opt(key), opt(namespace), opt(value))
            .prop_map(|(key, namespace, value)| ErrorLimit {
                key,
                namespace,
                value,
            })
            .boxed()
    }
}

/// An error body without nested errors.
fn flat_error_body(mode: Mode) -> BoxedStrategy<ErrorBody> {
    let (code, status, message) = match mode {
        Mode::Valid => (
            select(ERROR_CODES).prop_map(str::to_owned).boxed(),
            prop_oneof![
                select(&[400i64, 401, 403, 404, 409, 413, 429, 500, 503][..]),
                400i64..=599
            ]
            .boxed(),
            regex("[A-Z][a-z]{2,10}( [a-z]{1,10}){0,6}\\."),
        ),
        Mode::Adversarial => (
            hostile_text().boxed(),
            any::<i64>().boxed(),
            hostile_text().boxed(),
        ),
    };
    let params = match mode {
        Mode::Valid => btree_map(regex("[a-z]{1,8}"), regex("[a-zA-Z0-9]{1,12}"), 0..3).boxed(),
        Mode::Adversarial => btree_map(hostile_text(), hostile_text(), 0..3).boxed(),
    };
    (
        (opt(message), opt(code), opt(status), opt(id_with(mode))),
        (
            opt(title_with(mode)),
            opt(title_with(mode)),
            opt(params),
            opt(id_with(mode)),
        ),
        (
            opt(vec(ErrorDetail::arbitrary_with(mode), 0..3)),
            opt(ErrorLimit::arbitrary_with(mode)),
        ),
    )
        .prop_map(
            |(
                (message, code, status, entity_id),
                (entity_name, message_with_params, message_params, context_id),
                (details, limit),
            )| ErrorBody {
                message,
                code,
                status,
                entity_id,
                entity_name,
                message_with_params,
                message_params,
                context_id,
                details,
                errors: None,
                limit,
            },
        )
        .boxed()
}

impl Arbitrary for ErrorBody {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;
    /// Valid: documented codes and statuses, nested errors one level deep. Adversarial:
    /// hostile text everywhere, any status, nesting two levels deep.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        let depth = match mode {
            Mode::Valid => 1,
            Mode::Adversarial => 2,
        };
        flat_error_body(mode)
            .prop_recursive(depth, 12, 3, move |inner| {
                (flat_error_body(mode), opt(vec(inner, 0..3))).prop_map(|(mut outer, nested)| {
                    outer.errors = nested;
                    outer
                })
            })
            .boxed()
    }
}

// ---------------------------------------------------------------------------------------
// Request bodies as one type, their rules, and bodies that break one rule.
// ---------------------------------------------------------------------------------------

/// Any request body: the body of an operation, whatever its model.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyBody {
    /// [`SendMessageBody`]
    SendMessageBody(SendMessageBody),
    /// [`CreateRoomRequest`]
    CreateRoomRequest(CreateRoomRequest),
    /// [`RoomUpdateRequest`]
    RoomUpdateRequest(RoomUpdateRequest),
    /// [`PinnedMessageRequest`]
    PinnedMessageRequest(PinnedMessageRequest),
    /// [`ChatReactionUpdate`]
    ChatReactionUpdate(ChatReactionUpdate),
    /// [`ChatSettings`]
    ChatSettings(ChatSettings),
    /// [`ChatUserSettings`]
    ChatUserSettings(ChatUserSettings),
    /// [`UserSettingsForChat`]
    UserSettingsForChat(UserSettingsForChat),
    /// [`UserChatSettingsPost`]
    UserChatSettingsPost(UserChatSettingsPost),
}

macro_rules! any_body {
    ($($model:ident),+) => {
        $(
            impl From<$model> for AnyBody {
                fn from(body: $model) -> Self {
                    AnyBody::$model(body)
                }
            }
        )+

        impl AnyBody {
            /// The model names of the request bodies, as in
            /// [`OperationMeta::request_body`](crate::OperationMeta::request_body).
            pub const MODELS: &'static [&'static str] = &[$(stringify!($model)),+];

            /// The model's name, e.g. `SendMessageBody`.
            pub fn model(&self) -> &'static str {
                match self {
                    $(AnyBody::$model(_) => stringify!($model),)+
                }
            }

            /// Reads a body of the named model from JSON: what a server would understand
            /// from a request body.
            pub fn from_json(model: &str, json: &[u8]) -> Result<Self, serde_json::Error> {
                match model {
                    $(stringify!($model) => serde_json::from_slice::<$model>(json).map(AnyBody::$model),)+
                    other => Err(<serde_json::Error as serde::de::Error>::custom(format!(
                        "`{other}` is not a request body model"
                    ))),
                }
            }

            /// The body as JSON, as the crate sends it.
            pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
                match self {
                    $(AnyBody::$model(b) => serde_json::to_vec(b),)+
                }
            }
        }
    };
}

any_body!(
    SendMessageBody,
    CreateRoomRequest,
    RoomUpdateRequest,
    PinnedMessageRequest,
    ChatReactionUpdate,
    ChatSettings,
    ChatUserSettings,
    UserSettingsForChat,
    UserChatSettingsPost
);

fn any_empty(ids: &[String]) -> bool {
    ids.iter().any(String::is_empty)
}

impl AnyBody {
    /// The official names of the fields that break a documented rule (the kit's own
    /// copy of the rules, written from the reference): empty ids in any id list; more
    /// than 5 pinned messages, or none in a `PinnedMessageRequest`; more than 25
    /// `userIds`; an empty `threadId`; an empty reaction; a retention outside 10 to 3650
    /// days; and `body` when the JSON is over 512 000 bytes. Empty when the body is valid.
    pub fn violations(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        match self {
            AnyBody::SendMessageBody(b) => {
                if b.mentions.as_deref().is_some_and(any_empty) {
                    out.push("mentions");
                }
                if b.thread_id.as_deref() == Some("") {
                    out.push("threadId");
                }
            }
            AnyBody::CreateRoomRequest(b) => {
                if b.user_ids
                    .as_deref()
                    .is_some_and(|ids| ids.len() > 25 || any_empty(ids))
                {
                    out.push("userIds");
                }
            }
            AnyBody::RoomUpdateRequest(b) => {
                if b.pinned_message_ids
                    .as_deref()
                    .is_some_and(|ids| ids.len() > 5 || any_empty(ids))
                {
                    out.push("pinnedMessageIds");
                }
                if b.owner_ids.as_deref().is_some_and(any_empty) {
                    out.push("ownerIds");
                }
            }
            AnyBody::PinnedMessageRequest(b) => {
                let ids = &b.pinned_message_ids;
                if ids.is_empty() || ids.len() > 5 || any_empty(ids) {
                    out.push("pinnedMessageIds");
                }
            }
            AnyBody::ChatReactionUpdate(b) => {
                if any_empty(&b.reactions) {
                    out.push("reactions");
                }
            }
            AnyBody::ChatSettings(b) => {
                if b.message_retention_period_days
                    .is_some_and(|d| !(10..=3650).contains(&d))
                {
                    out.push("messageRetentionPeriodDays");
                }
            }
            AnyBody::ChatUserSettings(_)
            | AnyBody::UserSettingsForChat(_)
            | AnyBody::UserChatSettingsPost(_) => {}
        }
        if self.is_over_size_limit() {
            out.push("body");
        }
        out
    }

    /// Whether the body's JSON is over the limit. Bounds on the JSON size decide most
    /// cases without writing it (writing half a megabyte of JSON is slow in debug builds).
    fn is_over_size_limit(&self) -> bool {
        let value = match self {
            AnyBody::SendMessageBody(b) => serde_json::to_value(b),
            AnyBody::CreateRoomRequest(b) => serde_json::to_value(b),
            AnyBody::RoomUpdateRequest(b) => serde_json::to_value(b),
            AnyBody::PinnedMessageRequest(b) => serde_json::to_value(b),
            AnyBody::ChatReactionUpdate(b) => serde_json::to_value(b),
            AnyBody::ChatSettings(b) => serde_json::to_value(b),
            AnyBody::ChatUserSettings(b) => serde_json::to_value(b),
            AnyBody::UserSettingsForChat(b) => serde_json::to_value(b),
            AnyBody::UserChatSettingsPost(b) => serde_json::to_value(b),
        };
        let Ok(value) = value else { return true };
        let (text_bytes, nodes) = json_measure(&value);
        if text_bytes > BODY_LIMIT {
            // Every byte of every string is in the JSON at least once.
            return true;
        }
        // An escape takes at most 6 bytes per byte; a node adds at most 32 more
        // (quotes, separators, a number's digits).
        if text_bytes * 6 + nodes * 32 <= BODY_LIMIT {
            return false;
        }
        serde_json::to_vec(&value).map_or(true, |json| json.len() > BODY_LIMIT)
    }
}

/// The bytes of all strings (keys included) and the number of nodes of a JSON value.
fn json_measure(value: &serde_json::Value) -> (usize, usize) {
    use serde_json::Value;
    match value {
        Value::String(s) => (s.len(), 1),
        Value::Array(items) => items.iter().fold((0, 1), |(t, n), v| {
            let (vt, vn) = json_measure(v);
            (t + vt, n + vn)
        }),
        Value::Object(map) => map.iter().fold((0, 1), |(t, n), (k, v)| {
            let (vt, vn) = json_measure(v);
            (t + k.len() + vt, n + 1 + vn)
        }),
        _ => (0, 1),
    }
}

/// A request body model: it has a strategy for each [`Mode`], is one of [`AnyBody`], and
/// has a strategy for bodies that break exactly one documented rule.
pub trait RequestBody:
    Arbitrary<Parameters = Mode, Strategy = BoxedStrategy<Self>>
    + Into<AnyBody>
    + Clone
    + PartialEq
    + std::fmt::Debug
    + 'static
{
    /// Bodies that break exactly one rule, each with the official name of its field
    /// (`body` when only the size is over the limit); `None` for [`ChatUserSettings`],
    /// which has no rule of its own (its JSON is far below the size limit unless a
    /// `when` of half a megabyte is made up).
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>>;
}

/// A list of 1 to 5 valid ids with one of them (or an added one) empty.
fn ids_with_an_empty_one(id: BoxedStrategy<String>) -> impl Strategy<Value = Vec<String>> {
    (vec(id, 0..=4), any::<prop::sample::Index>()).prop_map(|(mut ids, at)| {
        let at = at.index(ids.len() + 1);
        ids.insert(at, String::new());
        ids
    })
}

fn invalid<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
    field: &'static str,
) -> BoxedStrategy<Invalid<T>> {
    s.prop_map(move |value| Invalid { value, field }).boxed()
}

impl RequestBody for SendMessageBody {
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        let valid = || Self::arbitrary_with(Mode::Valid);
        prop_oneof![
            4 => invalid(
                (valid(), ids_with_an_empty_one(user_id().boxed())).prop_map(|(b, m)| {
                    SendMessageBody {
                        mentions: Some(m),
                        ..b
                    }
                }),
                "mentions"
            ),
            4 => invalid(
                valid().prop_map(|b| SendMessageBody {
                    thread_id: Some(String::new()),
                    ..b
                }),
                "threadId"
            ),
            1 => invalid(
                (valid(), oversized_text())
                    .prop_map(|(b, message)| SendMessageBody { message, ..b }),
                "body"
            ),
        ]
        .boxed()
        .into()
    }
}

impl RequestBody for CreateRoomRequest {
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        let valid = || Self::arbitrary_with(Mode::Valid);
        prop_oneof![
            4 => invalid(
                (valid(), vec(user_id(), 26..=30)).prop_map(|(b, ids)| CreateRoomRequest {
                    user_ids: Some(ids),
                    ..b
                }),
                "userIds"
            ),
            4 => invalid(
                (valid(), ids_with_an_empty_one(user_id().boxed())).prop_map(|(b, ids)| {
                    CreateRoomRequest {
                        user_ids: Some(ids),
                        ..b
                    }
                }),
                "userIds"
            ),
            1 => invalid(
                (valid(), oversized_text())
                    .prop_map(|(b, subject)| CreateRoomRequest { subject, ..b }),
                "body"
            ),
        ]
        .boxed()
        .into()
    }
}

impl RequestBody for RoomUpdateRequest {
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        let valid = || Self::arbitrary_with(Mode::Valid);
        prop_oneof![
            4 => invalid(
                (valid(), vec(message_id(), 6..=9)).prop_map(|(b, ids)| RoomUpdateRequest {
                    pinned_message_ids: Some(ids),
                    ..b
                }),
                "pinnedMessageIds"
            ),
            4 => invalid(
                (valid(), ids_with_an_empty_one(message_id().boxed())).prop_map(|(b, ids)| {
                    RoomUpdateRequest {
                        pinned_message_ids: Some(ids),
                        ..b
                    }
                }),
                "pinnedMessageIds"
            ),
            4 => invalid(
                (valid(), ids_with_an_empty_one(user_id().boxed())).prop_map(|(b, ids)| {
                    RoomUpdateRequest {
                        owner_ids: Some(ids),
                        ..b
                    }
                }),
                "ownerIds"
            ),
            1 => invalid(
                (valid(), oversized_text()).prop_map(|(b, d)| RoomUpdateRequest {
                    description: Some(d),
                    ..b
                }),
                "body"
            ),
        ]
        .boxed()
        .into()
    }
}

impl RequestBody for PinnedMessageRequest {
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        prop_oneof![
            4 => invalid(Just(PinnedMessageRequest::default()), "pinnedMessageIds"),
            4 => invalid(
                vec(message_id(), 6..=9)
                    .prop_map(|pinned_message_ids| PinnedMessageRequest { pinned_message_ids }),
                "pinnedMessageIds"
            ),
            4 => invalid(
                ids_with_an_empty_one(message_id().boxed())
                    .prop_map(|pinned_message_ids| PinnedMessageRequest { pinned_message_ids }),
                "pinnedMessageIds"
            ),
        ]
        .boxed()
        .into()
    }
}

impl RequestBody for ChatReactionUpdate {
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        prop_oneof![
            4 => invalid(
                ids_with_an_empty_one(emoji().boxed())
                    .prop_map(|reactions| ChatReactionUpdate { reactions }),
                "reactions"
            ),
            1 => invalid(
                oversized_text().prop_map(|r| ChatReactionUpdate { reactions: vec![r] }),
                "body"
            ),
        ]
        .boxed()
        .into()
    }
}

impl RequestBody for ChatSettings {
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        Some(invalid(
            prop_oneof![0u32..10, 3651u32.., Just(u32::MAX)]
                .prop_map(ChatSettings::with_retention_days),
            "messageRetentionPeriodDays",
        ))
    }
}

impl RequestBody for ChatUserSettings {
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        None
    }
}

impl RequestBody for UserSettingsForChat {
    /// `None`: no rule of its own, like [`ChatUserSettings`].
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        None
    }
}

impl RequestBody for UserChatSettingsPost {
    /// `None`: three flags, no rule of their own.
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
        None
    }
}

macro_rules! named_model_strategies {
    ($($model:ident => $fn_name:ident),+ $(,)?) => {
        /// The valid strategy of each model, by name.
        pub mod valid {
            use proptest::prelude::*;
            use crate::models::*;
            use crate::strategies::Mode;
            $(
                #[doc = concat!(
                    "Valid [`", stringify!($model), "`](crate::models::", stringify!($model),
                    ") values: what the service sends or accepts. The same as `any::<",
                    stringify!($model), ">()`."
                )]
                pub fn $fn_name() -> impl Strategy<Value = $model> {
                    <$model as Arbitrary>::arbitrary_with(Mode::Valid)
                }
            )+
        }

        /// The adversarial strategy of each model, by name.
        pub mod adversarial {
            use proptest::prelude::*;
            use crate::models::*;
            use crate::strategies::Mode;
            $(
                #[doc = concat!(
                    "Adversarial [`", stringify!($model), "`](crate::models::", stringify!($model),
                    ") values: hostile text, unknown enumeration values, empty and oversized \
                     lists, out-of-range numbers. The same as `any_with::<",
                    stringify!($model), ">(Mode::Adversarial)`."
                )]
                pub fn $fn_name() -> impl Strategy<Value = $model> {
                    <$model as Arbitrary>::arbitrary_with(Mode::Adversarial)
                }
            )+
        }
    };
}

named_model_strategies! {
    SendMessageBody => send_message_body,
    CreateRoomRequest => create_room_request,
    RoomUpdateRequest => room_update_request,
    PinnedMessageRequest => pinned_message_request,
    ChatReactionUpdate => chat_reaction_update,
    ChatSettings => chat_settings,
    ChatUserSettings => chat_user_settings,
    UserSettingsForChat => user_settings_for_chat,
    UserChatSettingsPost => user_chat_settings_post,
    ChatItemCursorListing => chat_item_cursor_listing,
    ChatItem => chat_item,
    ChatFavorite => chat_favorite,
    ChatUserRef => chat_user_ref,
    ChatPresence => chat_presence,
    Image => image,
    SystemPresence => system_presence,
    MobileSettings => mobile_settings,
    MobileNotificationSettings => mobile_notification_settings,
    ChatMessageResponse => chat_message_response,
    ChatMessageEntityListing => chat_message_entity_listing,
    ChatSendMessageResponse => chat_send_message_response,
    CreateRoomResponse => create_room_response,
    Room => room,
    RoomParticipant => room_participant,
    RoomParticipantsResponse => room_participants_response,
    RoomParticipantResponse => room_participant_response,
    OneOnOne => one_on_one,
    ChatReaction => chat_reaction,
    Entity => entity,
    AddressableEntityRef => addressable_entity_ref,
    UserReference => user_reference,
    ErrorBody => error_body,
    ErrorDetail => error_detail,
    ErrorLimit => error_limit,
    RoomType => room_type,
    NotifyWhen => notify_when,
}
