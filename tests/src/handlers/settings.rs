//! Org chat settings (`messageRetentionPeriodDays`) and users' chat settings.

use serde_json::Value;

use super::body::{object, optional_object};
use super::{Ctx, Outcome, Reply, path_user};
use crate::failure::Failure;
use crate::state::{DEFAULT_NOTIFY_WHEN, DEFAULT_RETENTION_DAYS};
use crate::wire::{
    ChatSettingsJson, ChatUserSettingsJson, MobileNotificationSettingsJson, MobileSettingsJson,
    to_json,
};

const RETENTION_FIELD: &str = "messageRetentionPeriodDays";
const RETENTION_MIN: u64 = 10;
const RETENTION_MAX: u64 = 3650;
const NOTIFY_VALUES: [&str; 2] = ["Always", "OnlyWhenInactive"];

fn org_json(ctx: &Ctx<'_>) -> Outcome {
    Ok(Reply::Json(to_json(&ChatSettingsJson {
        message_retention_period_days: ctx.state.retention_days,
    })))
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
    ctx.state.retention_days = retention(ctx)?.unwrap_or(DEFAULT_RETENTION_DAYS);
    org_json(ctx)
}

/// `patchChatsSettings`: changes the fields present.
pub(crate) fn patch_org(ctx: &mut Ctx<'_>) -> Outcome {
    if let Some(days) = retention(ctx)? {
        ctx.state.retention_days = days;
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

/// Applies a `ChatUserSettings` patch: the parts present change, the rest stay.
fn patch_user_settings(ctx: &mut Ctx<'_>, user: usize) -> Outcome {
    let map = object(ctx.body)?;
    let when = match optional_object(&map, "mobile", "mobile")? {
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
    };
    if let Some(when) = when {
        ctx.state.notify_when.insert(user, when);
    }
    user_json(ctx, user)
}

/// `getChatsUserSettings`.
pub(crate) fn get_user(ctx: &mut Ctx<'_>) -> Outcome {
    let user = path_user(ctx)?;
    user_json(ctx, user)
}

/// `getChatsUsersMeSettings`: `me` is the caller.
pub(crate) fn get_me(ctx: &mut Ctx<'_>) -> Outcome {
    user_json(ctx, ctx.caller)
}

/// `patchChatsUserSettings`.
pub(crate) fn patch_user(ctx: &mut Ctx<'_>) -> Outcome {
    let user = path_user(ctx)?;
    patch_user_settings(ctx, user)
}

/// `patchChatsUsersMeSettings`.
pub(crate) fn patch_me(ctx: &mut Ctx<'_>) -> Outcome {
    let caller = ctx.caller;
    patch_user_settings(ctx, caller)
}
