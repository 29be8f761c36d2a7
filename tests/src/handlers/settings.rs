//! Org chat settings (`messageRetentionPeriodDays`, `reactionsEnabled`), users' chat
//! settings (`ChatUserSettings`) and the caller's own (`UserSettingsForChat`: created,
//! read, patched and deleted through `/users/me/settings`).
//!
//! Rules where the official docs are silent (see tests/README.md):
//! - A user without stored settings reads `muted: false`, `mentionsOnly: false`,
//!   `notifyOnReactions: true`; after `deleteChatsUsersMeSettings` it reads them again
//!   (the stored settings are gone; `mobile` is kept, it is the `ChatUserSettings` part).
//! - `postChatsUsersMeSettings` creates or replaces the three flags (an absent optional
//!   flag takes its default) and answers 204; `muted` is required.
//! - `reactionsEnabled: false` makes `putChatsMessageReactions` answer 400.

use serde_json::Value;

use super::body::{object, optional_object};
use super::{Ctx, Outcome, Reply, path_user};
use crate::failure::Failure;
use crate::state::{
    DEFAULT_NOTIFY_WHEN, DEFAULT_REACTIONS_ENABLED, DEFAULT_RETENTION_DAYS, DEFAULT_USER_CHAT,
    UserChat,
};
use crate::wire::{
    ChatSettingsJson, ChatUserSettingsJson, MobileNotificationSettingsJson, MobileSettingsJson,
    UserSettingsForChatJson, to_json,
};

const RETENTION_FIELD: &str = "messageRetentionPeriodDays";
const RETENTION_MIN: u64 = 10;
const RETENTION_MAX: u64 = 3650;
const NOTIFY_VALUES: [&str; 2] = ["Always", "OnlyWhenInactive"];

fn org_json(ctx: &Ctx<'_>) -> Outcome {
    Ok(Reply::Json(to_json(&ChatSettingsJson {
        message_retention_period_days: ctx.state.retention_days,
        reactions_enabled: ctx.state.reactions_enabled,
    })))
}

/// A boolean field of a body: `None` when absent or `null`, 400 when not a boolean.
fn optional_bool(
    map: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<bool>, Failure> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Failure::bad_request(name, "must be true or false")),
    }
}

/// `messageRetentionPeriodDays` from a body: `None` when absent or `null`.
fn retention(ctx: &Ctx<'_>) -> Result<Option<u32>, Failure> {
    let map = object(ctx.body)?;
    match map.get(RETENTION_FIELD) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(days) if (RETENTION_MIN..=RETENTION_MAX).contains(&days) => {
                Ok(u32::try_from(days).ok())
            }
            Some(_) => Err(Failure::bad_request(
                RETENTION_FIELD,
                format!("must be between {RETENTION_MIN} and {RETENTION_MAX} days"),
            )),
            None => Err(Failure::bad_request(
                RETENTION_FIELD,
                format!("must be an integer between {RETENTION_MIN} and {RETENTION_MAX}"),
            )),
        },
    }
}

/// `getChatsSettings`.
pub(crate) fn get_org(ctx: &mut Ctx<'_>) -> Outcome {
    org_json(ctx)
}

/// `putChatsSettings`: replaces the settings; an absent field returns to its default.
pub(crate) fn put_org(ctx: &mut Ctx<'_>) -> Outcome {
    let days = retention(ctx)?;
    let reactions = optional_bool(&object(ctx.body)?, "reactionsEnabled")?;
    ctx.state.retention_days = days.unwrap_or(DEFAULT_RETENTION_DAYS);
    ctx.state.reactions_enabled = reactions.unwrap_or(DEFAULT_REACTIONS_ENABLED);
    org_json(ctx)
}

/// `patchChatsSettings`: changes the fields present.
pub(crate) fn patch_org(ctx: &mut Ctx<'_>) -> Outcome {
    let days = retention(ctx)?;
    let reactions = optional_bool(&object(ctx.body)?, "reactionsEnabled")?;
    if let Some(days) = days {
        ctx.state.retention_days = days;
    }
    if let Some(enabled) = reactions {
        ctx.state.reactions_enabled = enabled;
    }
    org_json(ctx)
}

fn user_json(ctx: &Ctx<'_>, user: usize) -> Outcome {
    let when = ctx
        .state
        .notify_when
        .get(&user)
        .map_or(DEFAULT_NOTIFY_WHEN, String::as_str);
    Ok(Reply::Json(to_json(&ChatUserSettingsJson {
        mobile: MobileSettingsJson {
            notifications: MobileNotificationSettingsJson { when },
        },
    })))
}

