//! Strategies for the 34 Chat operations and "my chats" (`getUsersChatsMe`, Users API),
//! [`AnyOperation`] and its dispatch, all generated from the one table at the bottom of
//! this file.

use std::fmt::Debug;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::Union;

use super::models::{AnyBody, RequestBody};
use super::values::{hostile_text, message_id, message_ids, room_jid, user_id, user_jid};
use super::{Invalid, Mode};
use crate::models::*;
use crate::operation::{HistoryQuery, MyChatsQuery, Operation, OperationMeta, ParticipantsQuery};
use crate::operations::*;
use crate::{Config, Error};

/// The path parameters of the Chat API, by the kind of value each holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathParam {
    /// `roomJid`: a room JID.
    RoomJid,
    /// `messageId`: a message id.
    MessageId,
    /// `pinnedMessageId`: the id of a pinned message.
    PinnedMessageId,
    /// `userId`: a user id.
    UserId,
    /// `participantJid`: a user JID.
    ParticipantJid,
    /// `threadId`: the id of a thread's first message.
    ThreadId,
    /// `messageIds`: message ids joined by commas, in one path segment.
    MessageIds,
}

impl PathParam {
    /// The official name, as in the path template (e.g. `roomJid`).
    pub const fn name(self) -> &'static str {
        match self {
            PathParam::RoomJid => "roomJid",
            PathParam::MessageId => "messageId",
            PathParam::PinnedMessageId => "pinnedMessageId",
            PathParam::UserId => "userId",
            PathParam::ParticipantJid => "participantJid",
            PathParam::ThreadId => "threadId",
            PathParam::MessageIds => "messageIds",
        }
    }

    /// Values of this parameter. Valid: its real shape (JIDs, UUIDs, 1 to 5 ids joined
    /// by commas). Adversarial: hostile text (every reserved URI character, percent
    /// escapes, dot segments inside, non-ASCII, emoji, control characters), including
    /// the empty string, `.` and `..`; for `messageIds`, lists with hostile or empty
    /// members.
    pub fn strategy(self, mode: Mode) -> BoxedStrategy<String> {
        match (mode, self) {
            (Mode::Valid, PathParam::RoomJid) => room_jid().boxed(),
            (Mode::Valid, PathParam::ParticipantJid) => user_jid().boxed(),
            (Mode::Valid, PathParam::UserId) => user_id().boxed(),
            (
                Mode::Valid,
                PathParam::MessageId | PathParam::PinnedMessageId | PathParam::ThreadId,
            ) => message_id().boxed(),
            (Mode::Valid, PathParam::MessageIds) => message_ids().boxed(),
            (Mode::Adversarial, PathParam::MessageIds) => prop_oneof![
                vec(prop_oneof![message_id(), hostile_text()], 1..4).prop_map(|v| v.join(",")),
                hostile_text(),
            ]
            .boxed(),
            (Mode::Adversarial, _) => hostile_text().boxed(),
        }
    }

    /// Values that break the rule of every path parameter (empty, `.` or `..`) and, for
    /// `messageIds`, lists with an empty member (`a,,b`, `a,`, `,`).
    pub fn invalid(self) -> BoxedStrategy<String> {
        let dot_or_empty = select(&["", ".", ".."][..]).prop_map(str::to_owned);
        match self {
            PathParam::MessageIds => prop_oneof![
                dot_or_empty,
                (vec(message_id(), 1..=3), any::<Index>()).prop_map(|(mut ids, at)| {
                    ids.insert(at.index(ids.len() + 1), String::new());
                    ids.join(",")
                }),
            ]
            .boxed(),
            _ => dot_or_empty.boxed(),
        }
    }

    /// Whether `value` breaks a rule of this parameter.
    pub fn is_invalid(self, value: &str) -> bool {
        matches!(value, "" | "." | "..")
            || (self == PathParam::MessageIds && value.split(',').any(str::is_empty))
    }
}

