//! The inputs of the core benchmarks: a configuration, the four representative
//! operations, and responses the emulator really sends (history pages of 1, 25 and 100
//! messages, and a 404 error body).

use genesys_chat::models::{ChatReactionUpdate, CreateRoomRequest, SendMessageBody};
use genesys_chat::operations::{
    GetChatsRoom, GetChatsRoomMessages, PatchChatsRoomMessage, PostChatsRoomMessages,
    PostChatsRooms, PutChatsMessageReactions,
};
use genesys_chat::{Config, Operation, Region, Timestamp};
use genesys_chat_testkit::{Emulator, EmulatorBuilder, ManualClock};

use crate::BoxError;

/// An access token of the length and alphabet of a real one (86 characters of
/// base64url).
pub const TOKEN: &str =
    "hK3v9QwZr7LpT2xYbN5mC8dF1gJ4sA6uE0iO3kW9qR2tY7vB5nM8xZ1cV4bN6mQ0wE3rT5yU8iO2pA4sD7fG9h";

/// A room JID as the service writes them (its `@` travels as `%40`).
pub const ROOM_JID: &str = "5f3883f8130b94165bf37a3c@conference.example.orgspan.com";

/// A message id as the service writes them.
pub const MESSAGE_ID: &str = "5f3883f8130b94165bf37a3d";

/// The `before` of the history request.
pub const BEFORE: &str = "2026-11-25T16:42:06.415Z";

/// The `limit` of the history request.
pub const LIMIT: u32 = 25;

/// The text of the posted message: 118 bytes of Markdown, with a quote, a newline and
/// non-ASCII characters so JSON escaping is exercised.
pub const MESSAGE: &str = "Release **v2.4** ships at 10:00 — please review \"notes.md\" before the call.\nThanks, Ålice 🚀 (ping @bob if blocked)";

/// The text of the edited message.
pub const EDITED: &str = "Release **v2.4** ships at 11:00 (moved). Notes unchanged.";

/// The configuration of the build benchmarks: a region (https) and [`TOKEN`].
pub fn config() -> Result<Config, BoxError> {
    Ok(Config::new(Region::EuWest1).with_token(TOKEN)?)
}

/// `getChatsRoom`: a bodiless GET with a JID in the path.
pub fn get_room() -> GetChatsRoom {
    GetChatsRoom::new(ROOM_JID)
}

/// `getChatsRoomMessages` with `limit` and `before`.
pub fn get_room_messages() -> Result<GetChatsRoomMessages, BoxError> {
    Ok(GetChatsRoomMessages::new(ROOM_JID)
        .limit(LIMIT)
        .before(Timestamp::parse(BEFORE)?))
}

/// `postChatsRoomMessages`: a JSON body and a JID in the path.
pub fn post_room_message() -> PostChatsRoomMessages {
    PostChatsRoomMessages::new(ROOM_JID, SendMessageBody::new(MESSAGE))
}

/// `patchChatsRoomMessage`: a PATCH with a JSON body, a JID and an id in the path.
pub fn patch_room_message() -> PatchChatsRoomMessage {
    PatchChatsRoomMessage::new(ROOM_JID, MESSAGE_ID, SendMessageBody::new(EDITED))
}

/// Responses recorded from the in-process emulator (fixed clock and seed, so the bytes
/// are the same on every run).
#[derive(Debug)]
pub struct Responses {
    /// `getChatsRoomMessages` answers with 1, 25 and 100 messages, in that order.
    pub histories: Vec<(usize, http::Response<Vec<u8>>)>,
    /// A `getChatsRoom` 404: the service's `ErrorBody`.
    pub not_found: http::Response<Vec<u8>>,
}

impl Responses {
    /// Sizes of the recorded history pages.
    pub const SIZES: [usize; 3] = [1, 25, 100];

