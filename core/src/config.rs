//! Where requests go and how they are authorised: regions, base URLs, the access token.

use std::fmt;

use crate::Error;

/// The default cap on a response body: 8 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// The longest access token accepted, in bytes: 16 KiB. Genesys Cloud tokens are far
/// shorter; a longer one cannot travel in the `Authorization` header of most servers and
/// proxies. A token over it is refused where it is made ([`AccessToken::new`]): one given
/// by the user (`Config::with_token`, `Credentials::token`, a callback) before any request
/// is sent, one issued by the login host when its token response is parsed (an
/// `Error::Decode` that says so), never sent.
pub const MAX_ACCESS_TOKEN_BYTES: usize = 16 * 1024;

/// The `User-Agent` sent unless configured otherwise: `genesys-chat/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("genesys-chat/", env!("CARGO_PKG_VERSION"));

macro_rules! regions {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal => $domain:literal, )+) => {
        /// A Genesys Cloud region: its API host is `api.<domain>`, its login host
        /// `login.<domain>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Region {
            $( $(#[$doc])* $variant, )+
        }

        impl Region {
            /// Every region.
            pub const ALL: &'static [Region] = &[$(Region::$variant),+];

            /// The region's name, e.g. `us-east-1`.
            pub const fn name(self) -> &'static str {
                match self { $( Region::$variant => $name, )+ }
            }

            /// The region's domain, e.g. `mypurecloud.com`.
            pub const fn domain(self) -> &'static str {
                match self { $( Region::$variant => $domain, )+ }
            }
        }
    };
}

regions! {
    /// `us-east-1`: mypurecloud.com
    UsEast1 = "us-east-1" => "mypurecloud.com",
    /// `us-east-2` (US government): use2.us-gov-pure.cloud
    UsEast2 = "us-east-2" => "use2.us-gov-pure.cloud",
    /// `us-west-2`: usw2.pure.cloud
    UsWest2 = "us-west-2" => "usw2.pure.cloud",
    /// `ca-central-1`: cac1.pure.cloud
    CaCentral1 = "ca-central-1" => "cac1.pure.cloud",
    /// `sa-east-1`: sae1.pure.cloud
    SaEast1 = "sa-east-1" => "sae1.pure.cloud",
    /// `mx-central-1`: mxc1.pure.cloud
    MxCentral1 = "mx-central-1" => "mxc1.pure.cloud",
    /// `eu-west-1`: mypurecloud.ie
    EuWest1 = "eu-west-1" => "mypurecloud.ie",
    /// `eu-west-2`: euw2.pure.cloud
    EuWest2 = "eu-west-2" => "euw2.pure.cloud",
    /// `eu-central-1`: mypurecloud.de
    EuCentral1 = "eu-central-1" => "mypurecloud.de",
    /// `eu-central-2`: euc2.pure.cloud
    EuCentral2 = "eu-central-2" => "euc2.pure.cloud",
    /// `eusc-de-east-1` (EU sovereign cloud): edee1.eusc-pure.cloud
    EuscDeEast1 = "eusc-de-east-1" => "edee1.eusc-pure.cloud",
    /// `me-central-1`: mec1.pure.cloud
    MeCentral1 = "me-central-1" => "mec1.pure.cloud",
    /// `ap-south-1`: aps1.pure.cloud
    ApSouth1 = "ap-south-1" => "aps1.pure.cloud",
    /// `ap-southeast-1`: apse1.pure.cloud
    ApSoutheast1 = "ap-southeast-1" => "apse1.pure.cloud",
    /// `ap-southeast-2`: mypurecloud.com.au
    ApSoutheast2 = "ap-southeast-2" => "mypurecloud.com.au",
    /// `ap-northeast-1`: mypurecloud.jp
    ApNortheast1 = "ap-northeast-1" => "mypurecloud.jp",
    /// `ap-northeast-2`: apne2.pure.cloud
    ApNortheast2 = "ap-northeast-2" => "apne2.pure.cloud",
    /// `ap-northeast-3`: apne3.pure.cloud
    ApNortheast3 = "ap-northeast-3" => "apne3.pure.cloud",
}

impl Region {
    /// The API base URL, e.g. `https://api.mypurecloud.com`.
    pub fn api_base_url(self) -> String {
        format!("https://api.{}", self.domain())
    }

    /// The login base URL, e.g. `https://login.mypurecloud.com`.
    pub fn login_base_url(self) -> String {
        format!("https://login.{}", self.domain())
    }
}

