//! One method per operation, generated from the core's operations tables: the official id
//! in snake_case, as the Python SDK names it (`postChatsRoomMessages` →
//! [`Client::post_chats_room_messages`]). Each runs through [`Client::call`].
//!
//! Required path parameters are positional, then the body. An operation with query
//! options (the three histories, `getChatsRoomParticipants`, `getUsersChatsMe`) returns a
//! [`Request`] to refine and [`send`](Request::send). The methods are `async`; their
//! futures are `Send`.

use genesys_chat::models::*;
use genesys_chat::operations::{GetChatsRoomParticipants, GetUsersChatsMe};
use genesys_chat::{CallOptions, History, Operation, Reply, Timestamp};

use crate::{Client, Error, FollowStream, HistoryStream, MyChatsStream};

/// An operation bound to a client, to refine (query options, per-call options) and then
/// [`send`](Request::send). Returned by the methods of operations that take query
/// options, e.g. [`Client::get_chats_room_messages`].
///
/// ```no_run
/// use genesys_chat_reqwest::{Client, Config, Region};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Config::new(Region::EuWest1).with_token("my-token")?)?;
/// let page = client
///     .get_chats_room_messages("room@conference.example.com")
///     .limit(50)
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'c, O> {
    client: &'c Client,
    op: O,
    options: Option<CallOptions>,
}

impl<'c, O: Operation> Request<'c, O> {
    fn new(client: &'c Client, op: O) -> Self {
        Request {
            client,
            op,
            options: None,
        }
    }

    /// Runs the operation ([`Client::call`], or [`Client::call_with`] when per-call
    /// options were set) and returns its output.
    pub async fn send(self) -> Result<O::Output, Error> {
        self.send_with_reply().await.map(|reply| reply.output)
    }

    /// Runs the operation and returns its output with the status, headers, correlation id
    /// and number of attempts ([`Client::call_with_reply`]).
    pub async fn send_with_reply(self) -> Result<Reply<O::Output>, Error> {
        match &self.options {
            Some(options) => self.client.reply_with(&self.op, options).await,
            None => self.client.call_with_reply(&self.op).await,
        }
    }

    /// Sends this call with per-call options ([`CallOptions`]: extra headers, the attempt
    /// timeout, the total budget, the retry policy), as [`Client::call_with`] does. They
    /// apply to [`send`](Request::send); the history and follow streams use the
    /// client's own settings.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// Changes the operation with any of its own setters.
    pub fn map(mut self, change: impl FnOnce(O) -> O) -> Self {
        self.op = change(self.op);
        self
    }

    /// The operation as it stands.
    pub fn operation(&self) -> &O {
        &self.op
    }

    /// The operation, to run some other way (e.g. [`Client::call`]).
    pub fn into_operation(self) -> O {
        self.op
    }
}

impl<H: History + Send + Sync + 'static> Request<'_, H> {
    /// Returns at most `limit` messages (1 to 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.op.query_mut().limit = Some(limit);
        self
    }

    /// Returns only messages older than `before` (exclusive).
    pub fn before(mut self, before: Timestamp) -> Self {
        self.op.query_mut().before = Some(before);
        self
    }

    /// Returns only messages newer than `after` (exclusive).
    pub fn after(mut self, after: Timestamp) -> Self {
        self.op.query_mut().after = Some(after);
        self
    }

    /// Whether the service leaves the messages' metadata out (`excludeMetadata`).
    pub fn exclude_metadata(mut self, exclude: bool) -> Self {
        self.op.query_mut().exclude_metadata = Some(exclude);
        self
    }

    /// Every message of the history from this request on, newest first, across pages
    /// ([`Client::history`]).
    pub fn history(self) -> HistoryStream<H> {
        self.client.history(self.op)
    }

    /// The messages posted from now on, oldest first, as they arrive
    /// ([`Client::follow`]).
    pub fn follow(self) -> FollowStream<H> {
        self.client.follow(self.op)
    }
}

impl Request<'_, GetChatsRoomParticipants> {
    /// Whether to get the users to notify (`notify`).
    pub fn notify(self, notify: bool) -> Self {
        self.map(|op| op.notify(notify))
    }
}

