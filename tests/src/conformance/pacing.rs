//! Pacing against the loopback emulator's rate limits. With pacing on, eight threads that
//! share one client stay within the token's limit and meet no 429; with pacing off, the
//! same load meets the limit; a daily limit (a 429 with a long `Retry-After`) fails every
//! sharer of the client at once, without a request; a 429 whose reset is unknown fails
//! only the call that met it.
//!
//! The emulator's limit here is 20 requests per 2 s window, so the paced check takes about
//! 25 s by design (240 posts are 12 windows).

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use genesys_chat::models::SendMessageBody;
use genesys_chat::operations::{GetChatsRoomMessages, GetChatsSettings, PostChatsRoomMessages};
use genesys_chat::pacing::PacingPolicy;
use genesys_chat::{CallOptions, Error, RetryPolicy};

use super::current::{WithCallOptions, emulator, room, settings};
use super::{Caller, Check, Checked, Maker};
use crate::server::Server;
use crate::{Fault, FaultRoute, FaultRule, RateLimit};

/// The checks of this group, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![
        Check {
            name: "eight paced threads under 20 requests per 2 s meet no 429 and store each message once",
            run: eight_paced_threads_meet_no_429::<C>,
        },
        Check {
            name: "without pacing the same load meets the service's 429s",
            run: without_pacing_the_same_load_meets_429s::<C>,
        },
        Check {
            name: "a daily limit fails every thread and operation at once without a request",
            run: a_daily_limit_fails_every_thread_at_once::<C>,
        },
        Check {
            name: "a 429 whose reset is unknown fails only the call that met it",
            run: a_429_whose_reset_is_unknown_fails_only_its_call::<C>,
        },
        Check {
            name: "a 429 whose Retry-After is over the cap reads as sentences and is matched by kind",
            run: a_429_over_the_cap_reads_as_sentences::<C>,
        },
    ]
}

const THREADS: usize = 8;
const POSTS_PER_THREAD: usize = 30;

/// The emulator of these checks: 20 requests per 2 s window, per token.
fn limited_emulator() -> Result<Server, Error> {
    let server = emulator()?;
    server.emulator().set_rate_limit(Some(RateLimit {
        allowed: 20,
        window: Duration::from_secs(2),
    }));
    Ok(server)
}

/// The client of a check, for `server` (logged in as alice), shared between threads.
fn client<C: Caller>(
    make: &mut Maker<'_, C>,
    server: &Server,
    pacing: PacingPolicy,
    retry: Option<RetryPolicy>,
) -> Result<Arc<C>, Error> {
    let mut settings = settings(server)?;
    settings.pacing = pacing;
    if let Some(retry) = retry {
        settings.retry = retry;
    }
    make(&settings).map(Arc::new)
}

/// Posts `POSTS_PER_THREAD` messages from each of `THREADS` threads, all through the one
/// `client`; every call's result (the message id, or the error).
fn post_from_threads<C: Caller>(client: &Arc<C>, jid: &str) -> Vec<Result<String, Error>> {
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (client, barrier, jid) = (client.clone(), barrier.clone(), jid.to_owned());
            std::thread::spawn(move || {
                barrier.wait();
                (0..POSTS_PER_THREAD)
                    .map(|i| {
                        let body = SendMessageBody::new(format!("thread {t} message {i}"));
                        let sent = client.call(PostChatsRoomMessages::new(&jid, body))?;
                        Ok(sent.output.id.unwrap_or_default())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|handle| {
            handle
                .join()
                .unwrap_or_else(|_| vec![Err(Error::Config("a thread panicked".to_owned()))])
        })
        .collect()
}

fn eight_paced_threads_meet_no_429<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = limited_emulator()?;
    let client = client(make, &server, PacingPolicy::default(), None)?;
    let jid = room(&*client, "Pacing")?;
    let mut ids = BTreeSet::new();
    for result in post_from_threads(&client, &jid) {
        ids.insert(result?);
    }
    assert_eq!(ids.len(), 240, "distinct message ids");
    let counters = server.emulator().counters();
    assert_eq!(counters.rate_limited, 0, "requests refused with 429");
    // One request per post: none was refused, so none was sent twice.
    assert_eq!(counters.operation("postChatsRoomMessages"), 240);
    assert_eq!(server.emulator().message_count(), 240, "messages stored");
    // Every message is in the room's history exactly once.
    let mut history = Vec::new();
    for item in client.history(GetChatsRoomMessages::new(&jid).limit(100), 1000) {
        history.push(item?.id.unwrap_or_default());
    }
    assert_eq!(history.len(), 240, "messages in the history");
    assert_eq!(history.into_iter().collect::<BTreeSet<_>>(), ids);
    assert_eq!(
        server.emulator().counters().rate_limited,
        0,
        "requests refused with 429, the history's included"
    );
    Ok(vec![])
}

fn without_pacing_the_same_load_meets_429s<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = limited_emulator()?;
    // No retries either, so that every refusal is one failed call (and the check is quick).
    let no_retry = Some(RetryPolicy::disabled());
    let client = client(make, &server, PacingPolicy::disabled(), no_retry)?;
    let jid = room(&*client, "Pacing")?;
    let results = post_from_threads(&client, &jid);
    let stored = results.iter().filter(|r| r.is_ok()).count();
    let refused: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        refused.iter().all(|e| e.status() == Some(429)),
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .all(|e| e.is_rate_limited() && e.api().is_some()),
        "the service's 429s, not the pacer's: {refused:?}"
    );
    let counters = server.emulator().counters();
    assert!(counters.rate_limited > 0, "no request was refused");
    assert_eq!(counters.rate_limited, refused.len() as u64);
    assert_eq!(stored + refused.len(), 240, "calls made");
    assert_eq!(counters.operation("postChatsRoomMessages"), 240);
    assert_eq!(server.emulator().message_count(), stored, "messages stored");
    Ok(vec![])
}