impl std::str::FromStr for Region {
    type Err = Error;

    /// Accepts a region name (`eu-west-1`) or a domain (`mypurecloud.ie`).
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        Region::ALL
            .iter()
            .copied()
            .find(|r| r.name().eq_ignore_ascii_case(s) || r.domain().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
                Error::invalid(
                    "region",
                    format!("is not a known region; use one of {}", names.join(", ")),
                )
            })
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An OAuth access token. Its `Debug` and `Display` print `[redacted]`.
///
/// A token holds visible ASCII only (it travels in a header) and is at most
/// [`MAX_ACCESS_TOKEN_BYTES`] long: anything else is refused when the token is made.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Checks and wraps a token.
    pub fn new(token: impl Into<String>) -> Result<Self, Error> {
        let token = token.into();
        if token.is_empty() {
            return Err(Error::invalid("accessToken", "is empty"));
        }
        if token.len() > MAX_ACCESS_TOKEN_BYTES {
            return Err(Error::invalid(
                "accessToken",
                format!(
                    "is {} bytes, over the cap of {MAX_ACCESS_TOKEN_BYTES} bytes (MAX_ACCESS_TOKEN_BYTES); a token that long cannot travel in a header",
                    token.len()
                ),
            ));
        }
        check_header_value("accessToken", &token)?;
        if token.contains(' ') {
            return Err(Error::invalid(
                "accessToken",
                "contains a space; pass the bare token, without `Bearer `",
            ));
        }
        Ok(AccessToken(token))
    }

    /// The secret itself: only for building the `Authorization` header.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Refuses values that cannot travel in an HTTP header: control characters (CR, LF,
/// NUL, DEL…) and anything outside visible ASCII and space.
pub(crate) fn check_header_value(field: &'static str, value: &str) -> Result<(), Error> {
    match value.bytes().find(|b| !(b' '..=b'~').contains(b)) {
        None => Ok(()),
        Some(b'\r' | b'\n') => Err(Error::invalid(
            field,
            "contains a line break (CR or LF), which could inject headers",
        )),
        Some(_) => Err(Error::invalid(
            field,
            "contains a control or non-ASCII character; only visible ASCII is allowed",
        )),
    }
}

/// A base URL: scheme, host, optional port and optional path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `https` or `http`.
    scheme: String,
    /// `host[:port]`.
    authority: String,
    /// Empty, or a prefix starting with `/` and not ending with `/`.
    prefix: String,
}

impl BaseUrl {
    /// Parses `scheme://host[:port][/prefix]`.
    ///
    /// Refused, each with what to pass instead: another scheme than `https` or `http`,
    /// no host, credentials (`user@host`), a query or a fragment, and a path that ends in
    /// `/api/v2` (any case, with or without a final `/`), which every request path
    /// starts with already. A gateway prefix (`https://gw.example.com/genesys`) is kept.
    pub fn parse(field: &'static str, url: &str) -> Result<Self, Error> {
        let uri: http::Uri = url.parse().map_err(|_| {
            Error::invalid(
                field,
                "is not a URL; write it like https://api.example.com or http://127.0.0.1:8080",
            )
        })?;
        let scheme = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => "https",
            Some(s) if s.eq_ignore_ascii_case("http") => "http",
            _ => return Err(Error::invalid(field, "must start with https:// or http://")),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| Error::invalid(field, "has no host"))?;
        if authority.as_str().contains('@') {
            return Err(Error::invalid(
                field,
                "holds credentials (user@host); pass the URL without them (e.g. https://api.mypurecloud.com) and the token or client credentials through Config or Credentials",
            ));
        }
        if authority.host().is_empty() {
            return Err(Error::invalid(field, "has no host"));
        }
        if uri.query().is_some() || url.contains('#') {
            return Err(Error::invalid(
                field,
                "holds a query (?…) or a fragment (#…); pass the base URL alone, e.g. https://api.mypurecloud.com or https://gw.example.com/genesys",
            ));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        if ends_with_api_v2(&prefix) {
            return Err(Error::invalid(
                field,
                "ends in /api/v2, which the client puts in front of every path itself; pass the URL without /api/v2, e.g. https://api.mypurecloud.com, not https://api.mypurecloud.com/api/v2",
            ));
        }
        Ok(BaseUrl {
            scheme: scheme.to_owned(),
            authority: authority.as_str().to_ascii_lowercase(),
            prefix,
        })
    }