impl Request<'_, GetUsersChatsMe> {
    /// Leave closed chats out (`excludeClosed`).
    pub fn exclude_closed(self, exclude: bool) -> Self {
        self.map(|op| op.exclude_closed(exclude))
    }

    /// Include the other user's presence in 1on1s (`includePresence`).
    pub fn include_presence(self, include: bool) -> Self {
        self.map(|op| op.include_presence(include))
    }

    /// Include the owners of rooms (`includeRoomOwners`).
    pub fn include_room_owners(self, include: bool) -> Self {
        self.map(|op| op.include_room_owners(include))
    }

    /// Every chat of the caller from this request on, across pages
    /// ([`Client::my_chats`]).
    pub fn all(self) -> MyChatsStream {
        self.client.my_chats(self.op)
    }
}

/// The doc comment of a generated method: the operation's metadata, as on its struct.
macro_rules! method_doc {
    (
        $name:ident = $id:literal, $method:ident, $path:literal, $summary:literal,
        [$($perm:literal),*], $preview:literal, $returns:literal,
        $($item:tt)*
    ) => {
        #[doc = concat!("`", $id, "`: ", $summary)]
        #[doc = ""]
        #[doc = concat!("`", stringify!($method), " ", $path, "`")]
        #[doc = ""]
        #[doc = concat!(
            "Runs [`", stringify!($name), "`](crate::operations::", stringify!($name),
            ") through [`Client::call`]", $returns, "."
        )]
        #[doc = ""]
        #[doc = concat!(
            "- Official operation id: `", $id, "`\n",
            "- Requires any of: ", $("`", $perm, "` ",)* "\n",
            "- Preview (may change without notice): ", stringify!($preview)
        )]
        $($item)*
    };
}

/// Emits one method per entry handed over by the core's `__for_each_*_operation!`.
macro_rules! operation_methods {
    ($($name:ident = $id:literal { $($entry:tt)* })+) => {
        /// One method per operation of the Chat API and "my chats".
        impl Client {
            $(operation_methods!(@one $name = $id { $($entry)* });)+
        }
    };
    // Query options (a history's, or another operation's): a request to refine and send.
    (@one $name:ident = $id:literal {
        op: $op:ty, method: $method:ident, path: $path:literal, summary: $summary:literal,
        permissions: [$($perm:literal),*], preview: $preview:literal,
        params: [$($field:ident),*],
        query: $query:ty,
        output: $output:ty,
        snake: $snake:ident,
    }) => {
        operation_methods!(@refine $name = $id, $op, $method, $path, $summary,
            [$($perm),*], $preview, [$($field),*], $snake);
    };
    (@one $name:ident = $id:literal {
        op: $op:ty, method: $method:ident, path: $path:literal, summary: $summary:literal,
        permissions: [$($perm:literal),*], preview: $preview:literal,
        params: [$($field:ident),*],
        options: $opts:ty,
        output: $output:ty,
        snake: $snake:ident,
    }) => {
        operation_methods!(@refine $name = $id, $op, $method, $path, $summary,
            [$($perm),*], $preview, [$($field),*], $snake);
    };
    (@refine $name:ident = $id:literal, $op:ty, $method:ident, $path:literal,
        $summary:literal, [$($perm:literal),*], $preview:literal, [$($field:ident),*],
        $snake:ident) => {
        method_doc! {
            $name = $id, $method, $path, $summary, [$($perm),*], $preview,
            ": set its query options on the returned [`Request`], then send it",
            pub fn $snake(&self, $($field: impl Into<String>),*) -> Request<'_, $op> {
                Request::new(self, <$op>::new($($field),*))
            }
        }
    };
    // No query options: runs at once.
    (@one $name:ident = $id:literal {
        op: $op:ty, method: $method:ident, path: $path:literal, summary: $summary:literal,
        permissions: [$($perm:literal),*], preview: $preview:literal,
        params: [$($field:ident),*],
        $(body: $body:ty,)?
        output: $output:ty,
        snake: $snake:ident,
    }) => {
        method_doc! {
            $name = $id, $method, $path, $summary, [$($perm),*], $preview,
            " and returns its output (per-call options: [`Client::call_with`])",
            pub async fn $snake(
                &self,
                $($field: impl Into<String>,)*
                $(body: $body,)?
            ) -> Result<$output, Error> {
                self.call(&<$op>::new($($field,)* $({ let body: $body = body; body })?)).await
            }
        }
    };
}

genesys_chat::__for_each_chat_operation!(operation_methods);
genesys_chat::__for_each_users_operation!(operation_methods);
