//! The transport conformance kit (`genesys_chat_testkit::conformance`), run on the
//! blocking client: its own history iterator and follow included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;

use genesys_chat::{Error, History, Operation, Reply};
use genesys_chat_testkit::conformance::{Caller, FollowPlan, Followed, Item, Settings};
use genesys_chat_ureq::Client;

struct Ureq(Client);

impl Caller for Ureq {
    fn debug_text(&self) -> Option<String> {
        Some(format!("{:?}", self.0))
    }

    fn call<O>(&self, op: O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send + 'static,
    {
        self.0.call_with_reply(&op)
    }

    fn history<H>(&self, first: H, max: usize) -> Vec<Item>
    where
        H: History + Send + Sync + 'static,
    {
        self.0.history(first).take(max).collect()
    }

    fn follow<H>(&self, request: H, plan: &FollowPlan) -> Followed
    where
        H: History + Send + Sync + 'static,
    {
        let follow = match &plan.from {
            Some(cursor) => self.0.follow_from(request, cursor.clone()),
            None => self.0.follow(request),
        };
        let mut follow = follow.interval(plan.interval);
        // The stop handle ends the follow when the plan's time is up.
        let stop = follow.stop_handle();
        let (done, finished) = mpsc::channel::<()>();
        let within = plan.within;
        let stopper = std::thread::spawn(move || {
            if finished.recv_timeout(within).is_err() {
                stop.stop();
            }
        });
        let items: Vec<Item> = follow.by_ref().take(plan.want).collect();
        let _ = done.send(());
        let _ = stopper.join();
        Followed {
            items,
            cursor: follow.cursor().cloned(),
        }
    }
}

fn build(settings: &Settings) -> Result<Ureq, Error> {
    settings.builder::<Client>()?.build().map(Ureq)
}

genesys_chat_testkit::conformance_tests!("genesys-chat-ureq", build);