/// What the kit knows of one operation type beyond [`Operation`]: its strategies (through
/// [`Arbitrary`], whose parameter is the [`Mode`]), its parts as data, the documented
/// rules it must follow, and instances that break exactly one of them.
///
/// All 35 operation types implement it; [`AnyOperation`] dispatches to it.
pub trait OperationKit:
    Operation<Output: Debug + Clone + PartialEq>
    + Arbitrary<Parameters = Mode, Strategy = BoxedStrategy<Self>>
    + Into<AnyOperation>
    + Clone
    + Debug
    + PartialEq
    + 'static
{
    /// The path parameters with their values, in the order of the path template.
    fn path_values(&self) -> Vec<(PathParam, &str)>;

    /// The path parameters with their values, to change.
    fn path_values_mut(&mut self) -> Vec<(PathParam, &mut String)>;

    /// The history options, for the three history operations.
    fn history_query(&self) -> Option<&HistoryQuery>;

    /// The history options, to change.
    fn history_query_mut(&mut self) -> Option<&mut HistoryQuery>;

    /// A copy of the request body, for the operations that send one.
    fn body(&self) -> Option<AnyBody>;

    /// The official names of the inputs that break a documented rule: path parameters
    /// that are empty, `.` or `..` (or `messageIds` with an empty member), a `limit` of
    /// 0, and the body's [`AnyBody::violations`] (the kit's own copy of the rules this
    /// crate documents). When empty, `to_http` must succeed; otherwise it must fail with
    /// [`Error::InvalidInput`] naming one of them. (The service has rules of its own
    /// beyond these, e.g. a `limit` over 100 or a blank subject; valid strategies follow
    /// them too.)
    fn violations(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self
            .path_values()
            .into_iter()
            .filter(|(p, v)| p.is_invalid(v))
            .map(|(p, _)| p.name())
            .collect();
        if self.history_query().is_some_and(|q| q.limit == Some(0)) {
            out.push("limit");
        }
        out.extend(self.option_violations());
        if let Some(body) = self.body() {
            out.extend(body.violations());
        }
        out
    }

    /// The official names of the query options (other than the history's `limit`) that
    /// break a documented rule: an empty `after` of "my chats".
    fn option_violations(&self) -> Vec<&'static str>;

    /// Instances that break exactly one rule (one path parameter, the `limit`, an empty
    /// `after`, or one rule of the body), the others valid; `None` for the five
    /// operations whose input has no rule: `getChatsSettings`, `getChatsUsersMeSettings`
    /// and `deleteChatsUsersMeSettings` (no input), `patchChatsUsersMeSettings` and
    /// `postChatsUsersMeSettings` (see [`RequestBody::invalid`]).
    fn invalid() -> Option<BoxedStrategy<Invalid<Self>>>;

    /// Outputs of the operation (what [`Operation::parse`] returns) in the given mode:
    /// what the service answers, or hostile answers that are still well-formed.
    fn output_strategy(mode: Mode) -> BoxedStrategy<Self::Output>;

    /// The body a service sends for this output: its JSON, or nothing for the
    /// operations that return nothing.
    fn response_body(output: &Self::Output) -> Result<Vec<u8>, serde_json::Error>;
}

/// The outputs of the operations: a strategy and the body a service sends.
trait KitOutput: Sized {
    fn strategy(mode: Mode) -> BoxedStrategy<Self>;
    fn to_body(&self) -> Result<Vec<u8>, serde_json::Error>;
}

impl KitOutput for () {
    fn strategy(_: Mode) -> BoxedStrategy<Self> {
        Just(()).boxed()
    }

    fn to_body(&self) -> Result<Vec<u8>, serde_json::Error> {
        Ok(Vec::new())
    }
}

macro_rules! kit_outputs {
    ($($model:ty),+) => {
        $(
            impl KitOutput for $model {
                fn strategy(mode: Mode) -> BoxedStrategy<Self> {
                    <$model as Arbitrary>::arbitrary_with(mode)
                }

                fn to_body(&self) -> Result<Vec<u8>, serde_json::Error> {
                    serde_json::to_vec(self)
                }
            }
        )+
    };
}