    /// The host, without port (IPv6 hosts keep their brackets).
    pub fn host(&self) -> &str {
        let a = self.authority.as_str();
        if a.starts_with('[') {
            a.split_inclusive(']').next().unwrap_or(a)
        } else {
            a.rsplit_once(':').map_or(a, |(h, _)| h)
        }
    }

    /// Whether the host is loopback: `localhost`, `127.0.0.0/8` or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        host == "localhost"
            || host == "[::1]"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Whether the scheme is https.
    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// `scheme://authority`, followed by the prefix and the path given.
    pub(crate) fn join(&self, out: &mut String, path: &str) {
        out.push_str(&self.scheme);
        out.push_str("://");
        out.push_str(&self.authority);
        out.push_str(&self.prefix);
        out.push_str(path);
    }
}

/// Whether a path (without its final `/`) ends in the segments `/api/v2`, in any case.
fn ends_with_api_v2(path: &str) -> bool {
    const API_V2: &str = "/api/v2";
    path.len() >= API_V2.len()
        && path
            .get(path.len() - API_V2.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(API_V2))
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.prefix)
    }
}

/// Where requests go and how they are authorised.
///
/// ```
/// use genesys_chat::{Config, Region};
/// let cfg = Config::new(Region::EuWest1).with_token("my-token")?;
/// assert_eq!(cfg.api_base_url().to_string(), "https://api.mypurecloud.ie");
/// assert_eq!(format!("{cfg:?}").contains("my-token"), false);
///
/// // A gateway, or a local emulator (plain http is allowed on loopback only):
/// let local = Config::with_base_url("http://127.0.0.1:8080")?.with_token("t")?;
/// # Ok::<(), genesys_chat::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    api: BaseUrl,
    login: BaseUrl,
    region: Option<Region>,
    token: Option<AccessToken>,
    user_agent: String,
    max_response_bytes: usize,
    allow_insecure_http: bool,
}

impl Config {
    /// A configuration for a Genesys Cloud region, without a token yet.
    pub fn new(region: Region) -> Self {
        let api = BaseUrl {
            scheme: "https".into(),
            authority: format!("api.{}", region.domain()),
            prefix: String::new(),
        };
        let login = BaseUrl {
            scheme: "https".into(),
            authority: format!("login.{}", region.domain()),
            prefix: String::new(),
        };
        Config {
            api,
            login,
            region: Some(region),
            token: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
        }
    }

    /// A configuration for a custom base URL (a gateway, a proxy, an emulator). Login
    /// requests go to the same base unless [`Config::with_login_base_url`] says otherwise.
    ///
    /// Plain `http://` is accepted for loopback hosts only, unless
    /// [`Config::allow_insecure_http`] is set before the first request.
    pub fn with_base_url(url: &str) -> Result<Self, Error> {
        let api = BaseUrl::parse("baseUrl", url)?;
        let mut cfg = Config::new(Region::UsEast1);
        cfg.region = None;
        cfg.login = api.clone();
        cfg.api = api;
        Ok(cfg)
    }

    /// The configuration for an API server URL, as `GENESYSCLOUD_API_REGION` gives it
    /// (e.g. `https://api.usw2.pure.cloud`, or the emulator's `http://127.0.0.1:8080`).
    ///
    /// - The API server of a known region (`https://api.<domain>`, no port, no path) is
    ///   that [`Region`]: `Config::new(region)`.
    /// - Any other host `api.<domain>` sends login requests to `login.<domain>`, with the
    ///   same scheme, port and path prefix, as regions do.
    /// - Any other host (an address, a gateway, the emulator) serves login requests on the
    ///   same base, as [`Config::with_base_url`] does.
    ///
    /// The URL is checked as [`Config::with_base_url`] checks it (no `/api/v2`, query,
    /// fragment or credentials); plain `http://` is allowed for loopback only, as there.
    ///
    /// ```
    /// use genesys_chat::{Config, Region};
    /// let cfg = Config::for_api_server("https://api.usw2.pure.cloud")?;
    /// assert_eq!(cfg.region(), Some(Region::UsWest2));
    /// let cfg = Config::for_api_server("https://api.gw.example.com/genesys")?;
    /// assert_eq!(cfg.login_base_url().to_string(), "https://login.gw.example.com/genesys");
    /// let cfg = Config::for_api_server("http://127.0.0.1:8080")?;
    /// assert_eq!(cfg.login_base_url().to_string(), "http://127.0.0.1:8080");
    /// # Ok::<(), genesys_chat::Error>(())
    /// ```
    pub fn for_api_server(url: &str) -> Result<Self, Error> {
        let api = BaseUrl::parse("baseUrl", url)?;
        let domain = api
            .authority
            .strip_prefix("api.")
            .filter(|rest| !rest.is_empty() && !rest.starts_with(['.', ':']));
        if let Some(domain) = domain {
            if api.is_https() && api.prefix.is_empty() {
                if let Some(region) = Region::ALL.iter().find(|r| r.domain() == domain) {
                    return Ok(Config::new(*region));
                }
            }
            let login = BaseUrl {
                scheme: api.scheme.clone(),
                authority: format!("login.{domain}"),
                prefix: api.prefix.clone(),
            };
            let mut cfg = Config::with_base_url(url)?;
            cfg.login = login;
            return Ok(cfg);
        }
        Config::with_base_url(url)
    }

