//! `genesys-chat-emulator`: the Genesys Cloud Chat emulator as a process.
//!
//! ```text
//! cargo run -p genesys-chat-testkit --bin genesys-chat-emulator -- --port 8080
//! cargo run -p genesys-chat-testkit --bin genesys-chat-emulator -- --json
//! ```
//!
//! Prints its base URL, a ready access token with every permission, the OAuth client id
//! and secret its token endpoint accepts and its public (PKCE) client id (with `--json`:
//! all of it, every seeded user with its id and token included, as one JSON object on
//! one line), then serves on 127.0.0.1 until killed.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use genesys_chat_testkit::{Emulator, server::Server};
use serde_json::json;

const USAGE: &str = "\
usage: genesys-chat-emulator [--port PORT] [--json]
       genesys-chat-emulator --version | --help

Serves an in-memory Genesys Cloud Chat service on http://127.0.0.1:PORT
(API and OAuth token endpoint on the same base URL) until killed.

options:
  --port PORT   the port to listen on; 0 (the default) picks a free one
  --json        print the banner as one JSON object on one line: baseUrl, adminUrl,
                accessToken, users [{name, id, jid, token}], clients
                [{clientId, clientSecret}], publicClients [{clientId}]
  -V, --version the version, then exit
  -h, --help    this help
";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve { port: u16, json: bool },
    Help,
    Version,
}

fn parse_port(value: &str) -> Result<u16, String> {
    value
        .parse()
        .map_err(|_| format!("--port: `{value}` is not a port number (0 to 65535)"))
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut port = 0u16;
    let mut json = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--json" => {
                json = true;
                i += 1;
            }
            "--port" | "-p" => {
                let value = args.get(i + 1).ok_or("--port needs a value")?;
                port = parse_port(value)?;
                i += 2;
            }
            other => match other.strip_prefix("--port=") {
                Some(value) => {
                    port = parse_port(value)?;
                    i += 1;
                }
                None => return Err(format!("unknown argument `{other}`")),
            },
        }
    }
    Ok(Command::Serve { port, json })
}

/// The banner as one JSON object.
fn banner_json(emulator: &Emulator, base: &str) -> serde_json::Value {
    let users: Vec<serde_json::Value> = emulator
        .users()
        .iter()
        .map(|u| {
            json!({
                "name": u.name,
                "id": u.id,
                "jid": u.jid,
                "token": emulator.token_for(&u.name),
            })
        })
        .collect();
    json!({
        "baseUrl": base,
        "adminUrl": format!("{base}/__emulator/"),
        "accessToken": Emulator::DEFAULT_TOKEN,
        "users": users,
        "clients": [{
            "clientId": Emulator::DEFAULT_CLIENT_ID,
            "clientSecret": Emulator::DEFAULT_CLIENT_SECRET,
        }],
        "publicClients": [{ "clientId": Emulator::DEFAULT_PUBLIC_CLIENT_ID }],
        "version": env!("CARGO_PKG_VERSION"),
    })
}

fn print_banner(base: &str) {
    println!("Genesys Cloud Chat emulator");
    println!("base URL:      {base}");
    println!(
        "access token:  {}  (user alice, every permission)",
        Emulator::DEFAULT_TOKEN
    );
    println!("client id:     {}", Emulator::DEFAULT_CLIENT_ID);
    println!("client secret: {}", Emulator::DEFAULT_CLIENT_SECRET);
    println!(
        "public client: {}  (PKCE, no secret)",
        Emulator::DEFAULT_PUBLIC_CLIENT_ID
    );
    println!("users:         {base}/__emulator/users");
    println!(
        "admin:         {base}/__emulator/ (the index of: faults, counters, reset, rate-limit, users, tokens)"
    );
    println!("Serving until killed (Ctrl-C).");
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (port, json) = match parse_args(&args) {
        Ok(Command::Serve { port, json }) => (port, json),
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("genesys-chat-emulator {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("genesys-chat-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emulator = Arc::new(Emulator::new());
    let server = match Server::start_on(Arc::clone(&emulator), ([127, 0, 0, 1], port).into()) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("genesys-chat-emulator: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = server.base_url();
    if json {
        println!("{}", banner_json(&emulator, &base));
    } else {
        print_banner(&base);
    }
    // A reader on a pipe sees the banner at once, not when the buffer fills.
    let _ = std::io::stdout().flush();
    // Serve until the process is killed; the server runs on its own threads.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::{Command, parse_args};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse_args(&args(&[])),
            Ok(Command::Serve {
                port: 0,
                json: false
            })
        );
        assert_eq!(
            parse_args(&args(&["--json", "--port=8080"])),
            Ok(Command::Serve {
                port: 8080,
                json: true
            })
        );
        assert_eq!(parse_args(&args(&["-V"])), Ok(Command::Version));
        assert_eq!(
            parse_args(&args(&["--port", "1", "--help"])),
            Ok(Command::Help)
        );
        assert_eq!(
            parse_args(&args(&["--port", "http"])),
            Err("--port: `http` is not a port number (0 to 65535)".to_owned())
        );
        assert_eq!(
            parse_args(&args(&["--jsn"])),
            Err("unknown argument `--jsn`".to_owned())
        );
    }
}