kit_outputs!(
    ChatMessageResponse,
    ChatMessageEntityListing,
    ChatSendMessageResponse,
    CreateRoomResponse,
    Room,
    RoomParticipant,
    RoomParticipantsResponse,
    OneOnOne,
    ChatSettings,
    ChatUserSettings,
    UserSettingsForChat,
    ChatItemCursorListing
);

/// The documented rules of the query options other than the histories'.
trait KitOptions {
    fn violations(&self) -> Vec<&'static str>;
    /// Options that break one rule, with its name; `None` when there is no rule.
    fn broken(&self) -> Option<(Self, &'static str)>
    where
        Self: Sized;
}

impl KitOptions for ParticipantsQuery {
    fn violations(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn broken(&self) -> Option<(Self, &'static str)> {
        None
    }
}

impl KitOptions for MyChatsQuery {
    fn violations(&self) -> Vec<&'static str> {
        if self.after.as_deref() == Some("") {
            vec!["after"]
        } else {
            Vec::new()
        }
    }

    fn broken(&self) -> Option<(Self, &'static str)> {
        Some((
            MyChatsQuery {
                after: Some(String::new()),
                ..self.clone()
            },
            "after",
        ))
    }
}

/// Does something with one operation, whatever its type: see [`AnyOperation::visit`].
pub trait OperationVisitor {
    /// What the visit returns.
    type Output;
    /// Visits the operation.
    fn visit<O: OperationKit>(self, op: &O) -> Self::Output;
}

/// The identity function at a given type, so that optional macro parts name their type.
fn same<T>(value: T) -> T {
    value
}

/// Path values broken one at a time, for [`OperationKit::invalid`].
fn break_path<O: OperationKit>(
    valid: BoxedStrategy<O>,
    i: usize,
    param: PathParam,
) -> BoxedStrategy<Invalid<O>> {
    (valid, param.invalid())
        .prop_map(move |(mut op, bad)| {
            if let Some((_, value)) = op.path_values_mut().into_iter().nth(i) {
                *value = bad;
            }
            Invalid {
                value: op,
                field: param.name(),
            }
        })
        .boxed()
}

/// A `limit` of 0, for [`OperationKit::invalid`].
fn break_limit<O: OperationKit>(valid: BoxedStrategy<O>) -> BoxedStrategy<Invalid<O>> {
    valid
        .prop_map(|mut op| {
            if let Some(q) = op.history_query_mut() {
                q.limit = Some(0);
            }
            Invalid {
                value: op,
                field: "limit",
            }
        })
        .boxed()
}

/// The second expression when given, else the first (for optional macro parts).
macro_rules! either {
    ($default:expr; ) => {
        $default
    };
    ($default:expr; $value:expr) => {
        $value
    };
}

macro_rules! kit_operations {
    ($(
        $name:ident => $fn_name:ident {
            path: { $($field:ident: $param:ident),* },
            $(query: $query:ty,)?
            $(options: $opts:ty,)?
            $(body: $body:ty,)?
        }
    )+) => {
        $(
            impl Arbitrary for $name {
                type Parameters = Mode;
                type Strategy = BoxedStrategy<Self>;

                /// Valid or adversarial path values, history options and body.
                fn arbitrary_with(mode: Mode) -> Self::Strategy {
                    // (Two operations have no input at all, so no use for the mode.)
                    let _ = mode;
                    let paths: Vec<BoxedStrategy<String>> =
                        vec![$(PathParam::$param.strategy(mode)),*];
                    (
                        paths,
                        either!(Just(()); $(<$query as Arbitrary>::arbitrary_with(mode))?),
                        either!(Just(()); $(<$opts as Arbitrary>::arbitrary_with(mode))?),
                        either!(Just(()); $(<$body as Arbitrary>::arbitrary_with(mode))?),
                    )
                        .prop_map(|(paths, _query, _opts, _body)| {
                            #[allow(unused_mut, unused_variables)]
                            let mut paths = paths.into_iter();
                            $name {
                                $($field: paths.next().unwrap_or_default(),)*
                                $(query: same::<$query>(_query),)?
                                $(query: same::<$opts>(_opts),)?
                                $(body: same::<$body>(_body),)?
                            }
                        })
                        .boxed()
                }
            }

            impl OperationKit for $name {
                fn path_values(&self) -> Vec<(PathParam, &str)> {
                    vec![$((PathParam::$param, self.$field.as_str())),*]
                }

                fn path_values_mut(&mut self) -> Vec<(PathParam, &mut String)> {
                    vec![$((PathParam::$param, &mut self.$field)),*]
                }

                fn history_query(&self) -> Option<&HistoryQuery> {
                    either!(None; $(Some(same::<&$query>(&self.query)))?)
                }

                fn history_query_mut(&mut self) -> Option<&mut HistoryQuery> {
                    either!(None; $(Some(same::<&mut $query>(&mut self.query)))?)
                }

                fn body(&self) -> Option<AnyBody> {
                    either!(None; $(Some(AnyBody::from(same::<&$body>(&self.body).clone())))?)
                }

                fn option_violations(&self) -> Vec<&'static str> {
                    either!(Vec::new(); $(KitOptions::violations(same::<&$opts>(&self.query)))?)
                }

                fn invalid() -> Option<BoxedStrategy<Invalid<Self>>> {
                    let valid = || <Self as Arbitrary>::arbitrary_with(Mode::Valid);
                    let params: &[PathParam] = &[$(PathParam::$param),*];
                    #[allow(unused_mut)]
                    let mut breakers: Vec<BoxedStrategy<Invalid<Self>>> = params
                        .iter()
                        .enumerate()
                        .map(|(i, p)| break_path(valid(), i, *p))
                        .collect();
                    $(
                        let _: Option<$query> = None;
                        breakers.push(break_limit(valid()));
                    )?
                    $(
                        if <$opts>::default().broken().is_some() {
                            breakers.push(
                                valid()
                                    .prop_map(|mut op| {
                                        let (broken, field) = KitOptions::broken(same::<&$opts>(&op.query))
                                            .unwrap_or_else(|| (op.query.clone(), "query"));
                                        op.query = broken;
                                        Invalid { value: op, field }
                                    })
                                    .boxed(),
                            );
                        }
                    )?
                    $(
                        if let Some(bodies) = <$body as RequestBody>::invalid() {
                            breakers.push(
                                (valid(), bodies)
                                    .prop_map(|(mut op, broken)| {
                                        op.body = same::<$body>(broken.value);
                                        Invalid { value: op, field: broken.field }
                                    })
                                    .boxed(),
                            );
                        }
                    )?
                    (!breakers.is_empty()).then(|| Union::new(breakers).boxed())
                }

                fn output_strategy(mode: Mode) -> BoxedStrategy<Self::Output> {
                    <<Self as Operation>::Output as KitOutput>::strategy(mode)
                }

                fn response_body(output: &Self::Output) -> Result<Vec<u8>, serde_json::Error> {
                    output.to_body()
                }
            }

            impl From<$name> for AnyOperation {
                fn from(op: $name) -> Self {
                    AnyOperation::$name(op)
                }
            }
        )+

        /// Any one of the 34 Chat operations or "my chats": a value to generate, store in sequences, print
        /// and dispatch on (`to_http`, `parse`, `meta`, …) whatever its type.
        ///
        /// Its `Debug` names the operation and its inputs, so a shrunk failing sequence
        /// reads like a script.
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnyOperation {
            $(
                #[doc = concat!("[`", stringify!($name), "`](crate::operations::", stringify!($name), ")")]
                $name($name),
            )+
        }

        /// The parsed result of any operation: one variant per operation, holding that
        /// operation's [`Operation::Output`].
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnyOutput {
            $(
                #[doc = concat!("What [`", stringify!($name), "`](crate::operations::", stringify!($name), ") returns.")]
                $name(<$name as Operation>::Output),
            )+
        }

        impl AnyOutput {
            /// The official id of the operation this is the output of.
            pub fn id(&self) -> &'static str {
                match self {
                    $(AnyOutput::$name(_) => <$name as Operation>::META.id,)+
                }
            }

            /// The body a service sends for this output: see
            /// [`OperationKit::response_body`].
            pub fn response_body(&self) -> Result<Vec<u8>, serde_json::Error> {
                match self {
                    $(AnyOutput::$name(out) => <$name as OperationKit>::response_body(out),)+
                }
            }
        }

