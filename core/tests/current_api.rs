//! The current Chat API (SDK generations 262/269): the two new settings operations, the
//! new models and fields, the new query options, per-call options, "my chats" and its
//! cursor pager, and the operation counts written in the docs. Expected requests are
//! written from the official SDKs' request shapes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use genesys_chat::models::*;
use genesys_chat::operations::{self, *};
use genesys_chat::paging::{History, Stuck};
use genesys_chat::{CallOptions, Config, Error, Operation, RetryPolicy, Timestamp};

fn cfg() -> Config {
    Config::with_base_url("http://127.0.0.1:8080")
        .unwrap()
        .with_token("token-1")
        .unwrap()
}

fn ok(body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn no_content() -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(204)
        .body(Vec::new())
        .unwrap()
}

fn header<'a>(request: &'a http::Request<Vec<u8>>, name: &str) -> Option<&'a str> {
    request.headers().get(name).map(|v| v.to_str().unwrap())
}

// ----- the tables -----

#[test]
fn all_has_the_34_chat_operations_and_users_holds_my_chats() {
    assert_eq!(operations::ALL.len(), 34);
    assert_eq!(operations::USERS.len(), 1);
    assert_eq!(operations::USERS[0].id, "getUsersChatsMe");
    assert!(operations::ALL.iter().all(|m| m.id != "getUsersChatsMe"));
    assert_eq!(
        operations::find("postChatsUsersMeSettings").map(|m| m.path),
        Some("/api/v2/chats/users/me/settings")
    );
    assert_eq!(
        operations::find("getUsersChatsMe").map(|m| m.path),
        Some("/api/v2/users/chats/me")
    );
}

#[test]
fn the_new_operations_metadata() {
    let post = PostChatsUsersMeSettings::META;
    assert_eq!(post.method.as_str(), "POST");
    assert_eq!(post.summary, "Create a user's chat settings");
    assert_eq!(post.permissions, &[] as &[&str]);
    assert_eq!(post.request_body, Some("UserChatSettingsPost"));
    assert_eq!(post.response, None);
    assert!(!post.idempotent);
    let delete = DeleteChatsUsersMeSettings::META;
    assert_eq!(delete.method.as_str(), "DELETE");
    assert_eq!(delete.summary, "Delete a user's chat settings");
    assert_eq!(delete.permissions, &[] as &[&str]);
    assert_eq!(delete.request_body, None);
    assert!(delete.idempotent);
    assert_eq!(
        GetChatsUsersMeSettings::META.response,
        Some("UserSettingsForChat")
    );
    assert_eq!(
        PatchChatsUsersMeSettings::META.request_body,
        Some("UserSettingsForChat")
    );
    assert_eq!(
        GetChatsRoomMessages::META.query_params,
        &["limit", "before", "after", "excludeMetadata"]
    );
    assert_eq!(GetChatsRoomParticipants::META.query_params, &["notify"]);
    let mine = GetUsersChatsMe::META;
    assert_eq!(mine.summary, "Get chats for a user");
    assert_eq!(
        mine.query_params,
        &[
            "excludeClosed",
            "includePresence",
            "includeRoomOwners",
            "after"
        ]
    );
    assert_eq!(mine.response, Some("ChatItemCursorListing"));
}

// ----- golden requests -----