fn a_daily_limit_fails_every_thread_at_once<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = emulator()?;
    let client = client(make, &server, PacingPolicy::default(), None)?;
    let jid = room(&*client, "Pacing")?;
    // The service's answer to a used-up daily limit: 429, Retry-After of an hour.
    server
        .emulator()
        .add_fault(FaultRule::once(
            FaultRoute::Api,
            Fault::too_many_requests(Duration::from_secs(3600)),
        ))
        .map_err(|e| Error::Config(format!("the fault was refused: {e}")))?;
    let met = client.call(PostChatsRoomMessages::new(
        &jid,
        SendMessageBody::new("one"),
    ));
    let met = met.err().unwrap_or_else(|| panic!("the 429 was not met"));
    assert_eq!(met.status(), Some(429));
    assert_eq!(met.retry_after(), Some(Duration::from_secs(3600)));
    let before = server.emulator().counters();
    assert_eq!(before.operation("postChatsRoomMessages"), 1);

    // Other threads, other operations, per-call options: all fail at once.
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (client, jid) = (client.clone(), jid.clone());
            std::thread::spawn(move || {
                let body = SendMessageBody::new(format!("thread {t}"));
                let options = CallOptions::new().header("X-Request-Tag", "daily");
                vec![
                    client.call(PostChatsRoomMessages::new(&jid, body)).err(),
                    client.call(GetChatsSettings::new()).err(),
                    client
                        .call(WithCallOptions::new(GetChatsSettings::new(), options))
                        .err(),
                ]
            })
        })
        .collect();
    let mut errors = Vec::new();
    for handle in handles {
        let results = handle
            .join()
            .unwrap_or_else(|_| panic!("a thread panicked"));
        for error in results {
            errors.push(error.unwrap_or_else(|| panic!("a call under the daily limit succeeded")));
        }
    }
    assert_eq!(errors.len(), 12);
    for error in &errors {
        let Error::RateLimited {
            operation,
            resets_in,
            limit,
            reason,
        } = error
        else {
            panic!("not the pacer's RateLimited: {error:?}")
        };
        assert!(
            ["postChatsRoomMessages", "getChatsSettings"].contains(operation),
            "{operation}"
        );
        let resets_in = resets_in.unwrap_or_else(|| panic!("no reset: {error:?}"));
        assert!(resets_in <= Duration::from_secs(3600), "{resets_in:?}");
        assert!(resets_in > Duration::from_secs(3500), "{resets_in:?}");
        assert_eq!(*limit, None);
        assert!(
            reason.starts_with("a rate limit of this access token is used up and resets in "),
            "{reason}"
        );
        assert!(
            reason.ends_with(" s; calls with this token fail at once until then"),
            "{reason}"
        );
        assert!(
            error.to_string().contains("was not sent: a rate limit"),
            "{error}"
        );
        assert!(error.is_rate_limited());
        assert!(!error.request_may_have_been_sent());
        assert_eq!(error.status(), None);
    }
    // The emulator saw no request after the 429.
    let after = server.emulator().counters();
    assert_eq!(after.total, before.total, "requests after the 429");
    assert_eq!(after.api_requests(), before.api_requests());
    assert_eq!(server.emulator().message_count(), 0, "messages stored");
    Ok(vec![])
}

fn a_429_whose_reset_is_unknown_fails_only_its_call<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = emulator()?;
    let no_retry = Some(RetryPolicy::disabled());
    let client = client(make, &server, PacingPolicy::default(), no_retry)?;
    // A 429 with neither Retry-After nor rate-limit headers: no reset time is known.
    server
        .emulator()
        .add_fault(FaultRule::once(FaultRoute::Api, Fault::status(429)))
        .map_err(|e| Error::Config(format!("the fault was refused: {e}")))?;
    let met = client.call(GetChatsSettings::new());
    let met = met.err().unwrap_or_else(|| panic!("the 429 was not met"));
    assert_eq!(met.status(), Some(429));
    assert_eq!(met.retry_after(), None);
    // The next call, from another thread, is sent and answered.
    let sharer = client.clone();
    let next = std::thread::spawn(move || sharer.call(GetChatsSettings::new()))
        .join()
        .unwrap_or_else(|_| panic!("the thread panicked"))?;
    assert_eq!(next.output.message_retention_period_days, Some(365));
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        2,
        "getChatsSettings requests"
    );
    Ok(vec![])
}

fn a_429_over_the_cap_reads_as_sentences<C: Caller>(make: &mut Maker<'_, C>) -> Checked {
    let server = emulator()?;
    server
        .emulator()
        .add_fault(FaultRule::once(
            FaultRoute::of::<GetChatsSettings>(),
            Fault::too_many_requests(Duration::from_secs(120)),
        ))
        .map_err(|e| Error::Config(format!("the fault was refused: {e}")))?;
    let client = client(make, &server, PacingPolicy::default(), None)?;
    let error = client.call(GetChatsSettings::new());
    let error = error.err().unwrap_or_else(|| panic!("the 429 was not met"));
    assert!(error.is_rate_limited(), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    let text = error.to_string();
    assert!(
        text.starts_with(
            "`getChatsSettings` failed with HTTP 429 (too.many.requests.retry.after): Rate \
             limit exceeded the maximum. Retry the request after the time in the Retry-After \
             header. Retry after 120s. [correlation id "
        ),
        "{text}"
    );
    assert_eq!(
        server.emulator().counters().operation("getChatsSettings"),
        1,
        "getChatsSettings requests (a Retry-After over the cap is not waited for)"
    );
    Ok(vec![])
}
