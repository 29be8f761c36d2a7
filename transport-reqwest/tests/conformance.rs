//! The transport conformance kit (`genesys_chat_testkit::conformance`), run on the async
//! client: its own history and follow streams included, on the kit's tokio runtime.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use genesys_chat::{Error, History, Operation, Reply};
use genesys_chat_reqwest::Client;
use genesys_chat_testkit::conformance::{self, Caller, FollowPlan, Followed, Item, Settings};
use tokio::runtime::Runtime;

struct Reqwest {
    client: Client,
    runtime: Arc<Runtime>,
}

impl Caller for Reqwest {
    fn debug_text(&self) -> Option<String> {
        Some(format!("{:?}", self.client))
    }

    fn call<O>(&self, op: O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send + 'static,
    {
        self.runtime.block_on(self.client.call_with_reply(&op))
    }

    fn history<H>(&self, first: H, max: usize) -> Vec<Item>
    where
        H: History + Send + Sync + 'static,
    {
        self.runtime
            .block_on(self.client.history(first).take(max).collect())
    }

    fn follow<H>(&self, request: H, plan: &FollowPlan) -> Followed
    where
        H: History + Send + Sync + 'static,
    {
        let follow = match &plan.from {
            Some(cursor) => self.client.follow_from(request, cursor.clone()),
            None => self.client.follow(request),
        };
        let mut follow = follow.interval(plan.interval);
        let deadline = Instant::now() + plan.within;
        let items = self.runtime.block_on(async {
            let mut items = Vec::new();
            while items.len() < plan.want {
                let left = deadline.saturating_duration_since(Instant::now());
                match tokio::time::timeout(left, follow.next()).await {
                    Ok(Some(item)) => items.push(item),
                    Ok(None) | Err(_) => break,
                }
            }
            items
        });
        Followed {
            items,
            cursor: follow.cursor().cloned(),
        }
    }
}

fn build(settings: &Settings) -> Result<Reqwest, Error> {
    let runtime = conformance::shared_runtime();
    let _inside = runtime.enter();
    let client = settings.builder::<Client>()?.build()?;
    Ok(Reqwest { client, runtime })
}

genesys_chat_testkit::conformance_tests!("genesys-chat-reqwest", build);