        impl AnyOperation {
            /// The number of operations.
            pub const COUNT: usize = [$(stringify!($name)),+].len();

            /// Calls `visitor` with the operation as its own type.
            pub fn visit<V: OperationVisitor>(&self, visitor: V) -> V::Output {
                match self {
                    $(AnyOperation::$name(op) => visitor.visit(op),)+
                }
            }

            /// The operation's metadata (`<O as Operation>::META`).
            pub fn meta(&self) -> &'static OperationMeta {
                match self {
                    $(AnyOperation::$name(_) => <$name as Operation>::META,)+
                }
            }

            /// The official operation id, e.g. `postChatsRoomMessages`.
            pub fn id(&self) -> &'static str {
                self.meta().id
            }

            /// [`Operation::to_http`] of the operation.
            pub fn to_http(&self, cfg: &Config) -> Result<http::Request<Vec<u8>>, Error> {
                match self {
                    $(AnyOperation::$name(op) => op.to_http(cfg),)+
                }
            }

            /// [`Operation::parse`] of the operation, its output wrapped in [`AnyOutput`].
            pub fn parse(
                &self,
                cfg: &Config,
                response: &http::Response<Vec<u8>>,
            ) -> Result<AnyOutput, Error> {
                match self {
                    $(AnyOperation::$name(op) => op.parse(cfg, response).map(AnyOutput::$name),)+
                }
            }

            /// [`OperationKit::path_values`] of the operation.
            pub fn path_values(&self) -> Vec<(PathParam, &str)> {
                match self {
                    $(AnyOperation::$name(op) => op.path_values(),)+
                }
            }

            /// [`OperationKit::path_values_mut`] of the operation.
            pub fn path_values_mut(&mut self) -> Vec<(PathParam, &mut String)> {
                match self {
                    $(AnyOperation::$name(op) => op.path_values_mut(),)+
                }
            }

            /// [`OperationKit::history_query`] of the operation.
            pub fn history_query(&self) -> Option<&HistoryQuery> {
                match self {
                    $(AnyOperation::$name(op) => op.history_query(),)+
                }
            }

            /// [`OperationKit::history_query_mut`] of the operation.
            pub fn history_query_mut(&mut self) -> Option<&mut HistoryQuery> {
                match self {
                    $(AnyOperation::$name(op) => op.history_query_mut(),)+
                }
            }

            /// [`OperationKit::body`] of the operation.
            pub fn body(&self) -> Option<AnyBody> {
                match self {
                    $(AnyOperation::$name(op) => op.body(),)+
                }
            }

            /// [`OperationKit::violations`] of the operation.
            pub fn violations(&self) -> Vec<&'static str> {
                match self {
                    $(AnyOperation::$name(op) => op.violations(),)+
                }
            }

            /// Outputs of this operation (of its type, whatever its inputs), as
            /// [`AnyOutput`]: see [`OperationKit::output_strategy`].
            pub fn output_strategy(&self, mode: Mode) -> BoxedStrategy<AnyOutput> {
                match self {
                    $(AnyOperation::$name(_) => <$name as OperationKit>::output_strategy(mode)
                        .prop_map(AnyOutput::$name)
                        .boxed(),)+
                }
            }

            /// The strategy of the operation with this official id, as `AnyOperation`.
            pub fn strategy_for(id: &str, mode: Mode) -> Option<BoxedStrategy<AnyOperation>> {
                match id {
                    $(
                        _ if id == <$name as Operation>::META.id => Some(
                            <$name as Arbitrary>::arbitrary_with(mode)
                                .prop_map(AnyOperation::$name)
                                .boxed(),
                        ),
                    )+
                    _ => None,
                }
            }

            /// One strategy per operation, in the order of
            /// [`operations::ALL`](crate::operations::ALL), then
            /// [`operations::USERS`](crate::operations::USERS).
            pub fn strategies(mode: Mode) -> Vec<BoxedStrategy<AnyOperation>> {
                vec![$(
                    <$name as Arbitrary>::arbitrary_with(mode)
                        .prop_map(AnyOperation::$name)
                        .boxed(),
                )+]
            }

            /// One strategy per operation that can be invalid (30 of 35, see
            /// [`OperationKit::invalid`]), each breaking exactly one rule.
            pub fn invalid_strategies() -> Vec<BoxedStrategy<Invalid<AnyOperation>>> {
                let mut out: Vec<Option<BoxedStrategy<Invalid<AnyOperation>>>> = Vec::new();
                $(
                    out.push(<$name as OperationKit>::invalid().map(|s| {
                        s.prop_map(|i| Invalid { value: AnyOperation::$name(i.value), field: i.field })
                            .boxed()
                    }));
                )+
                out.into_iter().flatten().collect()
            }
        }

        /// The valid strategy of each operation, by name.
        pub mod valid {
            use proptest::prelude::*;
            use crate::operations::*;
            use crate::strategies::Mode;
            $(
                #[doc = concat!(
                    "Valid [`", stringify!($name), "`](crate::operations::", stringify!($name),
                    ") operations: real JIDs and ids, Unicode text, valid options and body. \
                     The same as `any::<", stringify!($name), ">()`."
                )]
                pub fn $fn_name() -> impl Strategy<Value = $name> {
                    <$name as Arbitrary>::arbitrary_with(Mode::Valid)
                }
            )+
        }

        /// The adversarial strategy of each operation, by name.
        pub mod adversarial {
            use proptest::prelude::*;
            use crate::operations::*;
            use crate::strategies::Mode;
            $(
                #[doc = concat!(
                    "Adversarial [`", stringify!($name), "`](crate::operations::", stringify!($name),
                    ") operations: hostile path and query values and bodies, valid or not \
                     (see [`OperationKit::violations`](crate::strategies::OperationKit::violations)). \
                     The same as `any_with::<", stringify!($name), ">(Mode::Adversarial)`."
                )]
                pub fn $fn_name() -> impl Strategy<Value = $name> {
                    <$name as Arbitrary>::arbitrary_with(Mode::Adversarial)
                }
            )+
        }
    };
}