/// `mobile.notifications.when` of a patch, checked: `None` when absent.
fn patched_when(map: &serde_json::Map<String, Value>) -> Result<Option<String>, Failure> {
    Ok(match optional_object(map, "mobile", "mobile")? {
        None => None,
        Some(mobile) => match optional_object(mobile, "notifications", "mobile.notifications")? {
            None => None,
            Some(notifications) => match notifications.get("when") {
                None | Some(Value::Null) => None,
                Some(Value::String(w)) if NOTIFY_VALUES.contains(&w.as_str()) => Some(w.clone()),
                Some(_) => {
                    return Err(Failure::bad_request(
                        "mobile.notifications.when",
                        "must be `Always` or `OnlyWhenInactive`",
                    ));
                }
            },
        },
    })
}

/// The caller's `UserSettingsForChat`.
fn me_json(ctx: &Ctx<'_>) -> Outcome {
    let user = ctx.caller;
    let chat = ctx
        .state
        .user_chat
        .get(&user)
        .copied()
        .unwrap_or(DEFAULT_USER_CHAT);
    let when = ctx
        .state
        .notify_when
        .get(&user)
        .map_or(DEFAULT_NOTIFY_WHEN, String::as_str);
    Ok(Reply::Json(to_json(&UserSettingsForChatJson {
        muted: chat.muted,
        mentions_only: chat.mentions_only,
        notify_on_reactions: chat.notify_on_reactions,
        mobile: MobileSettingsJson {
            notifications: MobileNotificationSettingsJson { when },
        },
    })))
}

/// Applies a `ChatUserSettings` patch: the parts present change, the rest stay.
fn patch_user_settings(ctx: &mut Ctx<'_>, user: usize) -> Outcome {
    let map = object(ctx.body)?;
    if let Some(when) = patched_when(&map)? {
        ctx.state.notify_when.insert(user, when);
    }
    user_json(ctx, user)
}

/// `getChatsUserSettings`.
pub(crate) fn get_user(ctx: &mut Ctx<'_>) -> Outcome {
    let user = path_user(ctx)?;
    user_json(ctx, user)
}

/// `getChatsUsersMeSettings`: the caller's `UserSettingsForChat`.
pub(crate) fn get_me(ctx: &mut Ctx<'_>) -> Outcome {
    me_json(ctx)
}

/// `postChatsUsersMeSettings`: creates (or replaces) the caller's three flags.
pub(crate) fn post_me(ctx: &mut Ctx<'_>) -> Outcome {
    let map = object(ctx.body)?;
    let muted = optional_bool(&map, "muted")?
        .ok_or_else(|| Failure::bad_request("muted", "is required (true or false)"))?;
    let mentions_only = optional_bool(&map, "mentionsOnly")?;
    let notify_on_reactions = optional_bool(&map, "notifyOnReactions")?;
    ctx.state.user_chat.insert(
        ctx.caller,
        UserChat {
            muted,
            mentions_only: mentions_only.unwrap_or(DEFAULT_USER_CHAT.mentions_only),
            notify_on_reactions: notify_on_reactions
                .unwrap_or(DEFAULT_USER_CHAT.notify_on_reactions),
        },
    );
    Ok(Reply::NoContent)
}

/// `deleteChatsUsersMeSettings`: the caller's flags are gone; reads give the defaults.
pub(crate) fn delete_me(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.state.user_chat.remove(&ctx.caller);
    Ok(Reply::NoContent)
}

/// `patchChatsUserSettings`.
pub(crate) fn patch_user(ctx: &mut Ctx<'_>) -> Outcome {
    let user = path_user(ctx)?;
    patch_user_settings(ctx, user)
}

/// `patchChatsUsersMeSettings`: the `UserSettingsForChat` fields present change (all
/// checked before any changes), the rest stay.
pub(crate) fn patch_me(ctx: &mut Ctx<'_>) -> Outcome {
    let map = object(ctx.body)?;
    let muted = optional_bool(&map, "muted")?;
    let mentions_only = optional_bool(&map, "mentionsOnly")?;
    let notify_on_reactions = optional_bool(&map, "notifyOnReactions")?;
    let when = patched_when(&map)?;
    let caller = ctx.caller;
    let chat = ctx
        .state
        .user_chat
        .entry(caller)
        .or_insert(DEFAULT_USER_CHAT);
    if let Some(muted) = muted {
        chat.muted = muted;
    }
    if let Some(mentions_only) = mentions_only {
        chat.mentions_only = mentions_only;
    }
    if let Some(notify) = notify_on_reactions {
        chat.notify_on_reactions = notify;
    }
    if let Some(when) = when {
        ctx.state.notify_when.insert(caller, when);
    }
    me_json(ctx)
}