#[test]
fn post_chats_users_me_settings_request() {
    let op = PostChatsUsersMeSettings::new(UserChatSettingsPost::new(true).mentions_only(false));
    let request = op.to_http(&cfg()).unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(
        request.uri(),
        "http://127.0.0.1:8080/api/v2/chats/users/me/settings"
    );
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    assert_eq!(header(&request, "accept"), Some("application/json"));
    assert_eq!(header(&request, "authorization"), Some("Bearer token-1"));
    assert_eq!(request.body(), br#"{"muted":true,"mentionsOnly":false}"#);
    assert_eq!(op.parse(&cfg(), &no_content()), Ok(()));
}

#[test]
fn delete_chats_users_me_settings_request() {
    let op = DeleteChatsUsersMeSettings::new();
    let request = op.to_http(&cfg()).unwrap();
    assert_eq!(request.method(), "DELETE");
    assert_eq!(
        request.uri(),
        "http://127.0.0.1:8080/api/v2/chats/users/me/settings"
    );
    assert_eq!(header(&request, "content-type"), None);
    assert!(request.body().is_empty());
    assert_eq!(op.parse(&cfg(), &no_content()), Ok(()));
}

#[test]
fn users_me_settings_read_and_patch_user_settings_for_chat() {
    let get = GetChatsUsersMeSettings::new();
    let read = get
        .parse(
            &cfg(),
            &ok(r#"{"muted":true,"mentionsOnly":false,"notifyOnReactions":true,"mobile":{"notifications":{"when":"OnlyWhenInactive"}}}"#),
        )
        .unwrap();
    assert_eq!(read.muted, Some(true));
    assert_eq!(read.mentions_only, Some(false));
    assert_eq!(read.notify_on_reactions, Some(true));
    assert_eq!(read.notify_when(), Some(&NotifyWhen::OnlyWhenInactive));
    let patch =
        PatchChatsUsersMeSettings::new(UserSettingsForChat::default().notify_on_reactions(false));
    let request = patch.to_http(&cfg()).unwrap();
    assert_eq!(request.method(), "PATCH");
    assert_eq!(request.body(), br#"{"notifyOnReactions":false}"#);
    // Tolerant: an empty answer is all `None`.
    assert_eq!(
        get.parse(&cfg(), &ok("{}")).unwrap(),
        UserSettingsForChat::default()
    );
}

#[test]
fn chat_settings_carry_reactions_enabled() {
    let op = PatchChatsSettings::new(ChatSettings::default().reactions_enabled(false));
    assert_eq!(
        op.to_http(&cfg()).unwrap().body(),
        br#"{"reactionsEnabled":false}"#
    );
    let read = GetChatsSettings::new()
        .parse(
            &cfg(),
            &ok(r#"{"messageRetentionPeriodDays":90,"reactionsEnabled":true}"#),
        )
        .unwrap();
    assert_eq!(read.reactions_enabled, Some(true));
    assert_eq!(read.message_retention_period_days, Some(90));
}

#[test]
fn exclude_metadata_is_sent_last_and_kept_by_the_pager() {
    let op = GetChatsRoomMessages::new("r@conference.x")
        .limit(2)
        .before(Timestamp::parse("2026-11-25T16:42:06.415Z").unwrap())
        .after(Timestamp::parse("2026-11-01T00:00:00.000Z").unwrap())
        .exclude_metadata(true);
    assert_eq!(
        op.to_http(&cfg()).unwrap().uri(),
        "http://127.0.0.1:8080/api/v2/chats/rooms/r%40conference.x/messages?limit=2&before=2026-11-25T16%3A42%3A06.415Z&after=2026-11-01T00%3A00%3A00.000Z&excludeMetadata=true"
    );
    assert_eq!(
        GetChatsThreadMessages::new("m1")
            .exclude_metadata(false)
            .to_http(&cfg())
            .unwrap()
            .uri(),
        "http://127.0.0.1:8080/api/v2/chats/threads/m1/messages?excludeMetadata=false"
    );
    assert_eq!(
        GetChatsUserMessages::new("u1")
            .exclude_metadata(true)
            .to_http(&cfg())
            .unwrap()
            .uri(),
        "http://127.0.0.1:8080/api/v2/chats/users/u1/messages?excludeMetadata=true"
    );
    let message = |id: &str, at: &str| ChatMessageResponse {
        id: Some(id.to_owned()),
        date_created: Some(Timestamp::parse(at).unwrap()),
        ..Default::default()
    };
    let page = ChatMessageEntityListing::of(vec![
        message("m2", "2026-11-20T00:00:02.000Z"),
        message("m1", "2026-11-20T00:00:01.000Z"),
    ]);
    let next = op.next_page(&page).unwrap().unwrap();
    assert_eq!(
        next.to_http(&cfg()).unwrap().uri(),
        "http://127.0.0.1:8080/api/v2/chats/rooms/r%40conference.x/messages?limit=2&before=2026-11-20T00%3A00%3A01.000Z&after=2026-11-01T00%3A00%3A00.000Z&excludeMetadata=true"
    );
}

#[test]
fn notify_is_sent_only_when_set() {
    let base = "http://127.0.0.1:8080/api/v2/chats/rooms/r%40conference.x/participants";
    let op = GetChatsRoomParticipants::new("r@conference.x");
    assert_eq!(op.to_http(&cfg()).unwrap().uri(), base);
    assert_eq!(
        op.clone()
            .notify(true)
            .to_http(&cfg())
            .unwrap()
            .uri()
            .to_string(),
        format!("{base}?notify=true")
    );
    assert_eq!(
        op.notify(false).to_http(&cfg()).unwrap().uri().to_string(),
        format!("{base}?notify=false")
    );
}

#[test]
fn my_chats_options_in_order_only_when_set() {
    let base = "http://127.0.0.1:8080/api/v2/users/chats/me";
    assert_eq!(GetUsersChatsMe::new().to_http(&cfg()).unwrap().uri(), base);
    let all = GetUsersChatsMe::new()
        .after("key+1/2")
        .include_room_owners(true)
        .include_presence(false)
        .exclude_closed(true);
    assert_eq!(
        all.to_http(&cfg()).unwrap().uri().to_string(),
        format!(
            "{base}?excludeClosed=true&includePresence=false&includeRoomOwners=true&after=key%2B1%2F2"
        )
    );
    assert_eq!(
        GetUsersChatsMe::new()
            .after("")
            .to_http(&cfg())
            .unwrap_err()
            .to_string(),
        "invalid `after`: is empty; pass the key from the previous page's `nextUri`, or leave it unset for the first page"
    );
}

// ----- "my chats": models and pager -----

const PAGE: &str = r#"{
  "entities": [
    {"id": "r1@conference.x", "name": "Launch", "open": true, "chatType": "adhoc",
     "dateLastMessage": "2026-11-25T16:42:06.415Z",
     "images": [{"resolution": "x96", "imageUri": "https://img.example.com/1.png"}, 5],
     "favorite": {"id": "f1", "externalId": "e1"},
     "room": {"jid": "r1@conference.x", "owners": [{"id": "u1"}], "roomType": "ADHOC"},
     "selfUri": "/api/v2/chats/rooms/r1@conference.x"},
    "not a chat",
    {"id": "u2", "open": false, "chatType": "oneOnOne", "dateClosed": "2026-11-24T00:00:00.000Z",
     "user": {"id": "u2", "name": "Bob", "jid": "b@x", "inactive": false,
              "integrations": [{"type": "slack", "deep": {"a": [1, 2]}}],
              "presence": {"source": "PURECLOUD", "systemPresence": "ON_QUEUE",
                           "message": "at lunch", "dateModified": "2026-11-25T10:00:00.000Z",
                           "organizationPresence": {"id": "p1", "languageLabels": {"en_US": "Busy"}},
                           "outOfOffice": {"active": true, "user": {"id": "u2"}}}}}
  ],
  "nextUri": "/api/v2/users/chats/me?excludeClosed=false&after=u2%40x%2B",
  "selfUri": "/api/v2/users/chats/me"
}"#;

#[test]
fn a_cursor_page_parses_tolerantly_and_keeps_the_deep_objects() {
    let page = GetUsersChatsMe::new().parse(&cfg(), &ok(PAGE)).unwrap();
    assert_eq!(page.chats().len(), 2);
    assert_eq!(page.malformed.len(), 1);
    assert_eq!(page.malformed[0].field, "entities");
    assert_eq!(page.malformed[0].index, 1);
    let room = &page.chats()[0];
    assert_eq!(room.is_open(), Some(true));
    assert_eq!(room.chat_type, Some(RoomType::Adhoc));
    assert_eq!(room.images.as_ref().unwrap().len(), 1);
    assert_eq!(room.malformed[0].field, "images");
    assert_eq!(
        room.favorite.as_ref().unwrap().external_id.as_deref(),
        Some("e1")
    );
    let inner = room.room.as_ref().unwrap();
    assert_eq!(inner.owners.as_ref().unwrap()[0].id.as_deref(), Some("u1"));
    assert_eq!(
        inner.room_type.as_ref().unwrap().canonical(),
        RoomType::Adhoc
    );
    let direct = &page.chats()[1];
    assert_eq!(direct.is_open(), Some(false));
    assert_eq!(
        direct.date_closed,
        Some(Timestamp::parse("2026-11-24T00:00:00.000Z").unwrap())
    );
    let user = direct.user.as_ref().unwrap();
    assert_eq!(
        user.integrations.as_ref().unwrap()[0],
        serde_json::json!({"type": "slack", "deep": {"a": [1, 2]}})
    );
    let presence = user.presence.as_ref().unwrap();
    assert_eq!(
        presence.system_presence,
        Some(SystemPresence::Unknown("ON_QUEUE".to_owned()))
    );
    assert_eq!(
        presence.organization_presence,
        Some(serde_json::json!({"id": "p1", "languageLabels": {"en_US": "Busy"}}))
    );
    assert_eq!(
        presence.out_of_office,
        Some(serde_json::json!({"active": true, "user": {"id": "u2"}}))
    );
    // The status text never reaches Debug.
    assert!(!format!("{page:?}").contains("at lunch"));
    assert_eq!(page.after_key(), Ok(Some("u2@x+".to_owned())));
}

#[test]
fn the_pager_follows_next_uri_and_stops_on_a_repeat() {
    let first = GetUsersChatsMe::new().include_presence(true);
    let page = GetUsersChatsMe::new().parse(&cfg(), &ok(PAGE)).unwrap();
    let next = first.next_page(&page).unwrap().unwrap();
    assert_eq!(
        next.to_http(&cfg()).unwrap().uri(),
        "http://127.0.0.1:8080/api/v2/users/chats/me?includePresence=true&after=u2%40x%2B"
    );
    // The same cursor again: the service repeats itself.
    assert_eq!(
        next.next_page(&page),
        Err(Error::HistoryStuck {
            operation: "getUsersChatsMe",
            reason: Stuck::CursorRepeated
        })
    );
    let last = ChatItemCursorListing::of(Vec::new());
    assert_eq!(next.next_page(&last), Ok(None));
    let broken = ChatItemCursorListing {
        next_uri: Some("/api/v2/users/chats/me?excludeClosed=true".to_owned()),
        ..Default::default()
    };
    let error = first.next_page(&broken).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the history of `getUsersChatsMe` stopped early: the page's `nextUri` holds no `after` key, so the next page cannot be asked for; the rest was not read"
    );
}

#[test]
fn the_walk_yields_every_chat_once_with_malformed_items_in_place() {
    let mut walk = MyChatsWalk::new(GetUsersChatsMe::new());
    let first = walk.next_request().unwrap();
    walk.receive(
        &first,
        GetUsersChatsMe::new().parse(&cfg(), &ok(PAGE)).unwrap(),
    );
    let items: Vec<String> = std::iter::from_fn(|| walk.next_item())
        .map(|item| match item {
            Ok(chat) => chat.id.unwrap_or_default(),
            Err(e) => e.to_string(),
        })
        .collect();
    assert_eq!(
        items,
        vec![
            "r1@conference.x".to_owned(),
            "item 1 of a page of `getUsersChatsMe` could not be read and was left out: invalid type: string \"…\", expected a ChatItem object; the other items were kept".to_owned(),
            "u2".to_owned(),
        ]
    );
    let second = walk.next_request().unwrap();
    assert_eq!(second.query.after.as_deref(), Some("u2@x+"));
    // A page of chats already yielded, with a next page: stuck, nothing yielded twice.
    let mut again = GetUsersChatsMe::new().parse(&cfg(), &ok(PAGE)).unwrap();
    again.next_uri = Some("/api/v2/users/chats/me?after=other".to_owned());
    walk.receive(&second, again);
    let rest: Vec<_> = std::iter::from_fn(|| walk.next_item()).collect();
    assert_eq!(rest.len(), 2);
    assert!(matches!(
        rest[0],
        Err(Error::MalformedItem { index: 1, .. })
    ));
    assert_eq!(
        rest[1],
        Err(Error::HistoryStuck {
            operation: "getUsersChatsMe",
            reason: Stuck::RepeatedPage { repeated: 2 }
        })
    );
    assert!(walk.next_request().is_none());
}

// ----- per-call options -----

#[test]
fn call_options_add_headers_in_the_three_step_path() {
    let options = CallOptions::new()
        .header("X-Request-Tag", "export")
        .header("x-request-tag", "second")
        .header("Accept", "application/json; charset=utf-8");
    let op = GetChatsSettings::new();
    let request = op.to_http_with(&cfg(), &options).unwrap();
    let tags: Vec<&str> = request
        .headers()
        .get_all("x-request-tag")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(tags, vec!["export", "second"]);
    assert_eq!(
        header(&request, "accept"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(header(&request, "authorization"), Some("Bearer token-1"));
    // The same through the wrapper that `Call` and the clients run.
    let wrapped = op.with_options(&options);
    assert_eq!(
        wrapped.to_http(&cfg()).unwrap().headers(),
        request.headers()
    );
    assert_eq!(
        <genesys_chat::operation::WithOptions<'_, GetChatsSettings> as Operation>::META.id,
        "getChatsSettings"
    );
    // Values never reach Debug.
    assert_eq!(
        format!("{options:?}"),
        "CallOptions { headers: [\"X-Request-Tag\", \"x-request-tag\", \"Accept\"], attempt_timeout: None, total_timeout: None, retry: None }"
    );
}

#[test]
fn owned_and_invalid_headers_are_refused_naming_them() {
    let refused = |name: &str, value: &str| {
        GetChatsSettings::new()
            .to_http_with(&cfg(), &CallOptions::new().header(name, value))
            .unwrap_err()
            .to_string()
    };
    for (name, shown) in [
        ("authorization", "Authorization"),
        ("HOST", "Host"),
        ("Content-Length", "Content-Length"),
        ("content-type", "Content-Type"),
        ("Accept-Encoding", "Accept-Encoding"),
        ("Transfer-Encoding", "Transfer-Encoding"),
        ("connection", "Connection"),
        ("te", "TE"),
        ("Upgrade", "Upgrade"),
    ] {
        assert_eq!(
            refused(name, "x"),
            format!(
                "invalid `headers`: `{shown}` is set by the client and cannot be set per call; leave it out"
            )
        );
    }
    assert_eq!(
        refused("X-Tag", "a\r\nX-Injected: 1"),
        "invalid `headers`: the value of `X-Tag` holds a CR or LF, which could forge headers; remove it"
    );
    assert_eq!(
        refused("X Tag", "a"),
        "invalid `headers`: the name X Tag is not an HTTP header name; use letters, digits and `!#$%&'*+-.^_`|~` only"
    );
    assert_eq!(
        refused("X-Tag", "caf\u{e9}"),
        "invalid `headers`: the value of `X-Tag` holds a control character or a character that is not ASCII; percent-encode it or remove it"
    );
    assert!(CallOptions::new().header("Bad\nName", "v").check().is_err());
}

#[test]
fn call_options_override_the_limits() {
    let client = RetryPolicy {
        budget: Duration::from_secs(60),
        ..RetryPolicy::default()
    };
    let plain = CallOptions::new();
    assert_eq!(plain.effective_retry(client), client);
    assert_eq!(
        plain.effective_attempt_timeout(Duration::from_secs(30)),
        Duration::from_secs(30)
    );
    let options = CallOptions::new()
        .no_retry()
        .attempt_timeout(Duration::from_secs(2));
    let policy = options.effective_retry(client);
    assert_eq!(policy.max_attempts, 1);
    assert_eq!(policy.budget, Duration::from_secs(60));
    assert_eq!(
        options.effective_attempt_timeout(Duration::from_secs(30)),
        Duration::from_secs(2)
    );
    let total = CallOptions::new().total_timeout(Duration::from_secs(5));
    assert_eq!(total.effective_retry(client).budget, Duration::from_secs(5));
    assert_eq!(total.effective_retry(client).max_attempts, 4);
}

// ----- counts written in the docs -----

/// Every "N operations" (also "N Chat operations", "N Chat API operations") and
/// "N entries" written in the README, the crate docs and the testkit's README.
fn written_counts(text: &str) -> Vec<(usize, String)> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        .collect();
    let mut out = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let Ok(n) = word.parse::<usize>() else {
            continue;
        };
        let next: Vec<&str> = words[i + 1..].iter().take(3).map(String::as_str).collect();
        let counted = matches!(next.first(), Some(&"operations") | Some(&"entries"))
            || next.get(..2) == Some(&["Chat", "operations"][..])
            || next.get(..3) == Some(&["Chat", "API", "operations"][..]);
        let bound = i >= 2 && words[i - 2] == "up" && words[i - 1] == "to";
        if counted && !bound {
            out.push((
                n,
                words[i.saturating_sub(3)..(i + 3).min(words.len())].join(" "),
            ));
        }
    }
    out
}

#[test]
fn operation_counts_in_the_docs_match_the_table() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let files = [
        "README.md",
        "tests/README.md",
        "core/src/lib.rs",
        "core/src/operations/mod.rs",
        "core/src/operation.rs",
        "tests/src/lib.rs",
        "tests/src/handlers/mod.rs",
        "transport-ureq/src/lib.rs",
        "transport-reqwest/src/lib.rs",
    ];
    let mut wrong = Vec::new();
    let mut seen = 0;
    for file in files {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        for (n, context) in written_counts(&text) {
            seen += 1;
            if n != operations::ALL.len() {
                wrong.push(format!("{file}: {n} in \"{context}\""));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "counts that differ from the table's {}: {wrong:#?}",
        operations::ALL.len()
    );
    assert!(seen >= 3, "the docs should state the count; found {seen}");
}

#[test]
fn the_count_scanner_finds_counts() {
    assert_eq!(
        written_counts("All 32 operations of the API; up to 40 operations; 34 Chat API operations; one table, 33 entries").into_iter().map(|(n, _)| n).collect::<Vec<_>>(),
        vec![32, 34, 33]
    );
}