    /// Sends login (OAuth) requests to this base URL instead.
    pub fn with_login_base_url(mut self, url: &str) -> Result<Self, Error> {
        self.login = BaseUrl::parse("loginBaseUrl", url)?;
        Ok(self)
    }

    /// Sets the access token.
    pub fn with_token(mut self, token: impl Into<String>) -> Result<Self, Error> {
        self.token = Some(AccessToken::new(token)?);
        Ok(self)
    }

    /// Sets an already checked access token.
    pub fn with_access_token(mut self, token: AccessToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Sets the `User-Agent` header (visible ASCII only).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Result<Self, Error> {
        let ua = user_agent.into();
        check_header_value("userAgent", &ua)?;
        if ua.trim().is_empty() {
            return Err(Error::invalid("userAgent", "is empty"));
        }
        self.user_agent = ua;
        Ok(self)
    }

    /// Sets the cap on response bodies; a larger body is an error, never parsed.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Allows plain `http://` to a host that is not loopback. The token then travels in
    /// clear text: only for a trusted network.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The region, unless a custom base URL is used.
    pub fn region(&self) -> Option<Region> {
        self.region
    }

    /// The API base URL.
    pub fn api_base_url(&self) -> &BaseUrl {
        &self.api
    }

    /// The login base URL.
    pub fn login_base_url(&self) -> &BaseUrl {
        &self.login
    }

    /// The access token, if set.
    pub fn token(&self) -> Option<&AccessToken> {
        self.token.as_ref()
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The cap on response bodies, in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Checks that a base URL may carry credentials under this configuration.
    pub(crate) fn check_transport_security(&self, base: &BaseUrl) -> Result<(), Error> {
        if base.is_https() || base.is_loopback() || self.allow_insecure_http {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "{base} uses plain http to a host that is not loopback, so the token would travel in clear text; use https, or call Config::allow_insecure_http(true) for a trusted network"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighteen_regions_with_their_domains() {
        assert_eq!(Region::ALL.len(), 18);
        assert_eq!(
            Region::EuscDeEast1.api_base_url(),
            "https://api.edee1.eusc-pure.cloud"
        );
        assert_eq!(
            Region::ApSoutheast2.login_base_url(),
            "https://login.mypurecloud.com.au"
        );
        assert_eq!("mypurecloud.jp".parse::<Region>(), Ok(Region::ApNortheast1));
        assert_eq!("US-EAST-2".parse::<Region>(), Ok(Region::UsEast2));
        assert!("mars-1".parse::<Region>().is_err());
    }

    #[test]
    fn base_urls() {
        let b = BaseUrl::parse("baseUrl", "https://gw.example.com:8443/chat/").unwrap();
        assert_eq!(b.to_string(), "https://gw.example.com:8443/chat");
        assert_eq!(b.host(), "gw.example.com");
        let b = BaseUrl::parse("baseUrl", "http://[::1]:9000").unwrap();
        assert!(b.is_loopback());
        assert_eq!(b.host(), "[::1]");
        assert!(
            BaseUrl::parse("baseUrl", "http://127.1.2.3")
                .unwrap()
                .is_loopback()
        );
        assert!(
            !BaseUrl::parse("baseUrl", "http://10.0.0.1")
                .unwrap()
                .is_loopback()
        );
        for bad in [
            "ftp://x",
            "api.example.com",
            "https://u:p@x",
            "https://x/?a=1",
            "https://x/#f",
        ] {
            assert!(BaseUrl::parse("baseUrl", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = AccessToken::new("s3cr3t").unwrap();
        assert_eq!(format!("{t:?}"), "AccessToken([redacted])");
        assert_eq!(format!("{t}"), "[redacted]");
    }
}
