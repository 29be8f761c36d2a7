//! Who is calling: the org's users, access tokens with their permissions, OAuth clients.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use genesys_chat::operations::ALL;

use crate::ids::{hex24_from, stable_hash, uuid_from};

/// A user of the emulated org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The name the user was seeded with (e.g. `bob`); not part of the API.
    pub name: String,
    /// The user id (UUID-like, derived from the org and the name, so stable across runs).
    pub id: String,
    /// The user's JID: `<24 hex>@<org>.orgspan.com`.
    pub jid: String,
}

impl User {
    pub(crate) fn derive(org: &str, name: &str) -> User {
        let id = uuid_from(
            stable_hash(&["user-id", org, name]),
            stable_hash(&["user-id-2", org, name]),
        );
        let jid = format!(
            "{}@{org}.orgspan.com",
            hex24_from(
                stable_hash(&["user-jid", org, name]),
                stable_hash(&["user-jid-2", org, name])
            )
        );
        User {
            name: name.to_owned(),
            id,
            jid,
        }
    }

    /// The user's `selfUri`: `/api/v2/users/<id>`.
    pub fn self_uri(&self) -> String {
        format!("/api/v2/users/{}", self.id)
    }
}

/// The permissions a token carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permissions {
    /// Every permission (a superuser token).
    All,
    /// Exactly these permissions, e.g. `chat:room:view`.
    Only(BTreeSet<String>),
}

impl Permissions {
    /// Every permission.
    pub fn all() -> Self {
        Permissions::All
    }

    /// No permission at all: only the operations that check none are allowed.
    pub fn none() -> Self {
        Permissions::Only(BTreeSet::new())
    }

    /// Exactly these permissions.
    pub fn of<I: IntoIterator<Item = S>, S: Into<String>>(permissions: I) -> Self {
        Permissions::Only(permissions.into_iter().map(Into::into).collect())
    }

    /// Whether a caller with these permissions may call an operation that needs ANY of
    /// `required` (an empty list needs none).
    pub fn allows_any(&self, required: &[&str]) -> bool {
        match self {
            _ if required.is_empty() => true,
            Permissions::All => true,
            Permissions::Only(set) => required.iter().any(|p| set.contains(*p)),
        }
    }

    /// Every permission any of the 32 operations checks, sorted.
    pub fn every_known() -> Vec<&'static str> {
        let set: BTreeSet<&'static str> = ALL
            .iter()
            .flat_map(|m| m.permissions.iter().copied())
            .collect();
        set.into_iter().collect()
    }
}

/// What a token grants: a user and permissions, possibly until a deadline.
#[derive(Clone)]
pub(crate) struct Grant {
    pub(crate) user: usize,
    pub(crate) permissions: Permissions,
    /// Unix millis after which the token is refused; `None` never expires.
    pub(crate) expires_at: Option<i64>,
}

/// An OAuth client of the login host.
pub(crate) struct OAuthClient {
    /// The secret of a confidential client; `None` for a public (PKCE) client.
    pub(crate) secret: Option<String>,
    /// The user its client-credentials tokens act as, and who signs in at
    /// `GET /oauth/authorize`.
    pub(crate) user: usize,
    /// The permissions of every token the client obtains.
    pub(crate) permissions: Permissions,
}

/// A SAML2 assertion the token endpoint accepts.
pub(crate) struct Saml2Entry {
    /// The `orgName` it must come with.
    pub(crate) org_name: String,
    /// The user its tokens act as.
    pub(crate) user: usize,
}

/// The org: users and seeded credentials. Fixed once the emulator is built.
pub(crate) struct Identity {
    pub(crate) org: String,
    pub(crate) users: Vec<User>,
    by_id: HashMap<String, usize>,
    by_jid: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    pub(crate) tokens: HashMap<String, Grant>,
    /// Token strings in the order they were seeded, for `Emulator::token_for`.
    pub(crate) token_order: Vec<String>,
    pub(crate) clients: HashMap<String, OAuthClient>,
    /// Accepted SAML2 assertions, by assertion.
    pub(crate) saml2: HashMap<String, Saml2Entry>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens and secrets are never printed; only how many there are.
        f.debug_struct("Identity")
            .field("org", &self.org)
            .field("users", &self.users)
            .field("tokens", &self.tokens.len())
            .field("clients", &self.clients.len())
            .field("saml2_assertions", &self.saml2.len())
            .finish()
    }
}

impl Identity {
    pub(crate) fn new(org: String, users: Vec<User>) -> Self {
        let mut by_id = HashMap::new();
        let mut by_jid = HashMap::new();
        let mut by_name = HashMap::new();
        for (i, u) in users.iter().enumerate() {
            by_id.insert(u.id.clone(), i);
            by_jid.insert(u.jid.clone(), i);
            by_name.insert(u.name.clone(), i);
        }
        Identity {
            org,
            users,
            by_id,
            by_jid,
            by_name,
            tokens: HashMap::new(),
            token_order: Vec::new(),
            clients: HashMap::new(),
            saml2: HashMap::new(),
        }
    }

    pub(crate) fn user(&self, index: usize) -> &User {
        // Indices are only ever made from `users`, so this cannot miss; the fallback
        // keeps it panic-free all the same.
        static NOBODY: User = User {
            name: String::new(),
            id: String::new(),
            jid: String::new(),
        };
        self.users.get(index).unwrap_or(&NOBODY)
    }

    pub(crate) fn by_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn by_jid(&self, jid: &str) -> Option<usize> {
        self.by_jid.get(jid).copied()
    }

    pub(crate) fn by_name(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The room JID domain: `conference.<org>.orgspan.com`.
    pub(crate) fn conference_domain(&self) -> String {
        format!("conference.{}.orgspan.com", self.org)
    }
}

/// Decodes standard base64 (padding optional), as `Authorization: Basic` uses it.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be padding zeros; a single leftover character is invalid.
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(decode_base64("YTpi").as_deref(), Some(&b"a:b"[..]));
        assert_eq!(decode_base64("YTpiYw==").as_deref(), Some(&b"a:bc"[..]));
        assert_eq!(decode_base64("YTpiYw").as_deref(), Some(&b"a:bc"[..]));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert!(decode_base64("Y").is_none());
        assert!(decode_base64("a*b=").is_none());
    }

    #[test]
    fn user_shapes() {
        let u = User::derive("example", "alice");
        assert_eq!(u.id.len(), 36);
        assert!(u.jid.ends_with("@example.orgspan.com"));
        assert_eq!(u.jid.split('@').next().map(str::len), Some(24));
        assert_eq!(u, User::derive("example", "alice"));
    }

    #[test]
    fn permissions_any_of() {
        let p = Permissions::of(["chat:room:view"]);
        assert!(p.allows_any(&["chat:chat:access", "chat:room:view"]));
        assert!(!p.allows_any(&["chat:chat:access"]));
        assert!(Permissions::none().allows_any(&[]));
        assert!(Permissions::all().allows_any(&["x"]));
        assert!(Permissions::every_known().contains(&"chat:setting:edit"));
    }
}