kit_operations! {
    DeleteChatsRoomMessage => delete_chats_room_message {
        path: { room_jid: RoomJid, message_id: MessageId },
    }
    DeleteChatsRoomMessagesPin => delete_chats_room_messages_pin {
        path: { room_jid: RoomJid, pinned_message_id: PinnedMessageId },
    }
    DeleteChatsRoomParticipant => delete_chats_room_participant {
        path: { room_jid: RoomJid, user_id: UserId },
    }
    DeleteChatsUserMessage => delete_chats_user_message {
        path: { user_id: UserId, message_id: MessageId },
    }
    DeleteChatsUserMessagesPin => delete_chats_user_messages_pin {
        path: { user_id: UserId, pinned_message_id: PinnedMessageId },
    }
    DeleteChatsUsersMeSettings => delete_chats_users_me_settings {
        path: {},
    }
    GetChatsMessage => get_chats_message {
        path: { message_id: MessageId },
    }
    GetChatsRoom => get_chats_room {
        path: { room_jid: RoomJid },
    }
    GetChatsRoomMessage => get_chats_room_message {
        path: { room_jid: RoomJid, message_ids: MessageIds },
    }
    GetChatsRoomMessages => get_chats_room_messages {
        path: { room_jid: RoomJid },
        query: HistoryQuery,
    }
    GetChatsRoomParticipant => get_chats_room_participant {
        path: { room_jid: RoomJid, participant_jid: ParticipantJid },
    }
    GetChatsRoomParticipants => get_chats_room_participants {
        path: { room_jid: RoomJid },
        options: ParticipantsQuery,
    }
    GetChatsSettings => get_chats_settings {
        path: {},
    }
    GetChatsThreadMessages => get_chats_thread_messages {
        path: { thread_id: ThreadId },
        query: HistoryQuery,
    }
    GetChatsUser => get_chats_user {
        path: { user_id: UserId },
    }
    GetChatsUserMessage => get_chats_user_message {
        path: { user_id: UserId, message_ids: MessageIds },
    }
    GetChatsUserMessages => get_chats_user_messages {
        path: { user_id: UserId },
        query: HistoryQuery,
    }
    GetChatsUserSettings => get_chats_user_settings {
        path: { user_id: UserId },
    }
    GetChatsUsersMeSettings => get_chats_users_me_settings {
        path: {},
    }
    PatchChatsRoom => patch_chats_room {
        path: { room_jid: RoomJid },
        body: RoomUpdateRequest,
    }
    PatchChatsRoomMessage => patch_chats_room_message {
        path: { room_jid: RoomJid, message_id: MessageId },
        body: SendMessageBody,
    }
    PatchChatsSettings => patch_chats_settings {
        path: {},
        body: ChatSettings,
    }
    PatchChatsUserMessage => patch_chats_user_message {
        path: { user_id: UserId, message_id: MessageId },
        body: SendMessageBody,
    }
    PatchChatsUserSettings => patch_chats_user_settings {
        path: { user_id: UserId },
        body: ChatUserSettings,
    }
    PatchChatsUsersMeSettings => patch_chats_users_me_settings {
        path: {},
        body: UserSettingsForChat,
    }
    PostChatsRoomMessages => post_chats_room_messages {
        path: { room_jid: RoomJid },
        body: SendMessageBody,
    }
    PostChatsRoomMessagesPins => post_chats_room_messages_pins {
        path: { room_jid: RoomJid },
        body: PinnedMessageRequest,
    }
    PostChatsRoomParticipant => post_chats_room_participant {
        path: { room_jid: RoomJid, user_id: UserId },
    }
    PostChatsRooms => post_chats_rooms {
        path: {},
        body: CreateRoomRequest,
    }
    PostChatsUserMessages => post_chats_user_messages {
        path: { user_id: UserId },
        body: SendMessageBody,
    }
    PostChatsUserMessagesPins => post_chats_user_messages_pins {
        path: { user_id: UserId },
        body: PinnedMessageRequest,
    }
    PostChatsUsersMeSettings => post_chats_users_me_settings {
        path: {},
        body: UserChatSettingsPost,
    }
    PutChatsMessageReactions => put_chats_message_reactions {
        path: { message_id: MessageId },
        body: ChatReactionUpdate,
    }
    PutChatsSettings => put_chats_settings {
        path: {},
        body: ChatSettings,
    }
    GetUsersChatsMe => get_users_chats_me {
        path: {},
        options: MyChatsQuery,
    }
}

impl Arbitrary for AnyOperation {
    type Parameters = Mode;
    type Strategy = BoxedStrategy<Self>;

    /// Any of the 35 operations, each as likely as the others.
    fn arbitrary_with(mode: Mode) -> Self::Strategy {
        Union::new(AnyOperation::strategies(mode)).boxed()
    }
}

impl AnyOperation {
    /// Whether the service would accept the operation: [`AnyOperation::violations`] is
    /// empty.
    pub fn is_valid(&self) -> bool {
        self.violations().is_empty()
    }
}