    /// Posts 100 messages (some in a thread, some mentioning a user, some with
    /// reactions) to a room of the emulator and records its answers.
    pub fn record() -> Result<Responses, BoxError> {
        let clock = ManualClock::new(1_795_624_926_415);
        let emulator = EmulatorBuilder::with_defaults()
            .clock(clock.clone())
            .seed(7)
            .build()?;
        let cfg =
            Config::with_base_url("http://127.0.0.1:8080")?.with_token(Emulator::DEFAULT_TOKEN)?;
        let call = |request| emulator.handle(request);
        let bob = emulator
            .user("bob")
            .ok_or("the default emulator has no user bob")?
            .id
            .clone();

        let op =
            PostChatsRooms::new(CreateRoomRequest::new("Release train").user_ids([bob.clone()]));
        let room = op
            .parse(&cfg, &call(op.to_http(&cfg)?))?
            .jid
            .ok_or("the new room has no jid")?;
        let mut root: Option<String> = None;
        for i in 0..100 {
            clock.advance(std::time::Duration::from_millis(1_337));
            let mut body = SendMessageBody::new(format!(
                "Message {i}: {}",
                MESSAGE
                    .chars()
                    .take(if i % 3 == 0 { usize::MAX } else { 40 })
                    .collect::<String>()
            ));
            if i % 5 == 4 {
                if let Some(root) = &root {
                    body = body.thread_id(root.clone());
                }
            }
            if i % 7 == 0 {
                body = body.mention(bob.clone());
            }
            let op = PostChatsRoomMessages::new(&room, body);
            let sent = op
                .parse(&cfg, &call(op.to_http(&cfg)?))?
                .id
                .ok_or("the posted message has no id")?;
            if i % 11 == 0 {
                let op = PutChatsMessageReactions::new(&sent, ChatReactionUpdate::new(["👍"]));
                op.parse(&cfg, &call(op.to_http(&cfg)?))?;
            }
            root.get_or_insert(sent);
        }

        let mut histories = Vec::new();
        for n in Self::SIZES {
            let op = GetChatsRoomMessages::new(&room).limit(n as u32);
            let response = call(op.to_http(&cfg)?);
            let listing = op.parse(&cfg, &response)?;
            if listing.messages().len() != n {
                return Err(
                    format!("asked for {n} messages, got {}", listing.messages().len()).into(),
                );
            }
            histories.push((n, response));
        }
        let domain = room.split_once('@').map_or("", |(_, domain)| domain);
        let missing = format!("000000000000000000000000@{domain}");
        let not_found = call(GetChatsRoom::new(missing).to_http(&cfg)?);
        if not_found.status() != 404 {
            return Err(format!("expected a 404, got {}", not_found.status()).into());
        }
        Ok(Responses {
            histories,
            not_found,
        })
    }
}

/// The strings a hand-written client starts from: the base URL, the token and the user
/// agent of `cfg`.
#[derive(Debug, Clone)]
pub struct TargetStrings {
    /// `scheme://host[:port]`.
    pub base: String,
    /// The bare token.
    pub token: String,
    /// The `User-Agent` value.
    pub user_agent: String,
}

impl TargetStrings {
    /// The strings of `cfg`, which must have a token.
    pub fn of(cfg: &Config) -> Result<TargetStrings, BoxError> {
        Ok(TargetStrings {
            base: cfg.api_base_url().to_string(),
            token: cfg
                .token()
                .ok_or("the configuration has no token")?
                .secret()
                .to_owned(),
            user_agent: cfg.user_agent().to_owned(),
        })
    }

    /// Borrowed, for [`crate::baseline`].
    pub fn target(&self) -> crate::baseline::Target<'_> {
        crate::baseline::Target {
            base: &self.base,
            token: &self.token,
            user_agent: &self.user_agent,
        }
    }
}

/// Builds each of the four requests with the core and with its baseline and checks
/// that they are identical; returns their names.
pub fn check_identical(cfg: &Config) -> Result<Vec<&'static str>, BoxError> {
    use crate::baseline as b;
    let strings = TargetStrings::of(cfg)?;
    let t = strings.target();
    let post = post_room_message();
    let patch = patch_room_message();
    let pairs = [
        (
            "getChatsRoom",
            get_room().to_http(cfg)?,
            b::get_room(&t, ROOM_JID)?,
        ),
        (
            "getChatsRoomMessages",
            get_room_messages()?.to_http(cfg)?,
            b::get_room_messages(&t, ROOM_JID, LIMIT, BEFORE)?,
        ),
        (
            "postChatsRoomMessages",
            post.to_http(cfg)?,
            b::post_room_message(&t, ROOM_JID, &post.body)?,
        ),
        (
            "patchChatsRoomMessage",
            patch.to_http(cfg)?,
            b::patch_room_message(&t, ROOM_JID, MESSAGE_ID, &patch.body)?,
        ),
    ];
    let mut names = Vec::new();
    for (name, core, baseline) in &pairs {
        b::same_request(core, baseline).map_err(|e| format!("{name}: {e}"))?;
        names.push(*name);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_build_the_same_requests() {
        let names = check_identical(&config().unwrap()).unwrap();
        assert_eq!(names.len(), 4);
        // Over plain http to loopback too.
        let local = Config::with_base_url("http://127.0.0.1:8080")
            .unwrap()
            .with_token(TOKEN)
            .unwrap();
        check_identical(&local).unwrap();
    }

    #[test]
    fn recorded_responses_parse_the_same_both_ways() {
        let responses = Responses::record().unwrap();
        for (n, response) in &responses.histories {
            let core = get_room_messages()
                .unwrap()
                .parse(&config().unwrap(), response)
                .unwrap();
            let baseline = crate::baseline::parse_listing(response).unwrap();
            assert_eq!(core.messages().len(), *n);
            assert_eq!(core, baseline);
        }
        let err = get_room()
            .parse(&config().unwrap(), &responses.not_found)
            .unwrap_err();
        let body = crate::baseline::parse_error(&responses.not_found).unwrap();
        assert_eq!(err.status(), Some(404));
        match err {
            genesys_chat::Error::Api(api) => assert_eq!(api.body.as_ref(), Some(&body)),
            other => panic!("not an API error: {other}"),
        }
    }
}
